// 启动时就登录并取回我的资料，页面再用 utils/user.loadMe() 拿到同一份结果。
const { loadMe } = require('./utils/user')

App({
  onLaunch() {
    // 失败不打断启动：首页会显示错误并让用户重试
    loadMe().catch(() => {})
  },
})

// 网格通 小程序的全部可配置项集中在这里。
// 真机调试时把 apiBase 改成电脑的局域网地址（如 http://192.168.1.20:5000/api/v1）。
module.exports = {
  // 后端接口前缀（含 /api/v1）
  apiBase: 'http://127.0.0.1:5000/api/v1',
  // 单次请求超时（毫秒）；微信默认 60 秒，弱网下早一点放弃再重试更好
  timeoutMs: 15000,
  // 网络失败后的重试等待（毫秒）；数组长度即最多重试次数，重试时沿用同一个 Idempotency-Key
  retryDelaysMs: [800, 2000],
  // 令牌到期前多少毫秒就提前重新登录
  tokenRefreshMarginMs: 60 * 1000,
  // 订阅消息模板 ID（在小程序后台申请后填入；留空则不弹订阅请求）
  subscribeTemplates: {
    reportProgress: [], // 随手拍处理进度
    registrationResult: [], // 双报到审核结果
  },
}

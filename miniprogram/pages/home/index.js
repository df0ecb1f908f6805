// 首页：按我的角色显示居民、党员、网格长的入口。
const { loadMe, hasRole } = require('../../utils/user')
const { ROLE_NAMES } = require('../../constants/party')

// 根据角色列出入口；没有党员身份的人也能看到"双报到"，报到通过后才会有党员角色
function buildSections(me) {
  const sections = [
    {
      key: 'resident',
      title: '居民服务',
      tiles: [
        { text: '随手拍', desc: '拍下身边的问题', url: '/pages/reports/new/index', primary: true },
        { text: '我的上报', desc: '进度与评价', url: '/pages/reports/mine/index' },
      ],
    },
  ]
  if (hasRole(me, 'party_member')) {
    sections.push({
      key: 'party',
      title: '党员服务',
      tiles: [
        { text: '扫码签到', desc: '活动现场扫码', url: '/pages/checkin/scan/index', primary: true },
        { text: '身边微事项', desc: '认领并完成', url: '/pages/tasks/list/index' },
        { text: '我的积分', desc: '积分与排行', url: '/pages/points/mine/index' },
        { text: '活动', desc: '志愿活动、主题党日', url: '/pages/activities/list/index' },
        { text: '双报到', desc: '我的报到记录', url: '/pages/party/register/index' },
      ],
    })
  } else {
    sections.push({
      key: 'party',
      title: '党员服务',
      tiles: [{ text: '在职党员双报到', desc: '到居住地社区报到', url: '/pages/party/register/index' }],
    })
  }
  const leads = hasRole(me, 'grid_leader', 'street_admin')
  if (leads || hasRole(me, 'handler')) {
    const tiles = [{ text: '待办', desc: '处置、审核、验收', url: '/pages/leader/inbox/index', primary: true }]
    if (leads) {
      tiles.push(
        { text: '网格数据', desc: '一眼看全网格', url: '/pages/leader/stats/index' },
        { text: '活动签到码', desc: '现场亮码签到', url: '/pages/activities/list/index' },
        { text: '发布活动', desc: '志愿服务、主题党日', url: '/pages/leader/publish-activity/index' },
        { text: '发布微事项', desc: '党员认领、完成得积分', url: '/pages/leader/publish-task/index' },
      )
    }
    sections.push({ key: 'leader', title: '网格工作', tiles })
  }
  return sections
}

Component({
  data: {
    loading: true,
    error: '',
    me: null,
    roleText: '',
    sections: [],
  },
  methods: {
    onLoad() {
      this.load()
    },
    onShow() {
      // 从"选择网格""绑定手机"回来时，资料已在那边刷新过，这里读缓存即可
      if (this.data.me) this.load()
    },
    onPullDownRefresh() {
      this.load(true).then(() => wx.stopPullDownRefresh())
    },
    async load(force = false) {
      if (!this.data.me) this.setData({ loading: true, error: '' })
      try {
        const me = await loadMe(force)
        const roleText = [...new Set((me.roles || []).map(r => ROLE_NAMES[r.role] || r.role))].join(' · ')
        this.setData({ me, roleText, sections: buildSections(me), error: '' })
      } catch (err) {
        this.setData({ error: err.message || '登录失败，请重试' })
      } finally {
        this.setData({ loading: false })
      }
    },
    onRetry() {
      this.load(true)
    },
    onTile(e) {
      wx.navigateTo({ url: e.currentTarget.dataset.url })
    },
    onPickGrid() {
      wx.navigateTo({ url: '/pages/grids/picker/index' })
    },
    onGoMe() {
      wx.switchTab({ url: '/pages/me/index' })
    },
  },
})

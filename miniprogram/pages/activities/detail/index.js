// 活动详情：党员扫码签到；网格长在现场出示签到码。
const { getActivity } = require('../../../api/activities')
const { loadMe, hasRole } = require('../../../utils/user')
const { activityView } = require('../../../utils/activity')

Component({
  data: { id: null, loading: true, error: '', activity: null, canShowCode: false, canCheckIn: false },
  methods: {
    onLoad(query) {
      this.setData({ id: query.id })
      this.load()
    },
    async load() {
      this.setData({ loading: true, error: '' })
      try {
        const [me, activity] = await Promise.all([loadMe(), getActivity(this.data.id)])
        this.setData({
          activity: activityView(activity),
          // 能否亮码最终由服务端判断（不是本活动的负责人会得到 403 提示）
          canShowCode: hasRole(me, 'grid_leader', 'street_admin'),
          canCheckIn: hasRole(me, 'party_member'),
        })
      } catch (err) {
        this.setData({ error: err.message || '加载失败' })
      } finally {
        this.setData({ loading: false })
      }
    },
    onShowCode() {
      wx.navigateTo({ url: `/pages/activities/qrcode/index?id=${this.data.id}` })
    },
    onScan() {
      wx.navigateTo({ url: '/pages/checkin/scan/index' })
    },
  },
})

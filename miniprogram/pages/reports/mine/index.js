// 我上报的问题，最新的在前；点开看进度。
const pagedList = require('../../../behaviors/paged-list')
const { listMyReports } = require('../../../api/reports')
const { formatTime } = require('../../../utils/format')

Component({
  behaviors: [pagedList],
  methods: {
    onLoad() {
      this.reload()
    },
    onShow() {
      // 从详情页评价回来后状态会变
      if (this.data.page) this.reload()
    },
    fetchPage(page) {
      return listMyReports(page)
    },
    mapItems(r) {
      return { ...r, time: formatTime(r.created_at), thumb: r.photos && r.photos[0] ? r.photos[0].thumbnail_url || r.photos[0].url : '' }
    },
    onOpen(e) {
      wx.navigateTo({ url: `/pages/reports/detail/index?id=${e.currentTarget.dataset.id}` })
    },
    onNew() {
      wx.navigateTo({ url: '/pages/reports/new/index' })
    },
  },
})

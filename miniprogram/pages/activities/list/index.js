// 志愿活动与主题党日列表。
const pagedList = require('../../../behaviors/paged-list')
const { listActivities } = require('../../../api/activities')
const { activityView } = require('../../../utils/activity')

Component({
  behaviors: [pagedList],
  methods: {
    onLoad() {
      this.reload()
    },
    fetchPage(page) {
      return listActivities(page)
    },
    mapItems: activityView,
    onOpen(e) {
      wx.navigateTo({ url: `/pages/activities/detail/index?id=${e.currentTarget.dataset.id}` })
    },
  },
})

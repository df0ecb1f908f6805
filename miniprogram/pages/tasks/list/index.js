// 微事项：我所在网格里可认领的，以及我认领过的。
const pagedList = require('../../../behaviors/paged-list')
const { listTasks } = require('../../../api/tasks')
const { loadMe, gridsAs } = require('../../../utils/user')
const { formatTime, slotsLeft } = require('../../../utils/format')

Component({
  behaviors: [pagedList],
  data: { tab: 'open', gridName: '' },
  methods: {
    async onLoad() {
      this.setData({ loading: true })
      try {
        const me = await loadMe()
        // 党员身份所在的网格优先，其次是居住网格
        const grid = gridsAs(me, 'party_member')[0] || me.grid
        this._gridId = grid ? grid.id : null
        this.setData({ gridName: grid ? grid.name : '' })
      } catch (err) {
        this.setData({ loading: false, error: err.message || '加载失败' })
        return
      }
      this.reload()
    },
    onShow() {
      if (this.data.page) this.reload()
    },
    fetchPage(page) {
      if (this.data.tab === 'mine') return listTasks({ mine: 1, page })
      return listTasks({ grid_id: this._gridId, status: 'open', page })
    },
    mapItems(t) {
      return { ...t, deadlineText: formatTime(t.deadline), left: slotsLeft(t) }
    },
    onTab(e) {
      const tab = e.currentTarget.dataset.tab
      if (tab === this.data.tab) return
      this.setData({ tab, items: [] })
      this.reload()
    },
    onOpen(e) {
      wx.navigateTo({ url: `/pages/tasks/detail/index?id=${e.currentTarget.dataset.id}` })
    },
  },
})

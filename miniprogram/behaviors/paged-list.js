// 分页列表的共用行为：加载中 / 出错 / 为空 三种状态、下拉刷新、触底加载下一页。
// 使用者实现 fetchPage(page)，返回 {items, total}。
module.exports = Behavior({
  data: {
    items: [],
    total: 0,
    page: 0,
    loading: false,
    loadingMore: false,
    error: '',
    finished: false,
  },
  methods: {
    async reload() {
      this.setData({ loading: true, error: '' })
      try {
        const res = await this.fetchPage(1)
        const items = this.mapItems ? res.items.map(i => this.mapItems(i)) : res.items
        this.setData({ items, total: res.total, page: 1, finished: items.length >= res.total })
      } catch (err) {
        this.setData({ error: err.message || '加载失败' })
      } finally {
        this.setData({ loading: false })
        wx.stopPullDownRefresh()
      }
    },
    async loadMore() {
      if (this.data.loading || this.data.loadingMore || this.data.finished) return
      this.setData({ loadingMore: true })
      try {
        const next = this.data.page + 1
        const res = await this.fetchPage(next)
        const more = this.mapItems ? res.items.map(i => this.mapItems(i)) : res.items
        const items = this.data.items.concat(more)
        this.setData({ items, total: res.total, page: next, finished: more.length === 0 || items.length >= res.total })
      } catch (err) {
        wx.showToast({ title: err.message || '加载失败', icon: 'none' })
      } finally {
        this.setData({ loadingMore: false })
      }
    },
    onPullDownRefresh() {
      this.reload()
    },
    onReachBottom() {
      this.loadMore()
    },
  },
})

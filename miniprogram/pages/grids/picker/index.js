// 选择自己居住的微网格并保存。
const { setMyGrid } = require('../../../api/auth')
const { loadMe, currentMe } = require('../../../utils/user')
const { showError, confirm } = require('../../../utils/ui')

Component({
  data: { currentId: null, saving: false },
  methods: {
    onLoad() {
      const me = currentMe()
      this.setData({ currentId: me && me.grid ? me.grid.id : null })
    },
    async onSelect(e) {
      const grid = e.detail.grid
      const ok = await confirm({ title: '确认所在网格', content: grid.path })
      if (!ok) return
      this.setData({ saving: true })
      try {
        await setMyGrid(grid.id)
        await loadMe(true)
        wx.showToast({ title: '已保存', icon: 'success' })
        wx.navigateBack()
      } catch (err) {
        showError(err)
      } finally {
        this.setData({ saving: false })
      }
    },
  },
})

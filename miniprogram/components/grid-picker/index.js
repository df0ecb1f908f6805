// 逐级选择网格：从最上级往下点，选中后触发 select {grid}。
const { listGrids } = require('../../api/grids')
const { GRID_LEVELS } = require('../../constants/party')

Component({
  properties: {
    // 这一级及以下、或没有下级的网格才能被选中（默认微网格）
    minLevel: { type: Number, value: 4 },
    selectedId: { type: null, value: null },
    // When given, the top level is these grids (e.g. the ones a leader manages) instead of the
    // tree's top; their has_children may be unknown, so they can always be opened.
    roots: { type: Array, value: [] },
  },
  data: {
    trail: [], // 已经点进去的上级 [{id, name}]
    items: [],
    loading: true,
    error: '',
  },
  lifetimes: {
    attached() {
      this.load()
    },
  },
  methods: {
    async load() {
      const parent = this.data.trail[this.data.trail.length - 1]
      const roots = this.data.roots || []
      if (!parent && roots.length) {
        this.setData({ items: roots.map(g => this.view({ ...g, has_children: g.has_children !== false })), loading: false, error: '' })
        return
      }
      this.setData({ loading: true, error: '' })
      try {
        const res = await listGrids(parent ? parent.id : undefined)
        const items = res.items.map(g => this.view(g))
        this.setData({ items })
      } catch (err) {
        this.setData({ error: err.message || '加载失败' })
      } finally {
        this.setData({ loading: false })
      }
    },
    view(g) {
      return {
        ...g,
        levelName: g.level_name || GRID_LEVELS[g.level] || `第${g.level}级`,
        selectable: g.level >= this.data.minLevel || !g.has_children,
      }
    },
    onOpen(e) {
      const grid = this.data.items[e.currentTarget.dataset.index]
      if (!grid.has_children) return
      this.setData({ trail: this.data.trail.concat({ id: grid.id, name: grid.name }) })
      this.load()
    },
    onBack(e) {
      const depth = Number(e.currentTarget.dataset.depth)
      this.setData({ trail: this.data.trail.slice(0, depth) })
      this.load()
    },
    onSelect(e) {
      const grid = this.data.items[e.currentTarget.dataset.index]
      const path = this.data.trail.map(t => t.name).concat(grid.name).join(' / ')
      this.triggerEvent('select', { grid: { id: grid.id, name: grid.name, level: grid.level, path } })
    },
  },
})

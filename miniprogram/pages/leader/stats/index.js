// 网格数据：我管理的网格（含下级）的问题、办结率、满意率、微事项、签到、积分。
const { getGridStats } = require('../../../api/grids')
const { loadMe, gridsAs } = require('../../../utils/user')
const { REPORT_STATUS } = require('../../../constants/report')
const { formatRate } = require('../../../utils/format')

function pick(obj, path) {
  return path.split('.').reduce((o, k) => (o === undefined || o === null ? undefined : o[k]), obj)
}

// [显示名, 字段路径, 格式]；后端没给的字段不显示
const METRICS = [
  ['问题总数', 'reports.total'],
  ['超期未办', 'reports.overdue'],
  ['办结率', 'resolved_rate', 'rate'],
  ['满意率', 'satisfaction_rate', 'rate'],
  ['平均处理时长', 'avg_handling_hours', 'hours'],
  ['微事项', 'tasks.total'],
  ['已完成微事项', 'tasks.completed'],
  ['活动签到人次', 'checkins'],
  ['发放积分', 'points'],
]

function toCards(stats) {
  return METRICS.map(([label, path, kind]) => {
    const v = pick(stats, path)
    if (v === undefined || v === null || typeof v === 'object') return null
    const value = kind === 'rate' ? formatRate(v) : kind === 'hours' ? `${Math.round(v * 10) / 10}小时` : `${v}`
    return { label, value }
  }).filter(Boolean)
}

function toStatusRows(stats) {
  const byStatus = pick(stats, 'reports.by_status') || {}
  return Object.keys(REPORT_STATUS)
    .filter(s => byStatus[s] !== undefined)
    .map(s => ({ status: s, name: REPORT_STATUS[s].name, count: byStatus[s] }))
}

Component({
  data: { loading: true, error: '', grids: [], gridIndex: 0, cards: [], statusRows: [] },
  methods: {
    async onLoad() {
      try {
        const me = await loadMe()
        const grids = gridsAs(me, 'grid_leader', 'street_admin')
        this.setData({ grids })
        if (!grids.length) {
          this.setData({ loading: false, error: '您没有管理的网格' })
          return
        }
      } catch (err) {
        this.setData({ loading: false, error: err.message || '加载失败' })
        return
      }
      this.load()
    },
    onPullDownRefresh() {
      this.load().then(() => wx.stopPullDownRefresh())
    },
    async load() {
      const grid = this.data.grids[this.data.gridIndex]
      if (!grid) return
      this.setData({ loading: true, error: '' })
      try {
        const stats = await getGridStats(grid.id)
        this.setData({ cards: toCards(stats), statusRows: toStatusRows(stats) })
      } catch (err) {
        this.setData({ error: err.message || '加载失败' })
      } finally {
        this.setData({ loading: false })
      }
    },
    onGridChange(e) {
      this.setData({ gridIndex: Number(e.detail.value) })
      this.load()
    },
  },
})

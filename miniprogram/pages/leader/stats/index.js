// 网格数据：我管理的网格（含下级）的数字。服务端按领域分节返回 {grid, sections: {节名: {指标: 值}}}，
// 这里只负责把已知的节名、指标名换成中文，数值按名字后缀格式化；没见过的原样显示，不丢数据。
const { getGridStats } = require('../../../api/grids')
const { loadMe, gridsAs } = require('../../../utils/user')
const { REPORT_STATUS } = require('../../../constants/report')
const { GRID_LEVELS, REGISTRATION_STATUS } = require('../../../constants/party')
const { formatRate } = require('../../../utils/format')

const SECTION_NAMES = {
  reports: '问题处置',
  tasks: '微事项',
  party: '双报到',
  activities: '活动签到',
  points: '党员积分',
  grids: '网格与人员',
}
const SECTION_ORDER = Object.keys(SECTION_NAMES)

const METRIC_NAMES = {
  total: '总数',
  open: '未办结',
  overdue: '已超期',
  resolved_rate: '办结率',
  satisfaction_rate: '满意率',
  avg_handling_hours: '平均处理时长',
  by_status: '按状态',
  claims: '认领人次',
  completed: '已完成',
  verified: '已验收',
  registrations: '报到人数',
  approved: '已通过',
  pending: '待审核',
  checkins: '签到人次',
  service_hours: '服务时长',
  awarded: '累计发放积分',
  awarded_this_month: '本月发放积分',
  members_with_points: '获得积分的党员',
  grids_by_level: '各级网格数',
  residents_bound: '已绑定的居民',
  party_members: '党员',
  leaders: '网格长',
  handlers: '处置人员',
}

// 分组指标里键的中文：网格层级、问题状态、报到状态
function subLabel(metric, key) {
  if (metric === 'grids_by_level') return GRID_LEVELS[key] || `第${key}级`
  const entry = REPORT_STATUS[key] || REGISTRATION_STATUS[key]
  return entry ? entry.name : key
}

function formatValue(key, v) {
  if (v === null || v === undefined) return '—'
  if (/_rate$/.test(key)) return formatRate(v)
  if (/_hours$/.test(key)) return `${Math.round(v * 10) / 10}小时`
  return `${v}`
}

function toSections(stats) {
  const sections = (stats && stats.sections) || {}
  const names = Object.keys(sections).sort((a, b) => {
    const ia = SECTION_ORDER.indexOf(a)
    const ib = SECTION_ORDER.indexOf(b)
    return (ia < 0 ? 99 : ia) - (ib < 0 ? 99 : ib)
  })
  return names.map(name => {
    const metrics = sections[name] || {}
    const cards = []
    const groups = []
    Object.keys(metrics).forEach(key => {
      const v = metrics[key]
      const label = METRIC_NAMES[key] || key
      if (v && typeof v === 'object') {
        groups.push({ key, label, rows: Object.keys(v).map(k => ({ key: k, label: subLabel(key, k), value: formatValue(k, v[k]) })) })
      } else {
        cards.push({ key, label, value: formatValue(key, v) })
      }
    })
    return { name, title: SECTION_NAMES[name] || name, cards, groups }
  })
}

Component({
  data: { loading: true, error: '', grids: [], gridIndex: 0, sections: [] },
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
        this.setData({ sections: toSections(stats) })
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

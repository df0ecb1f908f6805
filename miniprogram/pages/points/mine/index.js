// 我的积分：余额、明细，以及网格内的月度 / 年度排行。
const points = require('../../../api/points')
const { loadMe, gridsAs } = require('../../../utils/user')
const { formatTime } = require('../../../utils/format')

Component({
  data: {
    tab: 'ledger', // ledger | ranking
    loading: true,
    error: '',
    balance: 0,
    ledger: [],
    period: 'month',
    gridName: '',
    ranking: [],
    rankingLoading: false,
    rankingError: '',
  },
  methods: {
    onLoad() {
      this.load()
    },
    async load() {
      this.setData({ loading: true, error: '' })
      try {
        const [me, res] = await Promise.all([loadMe(), points.getMyPoints()])
        const grid = gridsAs(me, 'party_member')[0] || me.grid
        this._gridId = grid ? grid.id : null
        this._meId = me.id
        this.setData({
          gridName: grid ? grid.name : '',
          balance: res.balance,
          ledger: res.items.map((p, i) => ({
            key: `${i}-${p.created_at}`,
            points: p.points > 0 ? `+${p.points}` : `${p.points}`,
            plus: p.points > 0,
            source: p.source_name, // the server names each source, new ones included
            note: p.note || '',
            time: formatTime(p.created_at),
          })),
        })
      } catch (err) {
        this.setData({ error: err.message || '加载失败' })
      } finally {
        this.setData({ loading: false })
      }
    },
    async loadRanking() {
      if (!this._gridId) {
        this.setData({ rankingError: '请先选择所在网格' })
        return
      }
      this.setData({ rankingLoading: true, rankingError: '' })
      try {
        const res = await points.getRanking(this._gridId, this.data.period)
        this.setData({
          ranking: res.items.map((r, i) => {
            const user = r.user || {}
            return { rank: r.rank || i + 1, points: r.points, name: user.nickname || user.name || '党员', me: user.id === this._meId }
          }),
        })
      } catch (err) {
        this.setData({ rankingError: err.message || '加载失败' })
      } finally {
        this.setData({ rankingLoading: false })
      }
    },
    onTab(e) {
      const tab = e.currentTarget.dataset.tab
      this.setData({ tab })
      if (tab === 'ranking' && !this.data.ranking.length) this.loadRanking()
    },
    onPeriod(e) {
      this.setData({ period: e.currentTarget.dataset.period, ranking: [] })
      this.loadRanking()
    },
  },
})

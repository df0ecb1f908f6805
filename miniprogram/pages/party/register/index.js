// 双报到：在职党员到居住地社区报到；显示已有登记的审核状态，没有进行中的登记时可以填写新的。
const party = require('../../../api/party')
const config = require('../../../config')
const { loadMe } = require('../../../utils/user')
const { ActionKey } = require('../../../utils/id')
const { askSubscribe } = require('../../../utils/subscribe')
const { formatTime } = require('../../../utils/format')
const { showError } = require('../../../utils/ui')

const SKILLS = ['志愿服务', '治安巡逻', '环境整治', '助老助残', '文化教育', '医疗健康', '法律咨询', '心理疏导', '维修技能']
const TIMES = ['工作日白天', '工作日晚上', '周末']

function validate(d) {
  if (!d.employerOrg.trim()) return '请填写工作单位'
  if (!d.employerPartyOrg.trim()) return '请填写所在党组织'
  if (!d.grid) return '请选择报到的网格'
  return ''
}

Component({
  data: {
    loading: true,
    error: '',
    registrations: [],
    canApply: false,
    employerOrg: '',
    employerPartyOrg: '',
    grid: null,
    picking: false,
    skills: SKILLS.map(name => ({ name, on: false })),
    times: TIMES.map(name => ({ name, on: false })),
    submitting: false,
  },
  methods: {
    onLoad() {
      this._key = new ActionKey()
      this.load()
    },
    async load() {
      this.setData({ loading: true, error: '' })
      try {
        const [me, res] = await Promise.all([loadMe(), party.listMyRegistrations()])
        const registrations = res.items.map(r => ({ ...r, time: formatTime(r.created_at) }))
        const open = registrations.some(r => r.status === 'pending' || r.status === 'approved')
        this.setData({ registrations, canApply: !open, grid: this.data.grid || me.grid || null })
      } catch (err) {
        this.setData({ error: err.message || '加载失败' })
      } finally {
        this.setData({ loading: false })
      }
    },
    onInput(e) {
      this.setData({ [e.currentTarget.dataset.field]: e.detail.value })
    },
    onToggle(e) {
      const { list, index } = e.currentTarget.dataset
      this.setData({ [`${list}[${index}].on`]: !this.data[list][index].on })
    },
    onChangeGrid() {
      this.setData({ picking: !this.data.picking })
    },
    onGridSelect(e) {
      this.setData({ grid: e.detail.grid, picking: false })
    },
    async onSubmit() {
      if (this.data.submitting) return
      const problem = validate(this.data)
      if (problem) {
        wx.showToast({ title: problem, icon: 'none' })
        return
      }
      await askSubscribe(config.subscribeTemplates.registrationResult)
      const d = this.data
      const payload = {
        employer_org: d.employerOrg.trim(),
        employer_party_org: d.employerPartyOrg.trim(),
        grid_id: d.grid.id,
        skills: d.skills.filter(s => s.on).map(s => s.name),
        available_times: d.times.filter(t => t.on).map(t => t.name),
      }
      this.setData({ submitting: true })
      try {
        await party.createRegistration(payload, this._key.for(payload))
        this._key.done()
        wx.showToast({ title: '已提交，等待网格长审核', icon: 'none' })
        await this.load()
      } catch (err) {
        showError(err)
      } finally {
        this.setData({ submitting: false })
      }
    },
  },
})

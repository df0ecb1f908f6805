// 我的：资料、绑定手机号、所在网格、我的角色。
const { loadMe, forgetMe } = require('../../utils/user')
const { bindPhone } = require('../../api/auth')
const { clearSession } = require('../../api/request')
const { ROLE_NAMES, PARTY_KINDS, GRID_LEVELS } = require('../../constants/party')
const { showError, showSuccess } = require('../../utils/ui')

Component({
  data: {
    loading: true,
    error: '',
    me: null,
    roles: [],
    binding: false,
  },
  methods: {
    onLoad() {
      this.load()
    },
    onShow() {
      if (this.data.me) this.load()
    },
    async load(force = false) {
      if (!this.data.me) this.setData({ loading: true, error: '' })
      try {
        const me = await loadMe(force)
        const roles = (me.roles || []).map((r, i) => ({
          key: `${r.role}-${i}`,
          name: r.party_kind ? `${ROLE_NAMES[r.role] || r.role}（${PARTY_KINDS[r.party_kind] || r.party_kind}）` : ROLE_NAMES[r.role] || r.role,
          grid: r.grid ? `${GRID_LEVELS[r.grid.level] || ''} ${r.grid.name}` : '',
        }))
        this.setData({ me, roles, error: '' })
      } catch (err) {
        this.setData({ error: err.message || '加载失败' })
      } finally {
        this.setData({ loading: false })
      }
    },
    onRetry() {
      this.load(true)
    },
    // <button open-type="getPhoneNumber"> 的回调：用户同意后才有 code
    async onGetPhone(e) {
      const code = e.detail && e.detail.code
      if (!code) {
        wx.showToast({ title: '未授权手机号，可稍后再绑定', icon: 'none' })
        return
      }
      this.setData({ binding: true })
      try {
        await bindPhone(code)
        await this.load(true)
        showSuccess('已绑定')
      } catch (err) {
        showError(err)
      } finally {
        this.setData({ binding: false })
      }
    },
    onPickGrid() {
      wx.navigateTo({ url: '/pages/grids/picker/index' })
    },
    async onRelogin() {
      clearSession()
      forgetMe()
      this.setData({ me: null })
      await this.load(true)
    },
  },
})

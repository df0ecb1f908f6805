// 网格长现场亮码：签到码短时有效，过期前几秒自动换新，屏幕保持常亮。
const { getCheckinCode, getActivity } = require('../../../api/activities')

const REFRESH_LEAD_S = 3 // 提前几秒换码，给扫码和网络留余量
const RETRY_AFTER_S = 3 // 取码失败后几秒再试

Component({
  data: {
    id: null,
    title: '',
    token: '',
    remaining: 0,
    error: '',
    size: 280,
  },
  methods: {
    onLoad(query) {
      const width = wx.getWindowInfo ? wx.getWindowInfo().windowWidth : 375
      this.setData({ id: query.id, size: Math.min(320, Math.floor(width * 0.78)) })
      wx.setKeepScreenOn({ keepScreenOn: true })
      getActivity(query.id)
        .then(a => this.setData({ title: a.title }))
        .catch(() => {})
      this.refresh()
    },
    onShow() {
      if (this._hidden) {
        this._hidden = false
        this.refresh()
      }
    },
    onHide() {
      this._hidden = true
      this.stopTimers()
    },
    onUnload() {
      this.stopTimers()
      wx.setKeepScreenOn({ keepScreenOn: false })
    },
    stopTimers() {
      clearTimeout(this._refreshTimer)
      clearInterval(this._tick)
      this._refreshTimer = null
      this._tick = null
    },
    async refresh() {
      this.stopTimers()
      try {
        const code = await getCheckinCode(this.data.id)
        if (this._hidden) return
        this.setData({ token: code.token, remaining: code.expires_in, error: '' })
        const refreshIn = Math.max(1, code.expires_in - REFRESH_LEAD_S)
        this._refreshTimer = setTimeout(() => this.refresh(), refreshIn * 1000)
        this._tick = setInterval(() => {
          if (this.data.remaining > 0) this.setData({ remaining: this.data.remaining - 1 })
        }, 1000)
      } catch (err) {
        // 不显示可能已过期的旧码
        this.setData({ token: '', error: err.message || '签到码获取失败' })
        if (err.status === 0 || err.status >= 500) {
          this._refreshTimer = setTimeout(() => this.refresh(), RETRY_AFTER_S * 1000)
        }
      }
    },
    onRetry() {
      this.refresh()
    },
  },
})

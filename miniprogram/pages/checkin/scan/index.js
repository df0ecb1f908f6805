// 扫码签到：扫网格长手机上的签到码，结果用大字直接告诉用户（成功 / 已签过 / 失败及原因）。
const { checkIn } = require('../../../api/activities')
const { ActionKey } = require('../../../utils/id')
const { getLocation } = require('../../../utils/location')
const { formatTime } = require('../../../utils/format')

function scan() {
  return new Promise(resolve => {
    wx.scanCode({
      onlyFromCamera: true,
      scanType: ['qrCode'],
      success: res => resolve(res.result),
      fail: () => resolve(null), // 用户取消
    })
  })
}

Component({
  data: {
    state: 'idle', // idle | sending | success | repeat | failed
    title: '',
    message: '',
    network: false, // 失败是否因为网络（是的话给"再试一次"）
    time: '',
  },
  methods: {
    onLoad() {
      this._key = new ActionKey()
    },
    async onScan() {
      if (this.data.state === 'sending') return
      const token = await scan()
      if (!token) return
      this._token = token
      await this.send()
    },
    // 网络失败后点"再试一次"：同一个码、同一个幂等键
    async onRetry() {
      if (this._token) await this.send()
    },
    async send() {
      this.setData({ state: 'sending', message: '' })
      // 定位只用于现场核验；拿不到也照样签到，由服务端决定
      const loc = await getLocation()
      const location = loc.error ? undefined : { lat: loc.lat, lng: loc.lng }
      try {
        const record = await checkIn(this._token, location, this._key.for(this._token))
        this.setData({
          state: record.repeat ? 'repeat' : 'success',
          title: record.activity ? record.activity.title : '',
          time: formatTime(record.checked_in_at),
        })
        this._key.done()
      } catch (err) {
        this.setData({ state: 'failed', message: err.message || '签到失败', network: !!err.isNetwork })
      }
    },
  },
})

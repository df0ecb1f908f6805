// 处理时间线：谁在什么时候做了什么，附说明和照片。
const { TIMELINE_ACTIONS } = require('../../constants/report')
const { formatTime } = require('../../utils/format')

Component({
  properties: {
    items: { type: Array, value: [] },
  },
  data: { rows: [] },
  observers: {
    items(items) {
      const rows = (items || []).map((item, index) => ({
        key: `${index}-${item.at}`,
        action: TIMELINE_ACTIONS[item.action] || item.action,
        actor: item.actor_name || '',
        note: item.note || '',
        photos: item.photos || [],
        time: formatTime(item.at),
      }))
      this.setData({ rows })
    },
  },
  methods: {
    onPreview(e) {
      const { row, index } = e.currentTarget.dataset
      const photos = this.data.rows[row].photos
      wx.previewImage({ urls: photos.map(p => p.url), current: photos[index].url })
    },
  },
})

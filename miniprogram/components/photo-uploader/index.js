// 拍照或从相册选图，逐张上传并显示进度；每次变化触发 change {ids, uploading}。
const { uploadImage } = require('../../api/uploads')

let seq = 0

Component({
  properties: {
    max: { type: Number, value: 6 },
    title: { type: String, value: '拍照或选图' },
  },
  data: {
    photos: [], // {key, path, progress, id, url, failed, error}
  },
  methods: {
    onAdd() {
      const room = this.data.max - this.data.photos.length
      if (room <= 0) return
      wx.chooseMedia({
        count: room,
        mediaType: ['image'],
        sourceType: ['camera', 'album'],
        sizeType: ['compressed'],
        success: res => {
          const added = res.tempFiles.map(f => ({ key: `p${++seq}`, path: f.tempFilePath, progress: 0, id: null, failed: false }))
          this.setData({ photos: this.data.photos.concat(added) })
          this.uploadQueue()
        },
      })
    },

    // 逐张上传等待中的照片（弱网下一张一张传更稳）
    async uploadQueue() {
      if (this._running) return
      this._running = true
      this.emitChange()
      try {
        let next
        while ((next = this.data.photos.find(p => !p.id && !p.failed))) {
          await this.uploadOne(next.key)
        }
      } finally {
        this._running = false
        this.emitChange()
      }
    },

    async uploadOne(key) {
      const update = patch => {
        const index = this.data.photos.findIndex(p => p.key === key)
        if (index < 0) return
        const changes = {}
        Object.keys(patch).forEach(k => {
          changes[`photos[${index}].${k}`] = patch[k]
        })
        this.setData(changes)
      }
      const photo = this.data.photos.find(p => p.key === key)
      try {
        const res = await uploadImage(photo.path, progress => update({ progress }))
        update({ id: res.id, url: res.url, progress: 100 })
      } catch (err) {
        update({ failed: true, error: err.message || '上传失败' })
      }
    },

    onRetry(e) {
      const index = e.currentTarget.dataset.index
      this.setData({ [`photos[${index}].failed`]: false, [`photos[${index}].progress`]: 0 })
      this.uploadQueue()
    },

    onRemove(e) {
      const index = e.currentTarget.dataset.index
      const photos = this.data.photos.slice()
      photos.splice(index, 1)
      this.setData({ photos })
      this.emitChange()
    },

    onPreview(e) {
      const index = e.currentTarget.dataset.index
      wx.previewImage({ urls: this.data.photos.map(p => p.path), current: this.data.photos[index].path })
    },

    emitChange() {
      const photos = this.data.photos
      this.triggerEvent('change', {
        ids: photos.filter(p => p.id).map(p => p.id),
        uploading: !!this._running,
        failed: photos.some(p => p.failed),
      })
    },
  },
})

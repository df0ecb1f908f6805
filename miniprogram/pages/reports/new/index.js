// 随手拍：拍照、定位、选类型、描述，提交前提示附近已有的相同问题。
const reports = require('../../../api/reports')
const config = require('../../../config')
const { ActionKey } = require('../../../utils/id')
const { askSubscribe } = require('../../../utils/subscribe')
const { getLocation, chooseLocation } = require('../../../utils/location')
const { formatDistance } = require('../../../utils/format')
const { showError } = require('../../../utils/ui')

const MIN_DESCRIPTION = 5
const MAX_DESCRIPTION = 500

// 校验表单，返回 {字段: 中文提示}
function validate(d) {
  const errors = {}
  if (d.categoryIndex < 0) errors.category = '请选择问题类型'
  if (!d.photoIds.length) errors.photos = '请至少拍一张照片'
  const text = d.description.trim()
  if (text.length < MIN_DESCRIPTION) errors.description = `请用几句话描述问题（至少${MIN_DESCRIPTION}个字）`
  if (text.length > MAX_DESCRIPTION) errors.description = `描述最多${MAX_DESCRIPTION}个字`
  if (!d.location) errors.location = '请获取当前位置或在地图上选择'
  return errors
}

Component({
  data: {
    loading: true,
    error: '',
    categories: [],
    categoryIndex: -1,
    description: '',
    photoIds: [],
    uploading: false,
    location: null,
    locating: false,
    locationError: '',
    anonymous: false,
    nearby: [],
    errors: {},
    submitting: false,
    maxDescription: MAX_DESCRIPTION,
  },
  methods: {
    onLoad() {
      this._key = new ActionKey()
      this.loadCategories()
      this.locate()
    },
    async loadCategories() {
      this.setData({ loading: true, error: '' })
      try {
        const res = await reports.listCategories()
        this.setData({ categories: res.items })
      } catch (err) {
        this.setData({ error: err.message || '加载失败' })
      } finally {
        this.setData({ loading: false })
      }
    },
    async locate() {
      this.setData({ locating: true, locationError: '' })
      const loc = await getLocation()
      if (loc.error) {
        this.setData({ locating: false, locationError: loc.error === 'denied' ? '没有位置权限，请在地图上选择位置' : '定位失败，请在地图上选择位置' })
        return
      }
      this.setData({ locating: false, location: loc, 'errors.location': '' })
      this.checkNearby()
    },
    async onChooseLocation() {
      const loc = await chooseLocation()
      if (!loc) return
      this.setData({ location: loc, locationError: '', 'errors.location': '' })
      this.checkNearby()
    },
    onAddressInput(e) {
      this.setData({ 'location.address': e.detail.value })
    },
    onCategoryChange(e) {
      this.setData({ categoryIndex: Number(e.detail.value), 'errors.category': '' })
      this.checkNearby()
    },
    onDescriptionInput(e) {
      this.setData({ description: e.detail.value, 'errors.description': '' })
    },
    onPhotosChange(e) {
      this.setData({ photoIds: e.detail.ids, uploading: e.detail.uploading, 'errors.photos': '' })
    },
    onAnonymousChange(e) {
      this.setData({ anonymous: e.detail.value })
    },

    // 附近 250 米内是否已有同类未办结问题；失败不打扰用户
    async checkNearby() {
      const { location, categoryIndex, categories } = this.data
      if (!location || categoryIndex < 0) return
      try {
        const res = await reports.listNearby({ lat: location.lat, lng: location.lng, category: categories[categoryIndex].code })
        this.setData({
          nearby: res.items.slice(0, 3).map(r => ({ ...r, distance: formatDistance(r.distance_m), followed: false })),
        })
      } catch (err) {
        this.setData({ nearby: [] })
      }
    },
    async onFollow(e) {
      const index = e.currentTarget.dataset.index
      const item = this.data.nearby[index]
      try {
        await reports.followReport(item.id)
        this.setData({ [`nearby[${index}].followed`]: true })
        wx.showToast({ title: '已附议，处理进展会通知您', icon: 'none' })
      } catch (err) {
        showError(err)
      }
    },
    onOpenNearby(e) {
      wx.navigateTo({ url: `/pages/reports/detail/index?id=${e.currentTarget.dataset.id}` })
    },

    async onSubmit() {
      if (this.data.submitting) return
      if (this.data.uploading) {
        wx.showToast({ title: '照片还在上传，请稍等', icon: 'none' })
        return
      }
      const errors = validate(this.data)
      this.setData({ errors })
      const first = Object.keys(errors)[0]
      if (first) {
        wx.showToast({ title: errors[first], icon: 'none' })
        return
      }
      // 此刻是用户点按，正适合问一次要不要接收处理进度通知
      await askSubscribe(config.subscribeTemplates.reportProgress)

      const d = this.data
      const payload = {
        category: d.categories[d.categoryIndex].code,
        description: d.description.trim(),
        location: { lat: d.location.lat, lng: d.location.lng, address: d.location.address || '' },
        photo_ids: d.photoIds,
        anonymous: d.anonymous,
      }
      this.setData({ submitting: true })
      try {
        const report = await reports.createReport(payload, this._key.for(payload))
        this._key.done()
        wx.showToast({ title: '已提交', icon: 'success' })
        wx.redirectTo({ url: `/pages/reports/detail/index?id=${report.id}` })
      } catch (err) {
        // 网络失败时幂等键保留，再点一次提交不会重复上报
        showError(err)
      } finally {
        this.setData({ submitting: false })
      }
    },
  },
})

// 问题详情：照片、时间线；上报人在"待评价"时确认并评价；处置人员（从待办进入）受理、派单、上报、办结、驳回。
const reports = require('../../../api/reports')
const { getGrid } = require('../../../api/grids')
const { HANDLER_ACTIONS, HANDLER_ACTIONS_BY_STATUS } = require('../../../constants/report')
const { formatTime } = require('../../../utils/format')
const { showError, showSuccess, confirm } = require('../../../utils/ui')

// 各处置动作需要填写的内容，缺了就提示
function validateAction(action, form) {
  if (action === 'dispatch' && form.unitIndex < 0) return '请选择派往的成员单位'
  if (action === 'resolve' && !form.photoIds.length) return '请上传处理后的照片'
  if (action === 'resolve' && !form.note.trim()) return '请说明处理结果'
  if (action === 'reject' && !form.note.trim()) return '请填写驳回理由'
  return ''
}

const NOTE_HINTS = {
  accept: '受理说明（可不填）',
  dispatch: '交办要求（可不填）',
  escalate: '为什么需要上级处理',
  resolve: '怎么处理的',
  reject: '驳回理由（上报人会看到）',
}

Component({
  data: {
    id: null,
    handler: false,
    loading: true,
    error: '',
    report: null,
    time: '',
    actions: [],
    // 处置表单
    action: '',
    actionName: '',
    noteHint: '',
    note: '',
    units: [],
    unitIndex: -1,
    photoIds: [],
    uploading: false,
    acting: false,
    // 评价
    score: 0,
    comment: '',
    rating: false,
  },
  methods: {
    onLoad(query) {
      this.setData({ id: query.id, handler: query.mode === 'handler' })
      this._preset = query.action || ''
      this.load()
    },
    onPullDownRefresh() {
      this.load().then(() => wx.stopPullDownRefresh())
    },
    async load() {
      if (!this.data.report) this.setData({ loading: true, error: '' })
      try {
        const report = await reports.getReport(this.data.id)
        const names = report.allowed_actions || HANDLER_ACTIONS_BY_STATUS[report.status] || []
        const actions = this.data.handler ? names.filter(a => HANDLER_ACTIONS[a]).map(a => ({ code: a, name: HANDLER_ACTIONS[a] })) : []
        this.setData({ report, actions, time: formatTime(report.created_at), error: '' })
        if (this._preset && actions.some(a => a.code === this._preset)) this.openAction(this._preset)
        this._preset = ''
      } catch (err) {
        this.setData({ error: err.message || '加载失败' })
      } finally {
        this.setData({ loading: false })
      }
    },
    onPreview(e) {
      const photos = this.data.report.photos
      wx.previewImage({ urls: photos.map(p => p.url), current: photos[e.currentTarget.dataset.index].url })
    },

    // ---- 处置 ----
    onPickAction(e) {
      this.openAction(e.currentTarget.dataset.code)
    },
    async openAction(code) {
      this.setData({ action: code, actionName: HANDLER_ACTIONS[code], noteHint: NOTE_HINTS[code], note: '', unitIndex: -1, photoIds: [] })
      if (code === 'dispatch' && !this.data.units.length && this.data.report.grid) {
        try {
          const grid = await getGrid(this.data.report.grid.id)
          this.setData({ units: grid.member_units || [] })
        } catch (err) {
          showError(err)
        }
      }
    },
    onCancelAction() {
      this.setData({ action: '' })
    },
    onNoteInput(e) {
      this.setData({ note: e.detail.value })
    },
    onUnitChange(e) {
      this.setData({ unitIndex: Number(e.detail.value) })
    },
    onPhotosChange(e) {
      this.setData({ photoIds: e.detail.ids, uploading: e.detail.uploading })
    },
    async onSubmitAction() {
      const { action, note, units, unitIndex, photoIds } = this.data
      if (this.data.uploading) {
        wx.showToast({ title: '照片还在上传，请稍等', icon: 'none' })
        return
      }
      const problem = validateAction(action, this.data)
      if (problem) {
        wx.showToast({ title: problem, icon: 'none' })
        return
      }
      const body = { action, note: note.trim() }
      if (action === 'dispatch') body.member_unit_id = units[unitIndex].id
      if (action === 'resolve') body.photo_ids = photoIds
      this.setData({ acting: true })
      try {
        await reports.actOnReport(this.data.id, body)
        showSuccess(`已${HANDLER_ACTIONS[action]}`)
        this.setData({ action: '' })
        await this.load()
      } catch (err) {
        showError(err)
      } finally {
        this.setData({ acting: false })
      }
    },

    // ---- 上报人确认评价 ----
    onScore(e) {
      this.setData({ score: e.detail.value })
    },
    onCommentInput(e) {
      this.setData({ comment: e.detail.value })
    },
    async onRate() {
      if (!this.data.score) {
        wx.showToast({ title: '请先打分', icon: 'none' })
        return
      }
      this.setData({ rating: true })
      try {
        await reports.rateReport(this.data.id, this.data.score, this.data.comment.trim())
        showSuccess('感谢评价')
        await this.load()
      } catch (err) {
        showError(err)
      } finally {
        this.setData({ rating: false })
      }
    },
    async onReopen() {
      const note = await confirm({ title: '问题还没解决？', editable: true, placeholderText: '说说还有什么问题', confirmText: '重新打开' })
      if (note === null) return
      try {
        await reports.actOnReport(this.data.id, { action: 'reopen', note })
        showSuccess('已重新打开')
        await this.load()
      } catch (err) {
        showError(err)
      }
    },
  },
})

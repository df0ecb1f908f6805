// 微事项详情：认领（名额满了明确告知）、提交完成凭证、放弃；网格长在这里验收。
const tasks = require('../../../api/tasks')
const { ActionKey } = require('../../../utils/id')
const { formatTime, slotsLeft } = require('../../../utils/format')
const { showError, showSuccess, confirm } = require('../../../utils/ui')

Component({
  data: {
    id: null,
    loading: true,
    error: '',
    task: null,
    claim: null, // 我的认领
    claims: [], // 网格长看到的认领记录
    full: false,
    claiming: false,
    note: '',
    photoIds: [],
    uploading: false,
    submitting: false,
  },
  methods: {
    onLoad(query) {
      this._key = new ActionKey()
      this.setData({ id: query.id })
      this.load()
    },
    async load() {
      if (!this.data.task) this.setData({ loading: true, error: '' })
      try {
        const task = await tasks.getTask(this.data.id)
        const claim = task.my_claim && task.my_claim.status !== 'released' ? task.my_claim : null
        const claims = (task.claims || []).map(c => ({ ...c, photos: c.photos || [], photoUrls: (c.photos || []).map(p => p.url) }))
        this.setData({
          task: { ...task, deadlineText: formatTime(task.deadline), left: slotsLeft(task) },
          claim,
          claims,
          full: !claim && task.status === 'full',
          error: '',
        })
      } catch (err) {
        this.setData({ error: err.message || '加载失败' })
      } finally {
        this.setData({ loading: false })
      }
    },
    async onClaim() {
      if (this.data.claiming) return
      this.setData({ claiming: true })
      try {
        await tasks.claimTask(this.data.id, this._key.for(this.data.id))
        this._key.done()
        showSuccess('认领成功')
        await this.load()
      } catch (err) {
        if (err.code === 'task_full') {
          this._key.done()
          this.setData({ full: true })
        }
        showError(err)
      } finally {
        this.setData({ claiming: false })
      }
    },
    onNoteInput(e) {
      this.setData({ note: e.detail.value })
    },
    onPhotosChange(e) {
      this.setData({ photoIds: e.detail.ids, uploading: e.detail.uploading })
    },
    async onSubmitProof() {
      if (this.data.uploading) {
        wx.showToast({ title: '照片还在上传，请稍等', icon: 'none' })
        return
      }
      if (!this.data.photoIds.length && !this.data.note.trim()) {
        wx.showToast({ title: '请拍照或写几句完成情况', icon: 'none' })
        return
      }
      this.setData({ submitting: true })
      try {
        await tasks.submitProof(this.data.id, this.data.claim.id, this.data.note.trim(), this.data.photoIds)
        showSuccess('已提交验收')
        this.setData({ note: '', photoIds: [] })
        await this.load()
      } catch (err) {
        showError(err)
      } finally {
        this.setData({ submitting: false })
      }
    },
    async onRelease() {
      const ok = await confirm({ title: '放弃认领？', content: '名额会让给其他党员', confirmText: '放弃' })
      if (!ok) return
      try {
        await tasks.releaseClaim(this.data.id, this.data.claim.id)
        showSuccess('已放弃')
        await this.load()
      } catch (err) {
        showError(err)
      }
    },
    // 网格长验收
    async onVerify(e) {
      const { id, approved } = e.currentTarget.dataset
      let reason
      if (!approved) {
        reason = await confirm({ title: '退回完成凭证', editable: true, placeholderText: '请说明原因', confirmText: '退回' })
        if (reason === null) return
        if (!reason.trim()) {
          wx.showToast({ title: '请说明退回原因', icon: 'none' })
          return
        }
      }
      try {
        await tasks.verifyClaim(this.data.id, id, !!approved, reason)
        showSuccess(approved ? '已通过' : '已退回')
        await this.load()
      } catch (err) {
        showError(err)
      }
    },
    onPreview(e) {
      const { urls, current } = e.currentTarget.dataset
      wx.previewImage({ urls, current })
    },
  },
})

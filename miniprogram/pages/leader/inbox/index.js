// 待办：问题处置、双报到审核、微事项验收，最早到期的在前；超期的标红；触底加载下一页。
const pagedList = require('../../../behaviors/paged-list')
const { listInbox } = require('../../../api/inbox')
const reports = require('../../../api/reports')
const party = require('../../../api/party')
const { INBOX_KINDS } = require('../../../constants/party')
const { formatTime } = require('../../../utils/format')
const { showError, showSuccess, confirm, actionSheet } = require('../../../utils/ui')

// 问题的快捷操作：受理、上报可以在这里直接做；派单、办结、驳回需要选单位或填写，去详情页
const REPORT_MENU = [
  { text: '查看详情', open: '' },
  { text: '受理', inline: 'accept' },
  { text: '派单', open: 'dispatch' },
  { text: '上报上级', inline: 'escalate' },
  { text: '办结', open: 'resolve' },
  { text: '驳回', open: 'reject' },
]

Component({
  behaviors: [pagedList],
  methods: {
    onLoad() {
      this.reload()
    },
    onShow() {
      if (this.data.page) this.reload()
    },
    fetchPage(page) {
      return listInbox(page)
    },
    mapItems(item) {
      return { ...item, key: `${item.kind}-${item.id}`, kindName: INBOX_KINDS[item.kind] || item.kind, deadlineText: formatTime(item.deadline) }
    },
    onTapItem(e) {
      const item = this.data.items[e.currentTarget.dataset.index]
      if (item.kind === 'report') return this.reportMenu(item)
      if (item.kind === 'registration') return this.registrationMenu(item)
      if (item.kind === 'task_proof') {
        // 服务端在 path 里给出 /tasks/{id}/claims/{claim_id}
        const match = /\/tasks\/(\d+)/.exec(item.path || '')
        const taskId = item.task_id || (match && match[1])
        if (taskId) return wx.navigateTo({ url: `/pages/tasks/detail/index?id=${taskId}` })
      }
      return undefined
    },
    async reportMenu(item) {
      const index = await actionSheet(REPORT_MENU.map(m => m.text))
      if (index < 0) return
      const choice = REPORT_MENU[index]
      if (!choice.inline) {
        const action = choice.open ? `&action=${choice.open}` : ''
        wx.navigateTo({ url: `/pages/reports/detail/index?id=${item.id}&mode=handler${action}` })
        return
      }
      const note =
        choice.inline === 'escalate'
          ? await confirm({ title: '上报上级网格', editable: true, placeholderText: '为什么需要上级处理', confirmText: '上报' })
          : await confirm({ title: '受理这个问题？', content: item.title, confirmText: '受理' })
      if (note === null) return
      await this.run(() => reports.actOnReport(item.id, { action: choice.inline, note: note === true ? '' : note }), `已${choice.text}`)
    },
    async registrationMenu(item) {
      const index = await actionSheet(['通过', '驳回'])
      if (index === 0) {
        await this.run(() => party.approveRegistration(item.id), '已通过')
      } else if (index === 1) {
        const reason = await confirm({ title: '驳回报到', editable: true, placeholderText: '请说明原因', confirmText: '驳回' })
        if (reason === null) return
        if (!reason.trim()) {
          wx.showToast({ title: '请说明驳回原因', icon: 'none' })
          return
        }
        await this.run(() => party.rejectRegistration(item.id, reason.trim()), '已驳回')
      }
    },
    // 做完一件事就刷新列表，处理过的会从待办里消失
    async run(action, done) {
      try {
        await action()
        showSuccess(done)
        await this.reload()
      } catch (err) {
        showError(err)
      }
    },
  },
})

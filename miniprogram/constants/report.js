// 随手拍的状态、处置动作与时间线动作的中文名。

// 状态 → 名称与标签颜色
const REPORT_STATUS = {
  submitted: { name: '待受理', tone: 'warn' },
  accepted: { name: '处理中', tone: 'info' },
  dispatched: { name: '已派单', tone: 'info' },
  escalated: { name: '已上报', tone: 'info' },
  resolved: { name: '待评价', tone: 'success' },
  closed: { name: '已办结', tone: 'muted' },
  rejected: { name: '已驳回', tone: 'danger' },
  held: { name: '审核中', tone: 'muted' },
}

// 处置人员可做的动作（按钮文字）
const HANDLER_ACTIONS = {
  accept: '受理',
  dispatch: '派单',
  escalate: '上报上级',
  resolve: '办结',
  reject: '驳回',
}

// 各状态下默认显示的处置按钮；服务端在详情里给出 allowed_actions 时以服务端为准
const HANDLER_ACTIONS_BY_STATUS = {
  submitted: ['accept', 'dispatch', 'escalate', 'reject'],
  accepted: ['dispatch', 'escalate', 'resolve', 'reject'],
  dispatched: ['resolve', 'escalate'],
  escalated: ['accept', 'dispatch', 'reject'],
}

// 时间线里的动作名
const TIMELINE_ACTIONS = {
  submit: '提交上报',
  create: '提交上报',
  accept: '已受理',
  dispatch: '已派单',
  escalate: '上报上级网格',
  resolve: '已办结',
  reject: '已驳回',
  reopen: '重新打开',
  rate: '已评价',
  close: '已办结',
  follow: '有人附议',
  hold: '内容审核中',
  release: '审核通过',
}

function statusName(status) {
  return (REPORT_STATUS[status] && REPORT_STATUS[status].name) || status || ''
}

module.exports = {
  REPORT_STATUS,
  HANDLER_ACTIONS,
  HANDLER_ACTIONS_BY_STATUS,
  TIMELINE_ACTIONS,
  statusName,
}

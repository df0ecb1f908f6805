// 角色、网格层级、双报到、微事项、活动、待办的中文名（积分来源的名称由服务端给出：source_name）。

const ROLE_NAMES = {
  resident: '居民',
  party_member: '党员',
  grid_leader: '网格长',
  handler: '处置人员',
  street_admin: '街道管理员',
}

const PARTY_KINDS = {
  registered: '在册党员',
  in_service: '在职党员',
}

const GRID_LEVELS = {
  1: '街道总网格',
  2: '片区网格',
  3: '居民区网格',
  4: '微网格',
  5: '楼组',
}

const REGISTRATION_STATUS = {
  pending: { name: '待审核', tone: 'warn' },
  approved: { name: '已通过', tone: 'success' },
  rejected: { name: '已驳回', tone: 'danger' },
}

const TASK_STATUS = {
  open: { name: '招募中', tone: 'success' },
  full: { name: '名额已满', tone: 'muted' },
  closed: { name: '已结束', tone: 'muted' },
}

const CLAIM_STATUS = {
  claimed: { name: '已认领，待完成', tone: 'info' },
  submitted: { name: '已提交，待验收', tone: 'warn' },
  verified: { name: '已验收', tone: 'success' },
  released: { name: '已放弃', tone: 'muted' },
  expired: { name: '已过期', tone: 'muted' },
}

const INBOX_KINDS = {
  report: '问题处置',
  registration: '双报到审核',
  task_proof: '微事项验收',
}

module.exports = {
  ROLE_NAMES,
  PARTY_KINDS,
  GRID_LEVELS,
  REGISTRATION_STATUS,
  TASK_STATUS,
  CLAIM_STATUS,
  INBOX_KINDS,
}

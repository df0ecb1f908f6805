// 状态标签：把状态码显示成带颜色的中文。
const { REPORT_STATUS } = require('../../constants/report')
const { REGISTRATION_STATUS, TASK_STATUS, CLAIM_STATUS } = require('../../constants/party')

const TABLES = {
  report: REPORT_STATUS,
  registration: REGISTRATION_STATUS,
  task: TASK_STATUS,
  claim: CLAIM_STATUS,
}

Component({
  properties: {
    status: { type: String, value: '' },
    kind: { type: String, value: 'report' },
  },
  data: { name: '', tone: 'muted' },
  observers: {
    'status, kind'(status, kind) {
      const entry = (TABLES[kind] || {})[status]
      this.setData({ name: entry ? entry.name : status, tone: entry ? entry.tone : 'muted' })
    },
  },
})

// 在职党员双报到。
const { endpoint } = require('./request')

const create = endpoint('POST', '/party/registrations', { idempotent: true })
const list = endpoint('GET', '/party/registrations')
const approve = endpoint('POST', '/party/registrations/{id}/approve')
const reject = endpoint('POST', '/party/registrations/{id}/reject')

/** 提交双报到登记 */
exports.createRegistration = (data, idempotencyKey) => create({ data, idempotencyKey })
/** 我的双报到登记 */
exports.listMyRegistrations = () => list({ query: { mine: 1 } })
/** 网格长通过一条登记 */
exports.approveRegistration = id => approve({ path: { id }, data: {} })
/** 网格长驳回一条登记并说明原因 */
exports.rejectRegistration = (id, reason) => reject({ path: { id }, data: { reason } })

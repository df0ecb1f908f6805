// 志愿活动、主题党日与扫码签到。
const { endpoint } = require('./request')

const list = endpoint('GET', '/activities')
const one = endpoint('GET', '/activities/{id}')
const code = endpoint('GET', '/activities/{id}/checkin-code')
const checkin = endpoint('POST', '/checkins', { idempotent: true })
const create = endpoint('POST', '/activities', { idempotent: true })

/** 活动列表（分页） */
exports.listActivities = (page = 1) => list({ query: { page } })
/** 活动详情 */
exports.getActivity = id => one({ path: { id } })
/** 活动当前的签到码 {token, expires_in}，供网格长亮码 */
exports.getCheckinCode = id => code({ path: { id } })
/** 用扫到的签到码签到；重复签到返回同一条记录（repeat 为真） */
exports.checkIn = (token, location, idempotencyKey) => checkin({ data: { token, location }, idempotencyKey })
/** Publish an activity (leaders); a retry with the same key returns the first result */
exports.createActivity = (data, idempotencyKey) => create({ data, idempotencyKey })

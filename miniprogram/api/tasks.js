// 网格微事项：认领、提交完成凭证、验收。
const { endpoint } = require('./request')

const list = endpoint('GET', '/tasks')
const one = endpoint('GET', '/tasks/{id}')
const claim = endpoint('POST', '/tasks/{id}/claims', { idempotent: true })
const submit = endpoint('POST', '/tasks/{id}/claims/{claim_id}/submit')
const verify = endpoint('POST', '/tasks/{id}/claims/{claim_id}/verify')
const release = endpoint('POST', '/tasks/{id}/claims/{claim_id}/release')
const create = endpoint('POST', '/tasks', { idempotent: true })
const catalogue = endpoint('GET', '/tasks/catalogue')

/** 微事项列表：query 可含 grid_id、status、mine、page */
exports.listTasks = query => list({ query })
/** 微事项详情（含我的认领、网格长可见的认领记录） */
exports.getTask = id => one({ path: { id } })
/** 认领一个名额；名额已满时抛出 code 为 task_full 的 ApiError */
exports.claimTask = (id, idempotencyKey) => claim({ path: { id }, data: {}, idempotencyKey })
/** 提交完成凭证（说明与照片） */
exports.submitProof = (id, claimId, note, photoIds) =>
  submit({ path: { id, claim_id: claimId }, data: { note, photo_ids: photoIds } })
/** 网格长验收：通过或退回并说明原因 */
exports.verifyClaim = (id, claimId, approved, reason) =>
  verify({ path: { id, claim_id: claimId }, data: approved ? { approved } : { approved, reason } })
/** 放弃认领，把名额让出来 */
exports.releaseClaim = (id, claimId) => release({ path: { id, claim_id: claimId }, data: {} })
/** Publish a micro-task (leaders); a retry with the same key returns the first result */
exports.createTask = (data, idempotencyKey) => create({ data, idempotencyKey })
/** The street's catalogue of work items; query may hold group, q, page, page_size */
exports.listCatalogue = query => catalogue({ query })

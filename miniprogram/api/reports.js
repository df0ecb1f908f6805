// 随手拍：上报、查看、处置、评价。
const { endpoint } = require('./request')

const categories = endpoint('GET', '/reports/categories')
const create = endpoint('POST', '/reports', { idempotent: true })
const list = endpoint('GET', '/reports')
const nearby = endpoint('GET', '/reports/nearby')
const one = endpoint('GET', '/reports/{id}')
const follow = endpoint('POST', '/reports/{id}/follow')
const act = endpoint('POST', '/reports/{id}/actions')
const rate = endpoint('POST', '/reports/{id}/rating')

/** 问题分类列表 */
exports.listCategories = () => categories()
/** 提交一条随手拍；idempotencyKey 在同一次提交的重试间保持不变 */
exports.createReport = (data, idempotencyKey) => create({ data, idempotencyKey })
/** 我上报的问题（分页） */
exports.listMyReports = (page = 1) => list({ query: { mine: 1, page } })
/** 附近未办结的同类问题，用于提示重复 */
exports.listNearby = ({ lat, lng, category }) => nearby({ query: { lat, lng, category } })
/** 一条问题的详情与处理时间线 */
exports.getReport = id => one({ path: { id } })
/** 附议已有的问题（"我也遇到了"） */
exports.followReport = id => follow({ path: { id } })
/** 处置：accept / dispatch / escalate / resolve / reject / reopen */
exports.actOnReport = (id, data) => act({ path: { id }, data })
/** 对已办结的问题确认并评价 */
exports.rateReport = (id, score, comment) => rate({ path: { id }, data: { score, comment } })

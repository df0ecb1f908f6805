// 党员积分。
const { endpoint } = require('./request')

const mine = endpoint('GET', '/points/me')
const ranking = endpoint('GET', '/points/ranking')

/** 我的积分余额与明细 */
exports.getMyPoints = () => mine()
/** 网格内积分排行；period 为 month 或 year */
exports.getRanking = (gridId, period) => ranking({ query: { grid_id: gridId, period } })

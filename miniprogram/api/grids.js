// 网格树与网格数据。
const { endpoint } = require('./request')

const list = endpoint('GET', '/grids')
const one = endpoint('GET', '/grids/{id}')
const stats = endpoint('GET', '/grids/{id}/stats')

/** 列出某网格的下级网格（不传 parentId 为最上级） */
exports.listGrids = parentId => list({ query: { parent_id: parentId } })
/** 网格详情（含网格长、成员单位） */
exports.getGrid = id => one({ path: { id } })
/** 网格（含下级）的统计数字 */
exports.getGridStats = id => stats({ path: { id } })

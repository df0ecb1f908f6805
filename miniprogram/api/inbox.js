// 网格长、处置人员的待办。
const { endpoint } = require('./request')

const inbox = endpoint('GET', '/inbox')

/** 待我处理的事项，最早到期的在前；分页，每页 20 条 */
exports.listInbox = (page = 1) => inbox({ query: { page } })

// 网格长、处置人员的待办。
const { endpoint } = require('./request')

const inbox = endpoint('GET', '/inbox')

/** 待我处理的事项，最早到期的在前（一次返回全部） */
exports.listInbox = () => inbox()

// 我的账号：资料、手机号、所属网格。登录本身在 request.js 里。
const { endpoint } = require('./request')

const me = endpoint('GET', '/me')
const phone = endpoint('POST', '/me/phone')
const grid = endpoint('PUT', '/me/grid')

/** 获取我的资料、角色和所属网格 */
exports.getMe = () => me()
/** 用 getPhoneNumber 按钮给的 code 绑定手机号 */
exports.bindPhone = code => phone({ data: { code } })
/** 把自己绑定到居住的微网格 */
exports.setMyGrid = gridId => grid({ data: { grid_id: gridId } })

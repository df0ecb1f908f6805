// 当前用户：缓存 GET /me 的结果，并回答"我有哪些角色、管哪些网格"。
const auth = require('../api/auth')

let me = null
let pending = null

/** 读取我的资料；force 为真时重新拉取 */
function loadMe(force = false) {
  if (me && !force) return Promise.resolve(me)
  if (!pending) {
    pending = auth
      .getMe()
      .then(res => {
        me = res
        return res
      })
      .finally(() => {
        pending = null
      })
  }
  return pending
}

function currentMe() {
  return me
}

function forgetMe() {
  me = null
  pending = null
}

function hasRole(user, ...roles) {
  return !!(user && (user.roles || []).some(r => roles.includes(r.role)))
}

// 我以某些角色管理的网格（去重）
function gridsAs(user, ...roles) {
  const seen = {}
  return ((user && user.roles) || [])
    .filter(r => roles.includes(r.role) && r.grid && !seen[r.grid.id] && (seen[r.grid.id] = true))
    .map(r => r.grid)
}

module.exports = { loadMe, currentMe, forgetMe, hasRole, gridsAs }

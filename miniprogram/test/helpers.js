// 测试用的小工具：加载页面/组件、在 wx.request 边界上模拟后端、等待异步完成。
const path = require('path')
const simulate = require('miniprogram-simulate')
const config = require('../config')
const { clearSession } = require('../api/request')
const { forgetMe } = require('../utils/user')

const ROOT = path.resolve(__dirname, '..')

/** 渲染一个页面或组件（路径相对小程序根目录，不带扩展名），返回挂载好的实例 */
// 同一个路径只编译一次，之后复用
const loaded = {}
function load(relPath) {
  if (!loaded[relPath]) loaded[relPath] = simulate.load(path.join(ROOT, relPath), { rootPath: ROOT })
  return loaded[relPath]
}

function render(relPath, props) {
  const id = load(relPath)
  const comp = simulate.render(id, props)
  comp.attach(document.createElement('parent-wrapper'))
  return comp
}

/** 等待所有已排队的 Promise 和一次真实的事件循环 */
function flush() {
  return new Promise(resolve => jest.requireActual('timers').setImmediate(resolve))
}

async function settle(times = 20) {
  for (let i = 0; i < times; i++) await flush()
}

/**
 * 用路由表模拟后端：routes 形如 { 'GET /me': {...} 或 (req) => ({status, data}) }。
 * 没配置的路由返回 404。返回记录下来的请求列表。
 */
function mockBackend(routes) {
  const calls = []
  const handle = (method, url, data, header) => {
    const u = new URL(url)
    const pathName = u.pathname.replace(/^\/api\/v1/, '')
    const req = { method, path: pathName, query: Object.fromEntries(u.searchParams), data, header }
    calls.push(req)
    let route = routes[`${method} ${pathName}`]
    if (route === undefined && method === 'POST' && pathName === '/auth/wechat-login') {
      route = { access_token: 'tok-1', expires_in: 7200, user: { id: 1 } }
    }
    if (route === undefined) return { status: 404, data: { code: 'not_found', message: '内容不存在', details: {} } }
    const out = typeof route === 'function' ? route(req) : route
    if (out && out.networkError) return out
    // {status: 数字, data} 是完整响应；其他对象当作 200 的响应体
    return out && typeof out.status === 'number' && 'data' in out ? out : { status: 200, data: out }
  }
  jest.spyOn(wx, 'login').mockImplementation(opts => Promise.resolve().then(() => opts.success({ code: 'wx-code' })))
  jest.spyOn(wx, 'request').mockImplementation(opts => {
    Promise.resolve().then(() => {
      const out = handle(opts.method || 'GET', opts.url, opts.data, opts.header)
      if (out.networkError) opts.fail({ errMsg: 'request:fail timeout' })
      else opts.success({ statusCode: out.status, data: out.data, header: {} })
    })
    return { abort() {} }
  })
  jest.spyOn(wx, 'uploadFile').mockImplementation(opts => {
    const listeners = []
    Promise.resolve().then(() => {
      listeners.forEach(fn => fn({ progress: 50 }))
      const out = handle('POST', opts.url, { filePath: opts.filePath, name: opts.name }, opts.header)
      if (out.networkError) opts.fail({ errMsg: 'uploadFile:fail timeout' })
      else opts.success({ statusCode: out.status, data: JSON.stringify(out.data) })
    })
    return { onProgressUpdate: fn => listeners.push(fn), abort() {} }
  })
  return calls
}

/** 只看业务请求（去掉登录） */
function apiCalls(calls) {
  return calls.filter(c => c.path !== '/auth/wechat-login')
}

/** 每个测试前：清空登录状态、用户缓存，重试不等待 */
function resetClient() {
  clearSession()
  forgetMe()
  config.retryDelaysMs = [0, 0]
}

/** 点一下节点（selector 或节点），等事件和随后的请求都处理完 */
async function tap(comp, target) {
  const node = typeof target === 'string' ? comp.querySelector(target) : target
  if (!node) throw new Error(`找不到要点的节点 ${target}`)
  node.dispatchEvent('tap')
  await settle()
}

/** 找到包含文字的节点（在整个渲染树里） */
function textOf(comp) {
  return comp.dom.textContent.replace(/\s+/g, ' ')
}

const ME = {
  resident: { id: 1, nickname: '王阿姨', phone_masked: null, grid: { id: 40, name: '田林十二村1号微网格' }, roles: [{ role: 'resident', grid: { id: 40, name: '田林十二村1号微网格', level: 4 } }] },
  member: { id: 2, nickname: '李党员', phone_masked: '138****1234', grid: { id: 40, name: '田林十二村1号微网格' }, roles: [{ role: 'resident', grid: { id: 40, name: '田林十二村1号微网格', level: 4 } }, { role: 'party_member', grid: { id: 40, name: '田林十二村1号微网格', level: 4 }, party_kind: 'in_service' }] },
  leader: { id: 3, nickname: '张网格长', phone_masked: '139****8888', grid: { id: 40, name: '田林十二村1号微网格' }, roles: [{ role: 'grid_leader', grid: { id: 30, name: '田林十二村居民区', level: 3 } }] },
}

module.exports = { ROOT, load, render, flush, settle, mockBackend, apiCalls, resetClient, textOf, tap, ME }

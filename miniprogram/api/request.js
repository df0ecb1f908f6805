// 与后端通信的唯一入口：拼接地址、加令牌、遇 401 重新登录一次再试、
// 网络失败时带着同一个 Idempotency-Key 重试，把错误信封变成 ApiError。
const config = require('../config')
const { newIdempotencyKey } = require('../utils/id')

class ApiError extends Error {
  constructor(code, message, status, details) {
    super(message)
    this.name = 'ApiError'
    this.code = code
    this.status = status // 0 表示没有拿到服务端响应（断网、超时）
    this.details = details || {}
  }

  get isNetwork() {
    return this.status === 0 && this.code === 'network_error'
  }
}

const STATUS_MESSAGES = {
  400: '请求有误',
  401: '登录已失效，请重新进入',
  403: '没有权限进行此操作',
  404: '内容不存在或无权查看',
  409: '操作冲突，请刷新后再试',
  413: '文件太大了',
  415: '不支持的文件格式',
  422: '填写的内容有误',
  429: '操作太频繁，请稍后再试',
  503: '服务暂时不可用，请稍后再试',
}

// ---- 接口登记：每个 api/*.js 函数都由 endpoint() 生成，契约测试读取这份清单 ----

const endpoints = []

function fillPath(template, params) {
  return template.replace(/\{(\w+)\}/g, (_, name) => {
    const value = params && params[name]
    if (value === undefined || value === null || value === '') {
      throw new Error(`接口路径 ${template} 缺少参数 ${name}`)
    }
    return encodeURIComponent(value)
  })
}

/**
 * 声明一个接口并返回调用它的函数：
 *   const claim = endpoint('POST', '/tasks/{id}/claims', { idempotent: true })
 *   claim({ path: { id: 7 }, data, query, idempotencyKey })
 * 选项：idempotent 为创建类接口自动带幂等键；upload 用 wx.uploadFile 上传 filePath；auth: false 不带令牌。
 */
function endpoint(method, path, options = {}) {
  endpoints.push({ method, path })
  const call = (args = {}) => {
    const url = fillPath(path, args.path)
    if (options.upload) {
      return uploadFile({ path: url, filePath: args.filePath, name: 'file', onProgress: args.onProgress })
    }
    return request({
      method,
      path: url,
      query: args.query,
      data: args.data,
      auth: options.auth !== false,
      idempotencyKey: options.idempotent ? args.idempotencyKey || newIdempotencyKey() : undefined,
    })
  }
  call.method = method
  call.path = path
  return call
}

// ---- 令牌 ----

const TOKEN_KEY = 'wgt_token'
let token = null // { value, expiresAt }
let loginPromise = null

function readToken() {
  if (!token) {
    try {
      token = wx.getStorageSync(TOKEN_KEY) || null
    } catch (e) {
      token = null
    }
  }
  return token
}

function saveToken(value, expiresIn) {
  token = { value, expiresAt: Date.now() + expiresIn * 1000 }
  try {
    wx.setStorageSync(TOKEN_KEY, token)
  } catch (e) {
    // 存不进本地也不影响本次使用
  }
}

// 退出登录，或测试之间清理
function clearSession() {
  token = null
  loginPromise = null
  try {
    wx.removeStorageSync(TOKEN_KEY)
  } catch (e) {
    // ignore
  }
}

function tokenIsFresh(t) {
  return !!(t && t.value && Date.now() < t.expiresAt - config.tokenRefreshMarginMs)
}

function wxLoginCode() {
  return new Promise((resolve, reject) => {
    wx.login({
      success: res => (res.code ? resolve(res.code) : reject(new ApiError('wx_login_failed', '微信登录失败，请重试', 0))),
      fail: () => reject(new ApiError('wx_login_failed', '微信登录失败，请重试', 0)),
    })
  })
}

const wechatLogin = endpoint('POST', '/auth/wechat-login', { auth: false })

// wx.login 换取我们的令牌；同时发起的多个请求共用一次登录
function login() {
  if (!loginPromise) {
    loginPromise = wxLoginCode()
      .then(code => wechatLogin({ data: { code } }))
      .then(res => {
        saveToken(res.access_token, res.expires_in)
        return res
      })
      .finally(() => {
        loginPromise = null
      })
  }
  return loginPromise
}

async function ensureToken() {
  if (!tokenIsFresh(readToken())) await login()
  return token.value
}

// ---- 发送 ----

function sleep(ms) {
  return ms > 0 ? new Promise(resolve => setTimeout(resolve, ms)) : Promise.resolve()
}

function buildUrl(path, query) {
  let url = config.apiBase + path
  if (query) {
    const qs = Object.keys(query)
      .filter(k => query[k] !== undefined && query[k] !== null && query[k] !== '')
      .map(k => `${encodeURIComponent(k)}=${encodeURIComponent(query[k])}`)
      .join('&')
    if (qs) url += `?${qs}`
  }
  return url
}

function networkError(err) {
  const timeout = err && /timeout/i.test(err.errMsg || '')
  return new ApiError('network_error', timeout ? '网络超时，请稍后重试' : '网络不给力，请检查网络后重试', 0, {
    errMsg: err && err.errMsg,
  })
}

function toApiError(statusCode, body) {
  const envelope = body && typeof body === 'object' ? body : {}
  return new ApiError(
    envelope.code || `http_${statusCode}`,
    envelope.message || STATUS_MESSAGES[statusCode] || '服务出错了，请稍后重试',
    statusCode,
    envelope.details,
  )
}

// 断网或超时时按 config.retryDelaysMs 重试；只重试安全的请求和带幂等键的创建请求
async function withRetry(send, retryable) {
  for (let attempt = 0; ; attempt++) {
    try {
      return await send()
    } catch (err) {
      const delay = config.retryDelaysMs[attempt]
      if (!retryable || !(err instanceof ApiError) || !err.isNetwork || delay === undefined) throw err
      await sleep(delay)
    }
  }
}

function wxRequest({ url, method, data, header }) {
  return new Promise((resolve, reject) => {
    wx.request({
      url,
      method,
      data,
      header,
      timeout: config.timeoutMs,
      success: res => resolve({ statusCode: res.statusCode, data: res.data }),
      fail: err => reject(networkError(err)),
    })
  })
}

function wxUpload({ url, filePath, name, header, onProgress }) {
  return new Promise((resolve, reject) => {
    const task = wx.uploadFile({
      url,
      filePath,
      name,
      header,
      timeout: config.timeoutMs * 4,
      success: res => {
        let data = res.data
        try {
          data = typeof data === 'string' ? JSON.parse(data) : data
        } catch (e) {
          // 非 JSON 响应按原样交给错误处理
        }
        resolve({ statusCode: res.statusCode, data })
      },
      fail: err => reject(networkError(err)),
    })
    if (onProgress && task && task.onProgressUpdate) {
      task.onProgressUpdate(res => onProgress(res.progress))
    }
  })
}

// 发送一次（含网络重试）；401 时清掉令牌、重新登录并再发一次
async function authorized(auth, send) {
  for (let relogged = false; ; relogged = true) {
    const header = {}
    if (auth) header.Authorization = `Bearer ${await ensureToken()}`
    const res = await send(header)
    if (res.statusCode === 401 && auth && !relogged) {
      token = null
      await login()
      continue
    }
    if (res.statusCode >= 200 && res.statusCode < 300) return res.data
    throw toApiError(res.statusCode, res.data)
  }
}

/** 发 JSON 请求，成功时返回响应体，失败时抛出 ApiError */
function request({ method = 'GET', path, query, data, auth = true, idempotencyKey }) {
  const url = buildUrl(path, query)
  const retryable = method === 'GET' || method === 'PUT' || method === 'DELETE' || !!idempotencyKey
  return authorized(auth, header => {
    header['Content-Type'] = 'application/json'
    if (idempotencyKey) header['Idempotency-Key'] = idempotencyKey
    return withRetry(() => wxRequest({ url, method, data, header }), retryable)
  })
}

/** 上传一个文件（multipart），onProgress(0..100) 报告进度 */
function uploadFile({ path, filePath, name = 'file', onProgress }) {
  const url = buildUrl(path)
  return authorized(true, header => withRetry(() => wxUpload({ url, filePath, name, header, onProgress }), true))
}

module.exports = {
  ApiError,
  endpoint,
  endpoints,
  request,
  uploadFile,
  login,
  ensureToken,
  clearSession,
}

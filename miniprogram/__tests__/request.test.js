const { mockBackend, resetClient, apiCalls, settle } = require('../test/helpers')
const { request, ApiError, endpoint, ensureToken } = require('../api/request')
const config = require('../config')

beforeEach(resetClient)

describe('api/request', () => {
  test('先用 wx.login 的 code 换令牌，再带 Bearer 令牌请求', async () => {
    const calls = mockBackend({ 'GET /me': { id: 1 } })
    const me = await request({ path: '/me' })
    expect(me).toEqual({ id: 1 })
    expect(calls[0]).toMatchObject({ method: 'POST', path: '/auth/wechat-login', data: { code: 'wx-code' } })
    expect(calls[0].header.Authorization).toBeUndefined()
    expect(calls[1].header.Authorization).toBe('Bearer tok-1')
  })

  test('同时发出的请求只登录一次，之后复用令牌', async () => {
    const calls = mockBackend({ 'GET /me': {}, 'GET /inbox': { items: [], total: 0 } })
    await Promise.all([request({ path: '/me' }), request({ path: '/inbox' })])
    await request({ path: '/me' })
    expect(calls.filter(c => c.path === '/auth/wechat-login')).toHaveLength(1)
    expect(wx.login).toHaveBeenCalledTimes(1)
  })

  test('令牌快到期时先重新登录', async () => {
    let n = 0
    const calls = mockBackend({
      'POST /auth/wechat-login': () => ({ access_token: `tok-${++n}`, expires_in: 30, user: {} }),
      'GET /me': {},
    })
    await request({ path: '/me' }) // 30 秒有效期短于提前量，下一次请求前就要换新令牌
    await request({ path: '/me' })
    expect(calls.filter(c => c.path === '/auth/wechat-login')).toHaveLength(2)
    expect(calls[3].header.Authorization).toBe('Bearer tok-2')
  })

  test('401 时重新登录一次并重试，成功就返回结果', async () => {
    let n = 0
    let first = true
    const calls = mockBackend({
      'POST /auth/wechat-login': () => ({ access_token: `tok-${++n}`, expires_in: 7200, user: {} }),
      'GET /me': req => {
        if (first) {
          first = false
          return { status: 401, data: { code: 'token_expired', message: '登录已过期', details: {} } }
        }
        return { id: 7, auth: req.header.Authorization }
      },
    })
    const me = await request({ path: '/me' })
    expect(me).toEqual({ id: 7, auth: 'Bearer tok-2' })
    expect(calls.map(c => c.path)).toEqual(['/auth/wechat-login', '/me', '/auth/wechat-login', '/me'])
  })

  test('重新登录后仍然 401 就不再重试，抛出 ApiError', async () => {
    const calls = mockBackend({
      'GET /me': { status: 401, data: { code: 'unauthorized', message: '请先登录', details: {} } },
    })
    const err = await request({ path: '/me' }).catch(e => e)
    expect(err).toBeInstanceOf(ApiError)
    expect(err).toMatchObject({ code: 'unauthorized', message: '请先登录', status: 401 })
    expect(calls.filter(c => c.path === '/auth/wechat-login')).toHaveLength(2)
    expect(apiCalls(calls)).toHaveLength(2)
  })

  test('错误信封变成 ApiError(code, message, status, details)', async () => {
    mockBackend({
      'POST /tasks/5/claims': { status: 409, data: { code: 'task_full', message: '名额已满', details: { slots: 3 } } },
    })
    const err = await request({ method: 'POST', path: '/tasks/5/claims', data: {} }).catch(e => e)
    expect(err).toBeInstanceOf(ApiError)
    expect(err.code).toBe('task_full')
    expect(err.message).toBe('名额已满')
    expect(err.status).toBe(409)
    expect(err.details).toEqual({ slots: 3 })
  })

  test('没有信封的错误（如网关返回的 503 页面）给出通用中文信息', async () => {
    mockBackend({ 'GET /me': { status: 503, data: '<html>' } })
    const err = await request({ path: '/me' }).catch(e => e)
    expect(err).toMatchObject({ code: 'http_503', status: 503, message: '服务暂时不可用，请稍后再试' })
  })

  test('创建请求在断网后用同一个 Idempotency-Key 重试', async () => {
    let attempts = 0
    const calls = mockBackend({
      'POST /reports': () => (++attempts < 3 ? { networkError: true } : { status: 201, data: { id: 9 } }),
    })
    const create = endpoint('POST', '/reports', { idempotent: true })
    const res = await create({ data: { category: 'litter' } })
    expect(res).toEqual({ id: 9 })
    const sent = calls.filter(c => c.path === '/reports')
    expect(sent).toHaveLength(3)
    const key = sent[0].header['Idempotency-Key']
    expect(key).toMatch(/^[0-9a-f-]{36}$/)
    expect(sent.every(c => c.header['Idempotency-Key'] === key)).toBe(true)
  })

  test('调用方给的幂等键原样带上，每次新操作换新键', async () => {
    const calls = mockBackend({ 'POST /checkins': { status: 201, data: {} } })
    const checkin = endpoint('POST', '/checkins', { idempotent: true })
    await checkin({ data: {}, idempotencyKey: 'k-1' })
    await checkin({ data: {} })
    await checkin({ data: {} })
    const keys = calls.filter(c => c.path === '/checkins').map(c => c.header['Idempotency-Key'])
    expect(keys[0]).toBe('k-1')
    expect(keys[1]).not.toBe(keys[2])
  })

  test('重试次数用完后抛出网络错误', async () => {
    const calls = mockBackend({ 'GET /me': { networkError: true } })
    const err = await request({ path: '/me' }).catch(e => e)
    expect(err).toBeInstanceOf(ApiError)
    expect(err.isNetwork).toBe(true)
    expect(err.message).toBe('网络超时，请稍后重试')
    expect(apiCalls(calls)).toHaveLength(1 + config.retryDelaysMs.length)
  })

  test('没有幂等键的 POST 断网后不自动重发', async () => {
    const calls = mockBackend({ 'POST /reports/1/actions': { networkError: true } })
    await expect(request({ method: 'POST', path: '/reports/1/actions', data: {} })).rejects.toMatchObject({ code: 'network_error' })
    expect(apiCalls(calls)).toHaveLength(1)
  })

  test('查询参数去掉空值，路径参数编码', async () => {
    const calls = mockBackend({ 'GET /grids/a%2Fb/stats': {} , 'GET /grids': { items: [], total: 0 } })
    await endpoint('GET', '/grids/{id}/stats')({ path: { id: 'a/b' } })
    await endpoint('GET', '/grids')({ query: { parent_id: undefined, page: 2 } })
    expect(apiCalls(calls)[1].query).toEqual({ page: '2' })
    expect(() => endpoint('GET', '/grids/{id}')({ path: {} })).toThrow('缺少参数 id')
  })

  test('上传文件带令牌、报告进度、解析 JSON', async () => {
    const calls = mockBackend({ 'POST /uploads': { status: 201, data: { id: 3, url: 'u' } } })
    const progress = jest.fn()
    const upload = endpoint('POST', '/uploads', { upload: true })
    const res = await upload({ filePath: '/tmp/a.jpg', onProgress: progress })
    expect(res).toEqual({ id: 3, url: 'u' })
    expect(progress).toHaveBeenCalledWith(50)
    const sent = apiCalls(calls)[0]
    expect(sent.header.Authorization).toBe('Bearer tok-1')
    expect(sent.data).toEqual({ filePath: '/tmp/a.jpg', name: 'file' })
  })

  test('微信登录失败时给出中文提示', async () => {
    mockBackend({})
    wx.login.mockImplementation(opts => opts.fail({ errMsg: 'login:fail' }))
    await expect(ensureToken()).rejects.toMatchObject({ code: 'wx_login_failed', message: '微信登录失败，请重试' })
  })

  test('重试按配置的间隔等待（800 毫秒、2 秒）', async () => {
    jest.useFakeTimers({ doNotFake: ['nextTick', 'queueMicrotask', 'setImmediate'] })
    try {
      config.retryDelaysMs = [800, 2000]
      let attempts = 0
      const calls = mockBackend({ 'GET /me': () => (++attempts < 3 ? { networkError: true } : { id: 1 }) })
      const done = request({ path: '/me' })
      await settle()
      expect(apiCalls(calls)).toHaveLength(1)
      jest.advanceTimersByTime(799)
      await settle()
      expect(apiCalls(calls)).toHaveLength(1)
      jest.advanceTimersByTime(1)
      await settle()
      expect(apiCalls(calls)).toHaveLength(2)
      jest.advanceTimersByTime(2000)
      await expect(done).resolves.toEqual({ id: 1 })
    } finally {
      jest.useRealTimers()
    }
  })
})

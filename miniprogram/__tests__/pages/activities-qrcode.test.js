const { render, settle, mockBackend, resetClient, apiCalls, textOf } = require('../../test/helpers')

beforeEach(() => {
  resetClient()
  jest.useFakeTimers({ doNotFake: ['nextTick', 'queueMicrotask', 'setImmediate'] })
  jest.spyOn(wx, 'setKeepScreenOn').mockImplementation(() => {})
})

afterEach(() => {
  jest.useRealTimers()
})

function backend(expiresIn = 10) {
  let n = 0
  return mockBackend({
    'GET /activities/42': { id: 42, title: '主题党日' },
    'GET /activities/42/checkin-code': () => ({ token: `tok-${++n}`, expires_in: expiresIn }),
  })
}

const codeCalls = calls => apiCalls(calls).filter(c => c.path === '/activities/42/checkin-code')

describe('活动签到码', () => {
  test('在过期前 3 秒换新码，倒计时递减，屏幕常亮', async () => {
    const calls = backend(10)
    const page = render('pages/activities/qrcode/index')
    page.instance.onLoad({ id: '42' })
    await settle()
    expect(page.data.token).toBe('tok-1')
    expect(textOf(page)).toContain('主题党日')
    expect(wx.setKeepScreenOn).toHaveBeenCalledWith({ keepScreenOn: true })

    jest.advanceTimersByTime(5000)
    expect(page.data.remaining).toBe(5)
    expect(codeCalls(calls)).toHaveLength(1)

    jest.advanceTimersByTime(2000) // 第 7 秒：过期前 3 秒
    await settle()
    expect(codeCalls(calls)).toHaveLength(2)
    expect(page.data.token).toBe('tok-2')
    expect(page.data.remaining).toBe(10)

    jest.advanceTimersByTime(7000)
    await settle()
    expect(page.data.token).toBe('tok-3')
  })

  test('有效期很短时至少隔 1 秒再换', async () => {
    const calls = backend(2)
    const page = render('pages/activities/qrcode/index')
    page.instance.onLoad({ id: '42' })
    await settle()
    jest.advanceTimersByTime(999)
    await settle()
    expect(codeCalls(calls)).toHaveLength(1)
    jest.advanceTimersByTime(1)
    await settle()
    expect(codeCalls(calls)).toHaveLength(2)
  })

  test('离开页面后停止换码', async () => {
    const calls = backend(10)
    const page = render('pages/activities/qrcode/index')
    page.instance.onLoad({ id: '42' })
    await settle()
    page.instance.onUnload()
    jest.advanceTimersByTime(60000)
    await settle()
    expect(codeCalls(calls)).toHaveLength(1)
    expect(wx.setKeepScreenOn).toHaveBeenLastCalledWith({ keepScreenOn: false })
  })

  test('切到后台暂停，回来立即取新码', async () => {
    const calls = backend(10)
    const page = render('pages/activities/qrcode/index')
    page.instance.onLoad({ id: '42' })
    await settle()
    page.instance.onHide()
    jest.advanceTimersByTime(30000)
    await settle()
    expect(codeCalls(calls)).toHaveLength(1)
    page.instance.onShow()
    await settle()
    expect(codeCalls(calls)).toHaveLength(2)
    expect(page.data.token).toBe('tok-2')
  })

  test('取码失败：不显示旧码，显示原因，3 秒后自动再取', async () => {
    let fail = false
    let n = 0
    const calls = mockBackend({
      'GET /activities/42': { id: 42, title: '主题党日' },
      'GET /activities/42/checkin-code': () => (fail ? { status: 503, data: { code: 'unavailable', message: '服务繁忙', details: {} } } : { token: `tok-${++n}`, expires_in: 10 }),
    })
    const page = render('pages/activities/qrcode/index')
    page.instance.onLoad({ id: '42' })
    await settle()
    fail = true
    jest.advanceTimersByTime(7000)
    await settle()
    expect(page.data.token).toBe('')
    expect(textOf(page)).toContain('服务繁忙')
    fail = false
    jest.advanceTimersByTime(3000)
    await settle()
    expect(page.data.token).toBe('tok-2')
    expect(codeCalls(calls)).toHaveLength(3)
  })

  test('没有权限（403）时说明原因，不反复重试', async () => {
    const calls = mockBackend({
      'GET /activities/42': { id: 42, title: '主题党日' },
      'GET /activities/42/checkin-code': { status: 403, data: { code: 'forbidden', message: '只有活动负责人可以出示签到码', details: {} } },
    })
    const page = render('pages/activities/qrcode/index')
    page.instance.onLoad({ id: '42' })
    await settle()
    jest.advanceTimersByTime(30000)
    await settle()
    expect(textOf(page)).toContain('只有活动负责人可以出示签到码')
    expect(codeCalls(calls)).toHaveLength(1)
  })
})

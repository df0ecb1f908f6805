const { render, settle, tap, mockBackend, resetClient, apiCalls, textOf, ME } = require('../../test/helpers')

beforeEach(() => {
  resetClient()
  jest.spyOn(wx, 'navigateTo').mockImplementation(() => {})
  jest.spyOn(wx, 'showToast').mockImplementation(() => {})
})

async function openHome(me) {
  const calls = mockBackend({ 'GET /me': me })
  const page = render('pages/home/index')
  page.instance.onLoad({})
  await settle()
  return { page, calls }
}

describe('首页', () => {
  test('启动即登录并取资料；居民只看到居民服务和双报到入口', async () => {
    const { page, calls } = await openHome(ME.resident)
    expect(calls.map(c => `${c.method} ${c.path}`)).toEqual(['POST /auth/wechat-login', 'GET /me'])
    const text = textOf(page)
    expect(text).toContain('随手拍')
    expect(text).toContain('在职党员双报到')
    expect(text).not.toContain('扫码签到')
    expect(page.querySelector('.section-leader')).toBeFalsy()
    expect(text).toContain('去绑定') // 还没绑手机
  })

  test('党员看到扫码签到、微事项、积分', async () => {
    const { page } = await openHome(ME.member)
    const text = textOf(page)
    expect(text).toContain('扫码签到')
    expect(text).toContain('身边微事项')
    expect(text).toContain('我的积分')
    expect(text).not.toContain('去绑定')
  })

  test('网格长看到待办和网格数据，点进待办', async () => {
    const { page } = await openHome(ME.leader)
    expect(page.querySelector('.section-leader')).toBeTruthy()
    expect(textOf(page)).toContain('网格数据')
    await tap(page, '.section-leader .tile-primary')
    expect(wx.navigateTo).toHaveBeenCalledWith({ url: '/pages/leader/inbox/index' })
  })

  test('网格长在网格工作里看到发布活动、发布微事项，点进发布页', async () => {
    const { page } = await openHome(ME.leader)
    const tiles = page.querySelectorAll('.section-leader .tile')
    const publishActivity = tiles.find(t => textOf(t).includes('发布活动'))
    const publishTask = tiles.find(t => textOf(t).includes('发布微事项'))
    await tap(page, publishActivity)
    expect(wx.navigateTo).toHaveBeenLastCalledWith({ url: '/pages/leader/publish-activity/index' })
    await tap(page, publishTask)
    expect(wx.navigateTo).toHaveBeenLastCalledWith({ url: '/pages/leader/publish-task/index' })
  })

  test('街道管理员也能发布；居民、党员、处置人员看不到发布入口', async () => {
    const admin = { ...ME.leader, roles: [{ role: 'street_admin', grid: { id: 1, name: '田林街道', level: 1 } }] }
    const handler = { ...ME.resident, roles: [{ role: 'handler', grid: { id: 30, name: '田林十二村居民区', level: 3 } }] }
    expect(textOf((await openHome(admin)).page)).toContain('发布微事项')
    for (const me of [ME.resident, ME.member, handler]) {
      resetClient()
      const text = textOf((await openHome(me)).page)
      expect(text).not.toContain('发布活动')
      expect(text).not.toContain('发布微事项')
    }
    expect(textOf((await openHome(handler)).page)).toContain('待办') // handlers keep their inbox
  })

  test('没选网格时提示去选择', async () => {
    const { page } = await openHome({ ...ME.resident, grid: null })
    expect(textOf(page)).toContain('还没有选择所在网格')
    await tap(page, '.hello-warn')
    expect(wx.navigateTo).toHaveBeenCalledWith({ url: '/pages/grids/picker/index' })
  })

  test('登录失败显示错误', async () => {
    mockBackend({ 'POST /auth/wechat-login': { status: 503, data: { code: 'wechat_unavailable', message: '微信服务暂时不可用', details: {} } } })
    const page = render('pages/home/index')
    page.instance.onLoad({})
    await settle()
    expect(textOf(page)).toContain('微信服务暂时不可用')
  })
})

describe('我的', () => {
  test('用 getPhoneNumber 的 code 绑定手机号，显示打码后的号码', async () => {
    let bound = false
    const calls = mockBackend({
      'GET /me': () => (bound ? { ...ME.resident, phone_masked: '138****5678' } : ME.resident),
      'POST /me/phone': () => {
        bound = true
        return { phone_masked: '138****5678' }
      },
    })
    const page = render('pages/me/index')
    page.instance.onLoad({})
    await settle()
    expect(textOf(page)).toContain('绑定手机号')
    page.instance.onGetPhone({ detail: { code: 'phone-code' } })
    await settle()
    expect(apiCalls(calls).find(c => c.path === '/me/phone').data).toEqual({ code: 'phone-code' })
    expect(textOf(page)).toContain('138****5678')
  })

  test('用户拒绝授权手机号时不发请求', async () => {
    const calls = mockBackend({ 'GET /me': ME.resident })
    const page = render('pages/me/index')
    page.instance.onLoad({})
    await settle()
    page.instance.onGetPhone({ detail: { errMsg: 'getPhoneNumber:fail user deny' } })
    await settle()
    expect(apiCalls(calls).some(c => c.path === '/me/phone')).toBe(false)
    expect(wx.showToast).toHaveBeenCalled()
  })

  test('显示角色和所管网格', async () => {
    mockBackend({ 'GET /me': ME.member })
    const page = render('pages/me/index')
    page.instance.onLoad({})
    await settle()
    expect(textOf(page)).toContain('党员（在职党员）')
    expect(textOf(page)).toContain('微网格 田林十二村1号微网格')
  })
})

describe('选择所在网格', () => {
  test('选中后确认、保存并刷新我的资料', async () => {
    jest.spyOn(wx, 'showModal').mockImplementation(o => o.success({ confirm: true }))
    jest.spyOn(wx, 'navigateBack').mockImplementation(() => {})
    const calls = mockBackend({ 'PUT /me/grid': { grid: { id: 41 } }, 'GET /me': ME.resident, 'GET /grids': { items: [], total: 0 } })
    const page = render('pages/grids/picker/index')
    page.instance.onLoad({})
    page.instance.onSelect({ detail: { grid: { id: 41, name: '2号微网格', path: '田林街道 / 2号微网格' } } })
    await settle()
    expect(wx.showModal).toHaveBeenCalledWith(expect.objectContaining({ content: '田林街道 / 2号微网格' }))
    expect(apiCalls(calls).find(c => c.method === 'PUT').data).toEqual({ grid_id: 41 })
    expect(apiCalls(calls).some(c => c.path === '/me')).toBe(true)
    expect(wx.navigateBack).toHaveBeenCalled()
  })
})

const { render, settle, tap, mockBackend, resetClient, apiCalls, textOf } = require('../../test/helpers')
const config = require('../../config')

const CATEGORIES = { items: [{ code: 'litter', name: '垃圾堆放' }, { code: 'parking', name: '违规停车' }], total: 2 }

beforeEach(() => {
  resetClient()
  config.subscribeTemplates.reportProgress = []
  jest.spyOn(wx, 'getLocation').mockImplementation(o => o.success({ latitude: 31.17, longitude: 121.43 }))
  jest.spyOn(wx, 'showToast').mockImplementation(() => {})
  jest.spyOn(wx, 'redirectTo').mockImplementation(() => {})
})

async function openForm(routes = {}) {
  const calls = mockBackend({
    'GET /reports/categories': CATEGORIES,
    'GET /reports/nearby': { items: [], total: 0 },
    'POST /uploads': { status: 201, data: { id: 77, url: 'https://x/77.jpg' } },
    ...routes,
  })
  const page = render('pages/reports/new/index')
  page.instance.onLoad({})
  await settle()
  return { page, calls }
}

// 填好一张合格的表单：分类、描述、照片
async function fillIn(page) {
  page.instance.onCategoryChange({ detail: { value: '0' } })
  page.instance.onDescriptionInput({ detail: { value: '12号楼东侧堆了很多建筑垃圾' } })
  page.instance.onPhotosChange({ detail: { ids: [77], uploading: false } })
  await settle()
}

describe('随手拍', () => {
  test('空表单提交：逐项提示，不发请求', async () => {
    const { page, calls } = await openForm()
    jest.spyOn(wx, 'getLocation').mockImplementation(o => o.fail({ errMsg: 'getLocation:fail auth deny' }))
    page.setData({ location: null })
    await tap(page, '.submit')
    const text = textOf(page)
    expect(text).toContain('请选择问题类型')
    expect(text).toContain('请至少拍一张照片')
    expect(text).toContain('至少5个字')
    expect(text).toContain('请获取当前位置或在地图上选择')
    expect(wx.showToast).toHaveBeenCalledWith(expect.objectContaining({ title: '请选择问题类型' }))
    expect(apiCalls(calls).some(c => c.method === 'POST' && c.path === '/reports')).toBe(false)
  })

  test('照片还在上传时不能提交', async () => {
    const { page, calls } = await openForm()
    await fillIn(page)
    page.instance.onPhotosChange({ detail: { ids: [], uploading: true } })
    await tap(page, '.submit')
    expect(wx.showToast).toHaveBeenCalledWith(expect.objectContaining({ title: '照片还在上传，请稍等' }))
    expect(apiCalls(calls).some(c => c.path === '/reports')).toBe(false)
  })

  test('没有定位权限时提示在地图上选择，选点后可用', async () => {
    jest.spyOn(wx, 'getLocation').mockImplementation(o => o.fail({ errMsg: 'getLocation:fail auth deny' }))
    jest.spyOn(wx, 'chooseLocation').mockImplementation(o => o.success({ latitude: 31.2, longitude: 121.4, name: '田林十二村', address: '徐汇区田林路' }))
    const { page } = await openForm()
    expect(textOf(page)).toContain('没有位置权限')
    await tap(page, '.loc-choose')
    expect(page.data.location).toEqual({ lat: 31.2, lng: 121.4, address: '徐汇区田林路 田林十二村' })
  })

  test('附近有同类问题时提示，可以直接附议', async () => {
    const { page, calls } = await openForm({
      'GET /reports/nearby': { items: [{ id: 5, description: '垃圾没人清', status: 'accepted', distance_m: 80 }], total: 1 },
      'POST /reports/5/follow': { status: 201, data: {} },
    })
    await fillIn(page)
    const nearby = apiCalls(calls).find(c => c.path === '/reports/nearby')
    expect(nearby.query).toEqual({ lat: '31.17', lng: '121.43', category: 'litter' })
    expect(textOf(page)).toContain('附近已有相似问题')
    expect(textOf(page)).toContain('距您 80米')
    await tap(page, '.follow')
    expect(apiCalls(calls).some(c => c.method === 'POST' && c.path === '/reports/5/follow')).toBe(true)
    expect(textOf(page)).toContain('已附议')
  })

  test('提交：发送完整内容和幂等键，成功后进入详情', async () => {
    const { page, calls } = await openForm({ 'POST /reports': { status: 201, data: { id: 321, status: 'submitted' } } })
    await fillIn(page)
    page.instance.onAnonymousChange({ detail: { value: true } })
    await tap(page, '.submit')
    const sent = apiCalls(calls).find(c => c.method === 'POST' && c.path === '/reports')
    expect(sent.data).toEqual({
      category: 'litter',
      description: '12号楼东侧堆了很多建筑垃圾',
      location: { lat: 31.17, lng: 121.43, address: '' },
      photo_ids: [77],
      anonymous: true,
    })
    expect(sent.header['Idempotency-Key']).toBeTruthy()
    expect(wx.redirectTo).toHaveBeenCalledWith({ url: '/pages/reports/detail/index?id=321' })
  })

  test('弱网：自动重试用尽后用户再点提交，仍是同一个幂等键', async () => {
    let attempts = 0
    const { page, calls } = await openForm({
      'POST /reports': () => (++attempts <= 3 ? { networkError: true } : { status: 201, data: { id: 9 } }),
    })
    await fillIn(page)
    await tap(page, '.submit')
    expect(wx.showToast).toHaveBeenLastCalledWith(expect.objectContaining({ title: '网络超时，请稍后重试' }))
    expect(wx.redirectTo).not.toHaveBeenCalled()
    await tap(page, '.submit')
    const keys = apiCalls(calls).filter(c => c.path === '/reports').map(c => c.header['Idempotency-Key'])
    expect(keys).toHaveLength(4)
    expect(new Set(keys).size).toBe(1)
    expect(wx.redirectTo).toHaveBeenCalledWith({ url: '/pages/reports/detail/index?id=9' })
  })

  test('服务端的校验错误以中文提示', async () => {
    const { page } = await openForm({
      'POST /reports': { status: 422, data: { code: 'validation_error', message: '位置不在本街道范围内', details: {} } },
    })
    await fillIn(page)
    await tap(page, '.submit')
    expect(wx.showToast).toHaveBeenLastCalledWith(expect.objectContaining({ title: '位置不在本街道范围内' }))
  })

  test('配置了模板时，在点提交的那一刻请求订阅', async () => {
    config.subscribeTemplates.reportProgress = ['tmpl-1']
    jest.spyOn(wx, 'requestSubscribeMessage').mockImplementation(o => o.success({ 'tmpl-1': 'accept' }))
    const { page } = await openForm({ 'POST /reports': { status: 201, data: { id: 1 } } })
    await fillIn(page)
    await tap(page, '.submit')
    expect(wx.requestSubscribeMessage).toHaveBeenCalledWith(expect.objectContaining({ tmplIds: ['tmpl-1'] }))
    expect(wx.redirectTo).toHaveBeenCalled()
  })

  test('分类加载失败时显示错误，重试后恢复', async () => {
    let fail = true
    const { page } = await openForm({
      'GET /reports/categories': () => (fail ? { networkError: true } : CATEGORIES),
    })
    expect(textOf(page)).toContain('网络超时')
    fail = false
    page.instance.loadCategories()
    await settle()
    expect(page.data.categories).toHaveLength(2)
  })
})

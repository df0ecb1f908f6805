const { render, settle, tap, mockBackend, resetClient, apiCalls, textOf, ME } = require('../../test/helpers')

// 2030-05-01 10:00 in Shanghai: the page's defaults and "is it in the past" checks read this.
const NOW = Date.parse('2030-05-01T10:00:00+08:00')
const TWO_GRIDS = { ...ME.leader, roles: [{ role: 'grid_leader', grid: { id: 30, name: '田林十二村居民区', level: 3 } }, { role: 'street_admin', grid: { id: 1, name: '田林街道', level: 1 } }] }

beforeEach(() => {
  resetClient()
  jest.spyOn(Date, 'now').mockReturnValue(NOW)
  jest.spyOn(wx, 'showToast').mockImplementation(() => {})
  jest.spyOn(wx, 'redirectTo').mockImplementation(() => {})
  jest.spyOn(wx, 'chooseLocation').mockImplementation(o => o.success({ latitude: 31.17, longitude: 121.43, name: '党群服务站', address: '田林路200号' }))
})

async function open(routes = {}, me = ME.leader) {
  const calls = mockBackend({ 'GET /me': me, ...routes })
  const page = render('pages/leader/publish-activity/index')
  page.instance.onLoad({})
  await settle()
  return { page, calls }
}

function input(page, field, value) {
  page.instance.onInput({ currentTarget: { dataset: { field } }, detail: { value } })
}

function pick(page, field, value) {
  page.instance.onPickTime({ currentTarget: { dataset: { field } }, detail: { value } })
}

// A valid form: 主题党日 tomorrow 09:00–11:00 (the default times), 30 people
function fillIn(page) {
  page.instance.onKindChange({ detail: { value: '1' } })
  input(page, 'title', '  五月主题党日  ')
  input(page, 'capacity', '30')
}

const posts = calls => apiCalls(calls).filter(c => c.method === 'POST' && c.path === '/activities')

describe('发布活动', () => {
  test('非网格长打开时只看到说明，没有表单和发布按钮', async () => {
    const { page, calls } = await open({}, ME.member)
    expect(textOf(page)).toContain('只有网格长可以发布活动')
    expect(page.querySelector('.submit')).toBeFalsy()
    expect(apiCalls(calls).map(c => `${c.method} ${c.path}`)).toEqual(['GET /me'])
  })

  test('只管一个网格时默认选中它；时间默认明天上午', async () => {
    const { page } = await open()
    expect(page.data.grid).toEqual(expect.objectContaining({ id: 30, name: '田林十二村居民区' }))
    expect(textOf(page)).toContain('田林十二村居民区')
    expect(page.data).toEqual(expect.objectContaining({ startDate: '2030-05-02', startTime: '09:00', endDate: '2030-05-02', endTime: '11:00' }))
  })

  test('空表单：逐项提示，不发请求', async () => {
    const { page, calls } = await open()
    await tap(page, '.submit')
    const text = textOf(page)
    expect(text).toContain('请选择活动类型')
    expect(text).toContain('请填写活动名称')
    expect(text).toContain('请填写人数上限')
    expect(wx.showToast).toHaveBeenCalledWith(expect.objectContaining({ title: '请选择活动类型' }))
    expect(posts(calls)).toHaveLength(0)
  })

  test.each([
    ['结束早于开始', p => pick(p, 'endTime', '08:00'), '结束时间须晚于开始时间'],
    ['超过 7 天', p => pick(p, 'endDate', '2030-05-09'), '一场活动最长 7 天'],
    ['结束时间已过', p => { pick(p, 'startDate', '2030-05-01'); pick(p, 'startTime', '07:00'); pick(p, 'endDate', '2030-05-01'); pick(p, 'endTime', '09:30') }, '活动结束时间已过，请检查时间'],
    ['名称过长', p => input(p, 'title', '党'.repeat(65)), '活动名称最多64个字'],
    ['名称只有空格', p => input(p, 'title', '   '), '请填写活动名称'],
    ['人数为 0', p => input(p, 'capacity', '0'), '人数上限须为1到100000之间的整数'],
    ['人数带小数', p => input(p, 'capacity', '2.5'), '人数上限须为1到100000之间的整数'],
    ['服务时长超过 24 小时', p => input(p, 'serviceHours', '25'), '服务时长须在0到24小时之间'],
    ['积分超过 100', p => input(p, 'points', '101'), '积分须为0到100之间的整数'],
    ['签到范围太小', async p => { await p.instance.onChooseLocation(); input(p, 'radius', '20') }, '签到范围须为30到5000米之间的整数'],
    ['签到范围太大', async p => { await p.instance.onChooseLocation(); input(p, 'radius', '5001') }, '签到范围须为30到5000米之间的整数'],
  ])('%s：提示并不发请求', async (_, change, message) => {
    const { page, calls } = await open()
    fillIn(page)
    await change(page)
    await tap(page, '.submit')
    expect(textOf(page)).toContain(message)
    expect(wx.showToast).toHaveBeenLastCalledWith(expect.objectContaining({ title: message }))
    expect(posts(calls)).toHaveLength(0)
  })

  test('发布：请求体与服务端字段一致，时间带 +08:00，带幂等键；成功后打开活动并提示', async () => {
    const { page, calls } = await open({ 'POST /activities': { status: 201, data: { id: 88, title: '五月主题党日' } } })
    fillIn(page)
    input(page, 'description', '请带党员证')
    await tap(page, '.choose-location')
    expect(page.data.place).toBe('田林路200号 党群服务站') // the map's address fills an empty place
    input(page, 'radius', '200')
    input(page, 'serviceHours', '1.5')
    input(page, 'points', '5')
    await tap(page, '.submit')
    const [sent] = posts(calls)
    expect(sent.data).toEqual({
      grid_id: 30,
      kind: 'party_day',
      title: '五月主题党日',
      description: '请带党员证',
      place: '田林路200号 党群服务站',
      location: { lat: 31.17, lng: 121.43 },
      checkin_radius_m: 200,
      starts_at: '2030-05-02T09:00:00+08:00',
      ends_at: '2030-05-02T11:00:00+08:00',
      capacity: 30,
      service_hours: 1.5,
      points: 5,
    })
    expect(sent.header['Idempotency-Key']).toMatch(/^[0-9a-f-]{36}$/)
    expect(wx.showToast).toHaveBeenCalledWith(expect.objectContaining({ title: '发布成功', icon: 'success' }))
    expect(wx.redirectTo).toHaveBeenCalledWith({ url: '/pages/activities/detail/index?id=88' })
  })

  test('没选地点时不发 location 和签到范围；清除地点会一并清除范围', async () => {
    const { page, calls } = await open({ 'POST /activities': { status: 201, data: { id: 89 } } })
    fillIn(page)
    await tap(page, '.choose-location')
    input(page, 'radius', '300')
    await settle()
    await tap(page, '.clear-location')
    expect(page.data.radius).toBe('')
    await tap(page, '.submit')
    const body = posts(calls)[0].data
    expect(body).not.toHaveProperty('location')
    expect(body).not.toHaveProperty('checkin_radius_m')
    expect(body).toEqual(expect.objectContaining({ service_hours: 0, points: 0 }))
  })

  test('断网后再点一次：沿用同一个 Idempotency-Key，只创建一次', async () => {
    let fail = true
    const { page, calls } = await open({
      'POST /activities': () => (fail ? { networkError: true } : { status: 201, data: { id: 90 } }),
    })
    fillIn(page)
    await tap(page, '.submit')
    expect(textOf(page)).toContain('网络超时，请稍后重试')
    expect(wx.redirectTo).not.toHaveBeenCalled()
    expect(page.data.submitting).toBe(false) // the button is usable again
    fail = false
    await tap(page, '.submit')
    const sent = posts(calls)
    expect(sent.length).toBe(4) // 3 attempts on the weak network, then the retry that got through
    expect(new Set(sent.map(c => c.header['Idempotency-Key'])).size).toBe(1)
    expect(wx.redirectTo).toHaveBeenCalledWith({ url: '/pages/activities/detail/index?id=90' })
  })

  test('提交中按钮不可再点：连点两次只发一个请求', async () => {
    const { page, calls } = await open({ 'POST /activities': { status: 201, data: { id: 91 } } })
    fillIn(page)
    page.instance.onSubmit()
    expect(page.data.submitting).toBe(true)
    page.instance.onSubmit()
    await settle()
    expect(posts(calls)).toHaveLength(1)
    expect(page.data.published).toBe(true)
    page.instance.onSubmit() // after success, until the page is replaced
    await settle()
    expect(posts(calls)).toHaveLength(1)
  })

  test('服务端的错误原样显示；字段错误显示在对应字段下；改了内容换新的幂等键', async () => {
    let answer = { status: 422, data: { code: 'validation_error', message: '提交的内容有误，请检查后重试', details: { fields: { json: { ends_at: ['结束时间须晚于开始时间'] } } } } }
    const { page, calls } = await open({ 'POST /activities': () => answer })
    fillIn(page)
    await tap(page, '.submit')
    expect(page.querySelector('.form-error')).toBeTruthy()
    expect(textOf(page)).toContain('提交的内容有误，请检查后重试')
    expect(page.data.errors.end).toBe('结束时间须晚于开始时间')
    expect(wx.showToast).toHaveBeenLastCalledWith(expect.objectContaining({ title: '提交的内容有误，请检查后重试' }))

    answer = { status: 403, data: { code: 'forbidden', message: '您不是该网格的网格长', details: {} } }
    input(page, 'title', '六月主题党日')
    await tap(page, '.submit')
    expect(textOf(page)).toContain('您不是该网格的网格长')
    const keys = posts(calls).map(c => c.header['Idempotency-Key'])
    expect(keys[0]).not.toBe(keys[1])
    expect(wx.redirectTo).not.toHaveBeenCalled()
  })

  test('管理多个网格时须先选择，可以选到下级网格', async () => {
    const { page, calls } = await open(
      {
        'GET /grids': req => ({ items: req.query.parent_id === '30' ? [{ id: 41, name: '1号微网格', level: 4, has_children: false }] : [], total: 1 }),
        'POST /activities': { status: 201, data: { id: 92 } },
      },
      TWO_GRIDS,
    )
    expect(page.data.grid).toBe(null)
    fillIn(page)
    await tap(page, '.submit')
    expect(textOf(page)).toContain('请选择举办活动的网格')
    await tap(page, '.change-grid')
    const picker = page.querySelector('.grid-picker')
    expect(textOf(picker)).toContain('我管理的网格')
    expect(textOf(picker)).toContain('田林街道')
    expect(apiCalls(calls).some(c => c.path === '/grids')).toBe(false) // the roots come from /me
    await tap(picker, picker.querySelectorAll('.gp-main')[0])
    expect(apiCalls(calls).find(c => c.path === '/grids').query).toEqual({ parent_id: '30' })
    await tap(picker, '.gp-pick')
    expect(page.data.grid).toEqual({ id: 41, name: '1号微网格', level: 4, path: '田林十二村居民区 / 1号微网格' })
    await tap(page, '.submit')
    expect(posts(calls)[0].data.grid_id).toBe(41)
  })
})

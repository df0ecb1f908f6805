const { render, settle, tap, mockBackend, resetClient, apiCalls, textOf } = require('../../test/helpers')

beforeEach(() => {
  resetClient()
  jest.spyOn(wx, 'scanCode').mockImplementation(o => o.success({ result: 'wgt.ck.42.abc' }))
  jest.spyOn(wx, 'getLocation').mockImplementation(o => o.success({ latitude: 31.17, longitude: 121.43 }))
})

function open() {
  const page = render('pages/checkin/scan/index')
  page.instance.onLoad({})
  return page
}

const RECORD = { id: 8, activity: { id: 42, title: '垃圾分类志愿服务' }, checked_in_at: '2024-05-01T09:03:00+08:00' }

describe('扫码签到', () => {
  test('首次签到：显示"签到成功"和活动名', async () => {
    const calls = mockBackend({ 'POST /checkins': { status: 201, data: { ...RECORD, repeat: false } } })
    const page = open()
    await tap(page, '.scan')
    const sent = apiCalls(calls)[0]
    expect(sent.data).toEqual({ token: 'wgt.ck.42.abc', location: { lat: 31.17, lng: 121.43 } })
    expect(sent.header['Idempotency-Key']).toBeTruthy()
    expect(page.querySelector('.result-ok')).toBeTruthy()
    expect(textOf(page)).toContain('签到成功')
    expect(textOf(page)).toContain('垃圾分类志愿服务')
  })

  test('重复签到：明确说"已经签到过了"并给出第一次的时间', async () => {
    mockBackend({ 'POST /checkins': { status: 200, data: { ...RECORD, repeat: true } } })
    const page = open()
    await tap(page, '.scan')
    expect(textOf(page)).toContain('您已经签到过了')
    expect(textOf(page)).toMatch(/签到时间 2024-05-01 \d\d:03/)
  })

  test('签到码过期：大字显示服务端的原因', async () => {
    mockBackend({
      'POST /checkins': { status: 410, data: { code: 'checkin_code_expired', message: '签到码已过期，请重新扫码', details: {} } },
    })
    const page = open()
    await tap(page, '.scan')
    expect(page.querySelector('.result-failed')).toBeTruthy()
    expect(textOf(page)).toContain('签到码已过期，请重新扫码')
    expect(page.querySelector('.retry')).toBeFalsy() // 不是网络问题，不给"再试一次"
  })

  test('网络失败后"再试一次"沿用同一个码和幂等键', async () => {
    let fail = true
    const calls = mockBackend({
      'POST /checkins': () => (fail ? { networkError: true } : { status: 201, data: { ...RECORD, repeat: false } }),
    })
    const page = open()
    await tap(page, '.scan')
    expect(textOf(page)).toContain('网络超时')
    fail = false
    await tap(page, '.retry')
    expect(textOf(page)).toContain('签到成功')
    const keys = apiCalls(calls).map(c => c.header['Idempotency-Key'])
    expect(new Set(keys).size).toBe(1)
    expect(wx.scanCode).toHaveBeenCalledTimes(1)
  })

  test('没有定位权限也能签到（不带位置）', async () => {
    jest.spyOn(wx, 'getLocation').mockImplementation(o => o.fail({ errMsg: 'getLocation:fail auth deny' }))
    const calls = mockBackend({ 'POST /checkins': { status: 201, data: { ...RECORD, repeat: false } } })
    const page = open()
    await tap(page, '.scan')
    expect(apiCalls(calls)[0].data).toEqual({ token: 'wgt.ck.42.abc' })
  })

  test('取消扫码什么也不发', async () => {
    jest.spyOn(wx, 'scanCode').mockImplementation(o => o.fail({ errMsg: 'scanCode:fail cancel' }))
    const calls = mockBackend({})
    const page = open()
    await tap(page, '.scan')
    expect(apiCalls(calls)).toHaveLength(0)
    expect(textOf(page)).toContain('对准网格长出示的签到码')
  })
})

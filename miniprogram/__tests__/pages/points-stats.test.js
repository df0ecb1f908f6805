const { render, settle, tap, mockBackend, resetClient, apiCalls, textOf, ME } = require('../../test/helpers')

beforeEach(resetClient)

describe('我的积分', () => {
  test('余额、明细，切到排行按月/年查询本网格', async () => {
    const calls = mockBackend({
      'GET /me': ME.member,
      'GET /points/me': { balance: 35, items: [{ points: 5, source: 'task', note: '楼道清理', created_at: '2024-05-01T09:00:00+08:00' }] },
      'GET /points/ranking': req => ({ items: [{ rank: 1, user_id: 2, nickname: '李党员', points: req.query.period === 'year' ? 120 : 35 }], total: 1 }),
    })
    const page = render('pages/points/mine/index')
    page.instance.onLoad({})
    await settle()
    expect(textOf(page)).toContain('35')
    expect(textOf(page)).toContain('完成微事项')
    expect(textOf(page)).toContain('+5')
    await tap(page, page.querySelectorAll('.tab')[1])
    expect(apiCalls(calls).find(c => c.path === '/points/ranking').query).toEqual({ grid_id: '40', period: 'month' })
    expect(page.querySelector('.rank-me')).toBeTruthy()
    await tap(page, page.querySelectorAll('.period-item')[1])
    expect(textOf(page)).toContain('120分')
  })
})

describe('网格数据', () => {
  test('显示指标卡片和各状态问题数', async () => {
    const calls = mockBackend({
      'GET /me': ME.leader,
      'GET /grids/30/stats': {
        reports: { total: 120, overdue: 3, by_status: { submitted: 4, closed: 100 } },
        resolved_rate: 0.934,
        satisfaction_rate: 0.994,
        avg_handling_hours: 20.55,
        checkins: 310,
      },
    })
    const page = render('pages/leader/stats/index')
    page.instance.onLoad({})
    await settle()
    expect(apiCalls(calls).some(c => c.path === '/grids/30/stats')).toBe(true)
    const text = textOf(page)
    expect(text).toContain('田林十二村居民区')
    expect(text).toContain('93.4%')
    expect(text).toContain('99.4%')
    expect(text).toContain('20.6小时')
    expect(text).toContain('待受理')
    expect(text).not.toContain('发放积分') // 没给的字段不显示
  })

  test('不是网格长时说明原因', async () => {
    mockBackend({ 'GET /me': ME.resident })
    const page = render('pages/leader/stats/index')
    page.instance.onLoad({})
    await settle()
    expect(textOf(page)).toContain('您没有管理的网格')
  })
})

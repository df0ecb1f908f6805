const { render, settle, tap, mockBackend, resetClient, apiCalls, textOf, ME } = require('../../test/helpers')

beforeEach(resetClient)

describe('我的积分', () => {
  test('余额、明细，切到排行按月/年查询本网格', async () => {
    const calls = mockBackend({
      'GET /me': ME.member,
      'GET /points/me': { balance: 35, items: [
        { points: 5, source: 'task', source_name: '完成微事项', note: '楼道清理', created_at: '2024-05-01T09:00:00+08:00' },
        { points: -3, source: 'manual', source_name: '网格长调整', note: '重复登记', created_at: '2024-05-02T09:00:00+08:00' },
      ] },
      'GET /points/ranking': req => ({ items: [{ rank: 1, user: { id: 2, nickname: '李党员' }, points: req.query.period === 'year' ? 120 : 35 }], total: 1 }),
    })
    const page = render('pages/points/mine/index')
    page.instance.onLoad({})
    await settle()
    expect(textOf(page)).toContain('35')
    expect(textOf(page)).toContain('完成微事项')
    expect(textOf(page)).toContain('+5')
    expect(textOf(page)).toContain('网格长调整') // the API's name for source "manual", shown as sent
    expect(textOf(page)).toContain('-3')
    await tap(page, page.querySelectorAll('.tab')[1])
    expect(apiCalls(calls).find(c => c.path === '/points/ranking').query).toEqual({ grid_id: '40', period: 'month' })
    expect(page.querySelector('.rank-me')).toBeTruthy()
    await tap(page, page.querySelectorAll('.period-item')[1])
    expect(textOf(page)).toContain('120分')
  })
})

describe('网格数据', () => {
  test('按服务端的分节显示，已知指标用中文，比例和时长按后缀格式化', async () => {
    const calls = mockBackend({
      'GET /me': ME.leader,
      'GET /grids/30/stats': {
        grid: { id: 30, name: '田林十二村居民区' },
        sections: {
          grids: { grids_by_level: { 3: 1, 4: 6 }, residents_bound: 210, party_members: 35 },
          reports: { total: 120, by_status: { submitted: 4, closed: 100 }, resolved_rate: 0.934, satisfaction_rate: 0.994, avg_handling_hours: 20.55 },
          points: { awarded: 860, new_metric: 7 },
        },
      },
    })
    const page = render('pages/leader/stats/index')
    page.instance.onLoad({})
    await settle()
    expect(apiCalls(calls).some(c => c.path === '/grids/30/stats')).toBe(true)
    const sections = page.querySelectorAll('.stats-section')
    expect(sections).toHaveLength(3)
    expect(sections[0].dom.textContent).toContain('问题处置') // 问题处置排在最前
    const text = textOf(page)
    expect(text).toContain('田林十二村居民区')
    expect(text).toContain('93.4%')
    expect(text).toContain('99.4%')
    expect(text).toContain('20.6小时')
    expect(text).toContain('待受理')
    expect(text).toContain('微网格')
    expect(text).toContain('累计发放积分')
    expect(text).toContain('new_metric') // 没见过的指标也显示
  })

  test('不是网格长时说明原因', async () => {
    mockBackend({ 'GET /me': ME.resident })
    const page = render('pages/leader/stats/index')
    page.instance.onLoad({})
    await settle()
    expect(textOf(page)).toContain('您没有管理的网格')
  })
})

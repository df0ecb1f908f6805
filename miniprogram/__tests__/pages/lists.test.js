const { render, settle, tap, mockBackend, resetClient, apiCalls, textOf, ME } = require('../../test/helpers')

beforeEach(() => {
  resetClient()
  jest.spyOn(wx, 'navigateTo').mockImplementation(() => {})
})

describe('我的上报', () => {
  test('分页：触底加载下一页，到底后不再请求', async () => {
    const calls = mockBackend({
      'GET /reports': req => {
        const page = Number(req.query.page)
        const items = page === 1 ? [{ id: 1, description: '一', status: 'submitted' }, { id: 2, description: '二', status: 'closed' }] : [{ id: 3, description: '三', status: 'resolved' }]
        return { items, total: 3, page, page_size: 2 }
      },
    })
    const page = render('pages/reports/mine/index')
    page.instance.onLoad({})
    await settle()
    expect(apiCalls(calls)[0].query).toEqual({ mine: '1', page: '1' })
    expect(page.querySelectorAll('.report-item')).toHaveLength(2)
    page.instance.onReachBottom()
    await settle()
    expect(page.querySelectorAll('.report-item')).toHaveLength(3)
    expect(textOf(page)).toContain('没有更多了')
    page.instance.onReachBottom()
    await settle()
    expect(apiCalls(calls)).toHaveLength(2)
    await tap(page, page.querySelectorAll('.report-item')[2])
    expect(wx.navigateTo).toHaveBeenCalledWith({ url: '/pages/reports/detail/index?id=3' })
  })

  test('空列表有引导', async () => {
    mockBackend({ 'GET /reports': { items: [], total: 0 } })
    const page = render('pages/reports/mine/index')
    page.instance.onLoad({})
    await settle()
    expect(textOf(page)).toContain('还没有上报过问题')
  })
})

describe('身边微事项', () => {
  test('可认领：按我的网格查 open；我认领的：mine=1', async () => {
    const calls = mockBackend({
      'GET /me': ME.member,
      'GET /tasks': req => ({ items: req.query.mine ? [{ id: 8, title: '助老', points: 3, slots: 1, taken: 1, my_claim: { id: 1, status: 'claimed' } }] : [{ id: 7, title: '楼道清理', points: 5, slots: 3, taken: 1 }], total: 1 }),
    })
    const page = render('pages/tasks/list/index')
    await page.instance.onLoad({})
    await settle()
    expect(apiCalls(calls).find(c => c.path === '/tasks').query).toEqual({ grid_id: '40', status: 'open', page: '1' })
    expect(textOf(page)).toContain('剩 2/3 个名额')
    await tap(page, page.querySelectorAll('.tab')[1])
    expect(apiCalls(calls).filter(c => c.path === '/tasks')[1].query).toEqual({ mine: '1', page: '1' })
    expect(textOf(page)).toContain('已认领，待完成')
  })
})

describe('活动', () => {
  test('列表进详情；网格长可以出示签到码', async () => {
    mockBackend({
      'GET /me': ME.leader,
      'GET /activities': { items: [{ id: 42, title: '主题党日', kind: 'party_day', starts_at: '2024-05-01T09:00:00+08:00', ends_at: '2024-05-01T11:00:00+08:00' }], total: 1 },
      'GET /activities/42': { id: 42, title: '主题党日', kind: 'party_day', starts_at: '2024-05-01T09:00:00+08:00', ends_at: '2024-05-01T11:00:00+08:00', place: '居民区党群服务站', points: 2 },
    })
    const list = render('pages/activities/list/index')
    list.instance.onLoad({})
    await settle()
    expect(textOf(list)).toMatch(/2024-05-01 \d\d:00 – \d\d:00/)
    await tap(list, '.activity-item')
    expect(wx.navigateTo).toHaveBeenCalledWith({ url: '/pages/activities/detail/index?id=42' })

    const detail = render('pages/activities/detail/index')
    detail.instance.onLoad({ id: '42' })
    await settle()
    expect(textOf(detail)).toContain('居民区党群服务站')
    await tap(detail, '.show-code')
    expect(wx.navigateTo).toHaveBeenLastCalledWith({ url: '/pages/activities/qrcode/index?id=42' })
  })
})

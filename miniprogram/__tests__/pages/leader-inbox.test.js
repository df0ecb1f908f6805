const { render, settle, tap, mockBackend, resetClient, apiCalls, textOf } = require('../../test/helpers')

const ITEMS = [
  { kind: 'report', id: 11, title: '楼道堆物', grid: { id: 40, name: '1号微网格' }, deadline: '2024-05-01T18:00:00+08:00', overdue: true },
  { kind: 'registration', id: 21, title: '李党员 申请报到', grid: { id: 40, name: '1号微网格' }, deadline: '2024-05-03T18:00:00+08:00', overdue: false },
  { kind: 'task_proof', id: 61, path: '/tasks/7/claims/61', title: '楼道清理 完成凭证', grid: { id: 40, name: '1号微网格' }, deadline: null, overdue: false },
]

beforeEach(() => {
  resetClient()
  jest.spyOn(wx, 'showToast').mockImplementation(() => {})
  jest.spyOn(wx, 'navigateTo').mockImplementation(() => {})
})

async function open(routes = {}) {
  const calls = mockBackend({ 'GET /inbox': { items: ITEMS, total: 3, page: 1, page_size: 20 }, ...routes })
  const page = render('pages/leader/inbox/index')
  page.instance.onLoad({})
  await settle()
  return { page, calls }
}

function chooseSheet(index) {
  jest.spyOn(wx, 'showActionSheet').mockImplementation(o => o.success({ tapIndex: index }))
}

describe('待办', () => {
  test('按类型显示，超期的标红', async () => {
    const { page } = await open()
    const rows = page.querySelectorAll('.inbox-item')
    expect(rows).toHaveLength(3)
    expect(textOf(page)).toContain('问题处置')
    expect(textOf(page)).toContain('双报到审核')
    expect(textOf(page)).toContain('微事项验收')
    expect(page.querySelectorAll('.overdue')).toHaveLength(1)
    expect(textOf(page)).toContain('已超期')
  })

  test('问题：在菜单里直接"受理"，发 accept 并刷新列表', async () => {
    chooseSheet(1)
    jest.spyOn(wx, 'showModal').mockImplementation(o => o.success({ confirm: true }))
    const { page, calls } = await open({ 'POST /reports/11/actions': { id: 11, status: 'accepted' } })
    await tap(page, page.querySelectorAll('.inbox-item')[0])
    const sent = apiCalls(calls).find(c => c.path === '/reports/11/actions')
    expect(sent.data).toEqual({ action: 'accept', note: '' })
    expect(wx.showToast).toHaveBeenCalledWith(expect.objectContaining({ title: '已受理' }))
    expect(apiCalls(calls).filter(c => c.path === '/inbox')).toHaveLength(2)
  })

  test('问题：上报上级时填写理由', async () => {
    chooseSheet(3)
    jest.spyOn(wx, 'showModal').mockImplementation(o => o.success({ confirm: true, content: '涉及多个居民区' }))
    const { page, calls } = await open({ 'POST /reports/11/actions': { id: 11, status: 'escalated' } })
    await tap(page, page.querySelectorAll('.inbox-item')[0])
    expect(apiCalls(calls).find(c => c.path === '/reports/11/actions').data).toEqual({ action: 'escalate', note: '涉及多个居民区' })
  })

  test('问题：派单、办结、驳回去详情页并预选动作', async () => {
    chooseSheet(2)
    const { page } = await open()
    await tap(page, page.querySelectorAll('.inbox-item')[0])
    expect(wx.navigateTo).toHaveBeenCalledWith({ url: '/pages/reports/detail/index?id=11&mode=handler&action=dispatch' })
  })

  test('操作被拒时提示服务端的中文信息', async () => {
    chooseSheet(1)
    jest.spyOn(wx, 'showModal').mockImplementation(o => o.success({ confirm: true }))
    const { page } = await open({
      'POST /reports/11/actions': { status: 409, data: { code: 'invalid_transition', message: '该问题已被他人受理', details: {} } },
    })
    await tap(page, page.querySelectorAll('.inbox-item')[0])
    expect(wx.showToast).toHaveBeenCalledWith(expect.objectContaining({ title: '该问题已被他人受理' }))
  })

  test('双报到：通过', async () => {
    chooseSheet(0)
    const { page, calls } = await open({ 'POST /party/registrations/21/approve': { id: 21, status: 'approved' } })
    await tap(page, page.querySelectorAll('.inbox-item')[1])
    expect(apiCalls(calls).some(c => c.method === 'POST' && c.path === '/party/registrations/21/approve')).toBe(true)
  })

  test('双报到：驳回带原因，空原因不发', async () => {
    chooseSheet(1)
    const modal = jest.spyOn(wx, 'showModal').mockImplementation(o => o.success({ confirm: true, content: '  ' }))
    const { page, calls } = await open({ 'POST /party/registrations/21/reject': { id: 21, status: 'rejected' } })
    await tap(page, page.querySelectorAll('.inbox-item')[1])
    expect(apiCalls(calls).some(c => c.path === '/party/registrations/21/reject')).toBe(false)
    modal.mockImplementation(o => o.success({ confirm: true, content: '不在本网格居住' }))
    await tap(page, page.querySelectorAll('.inbox-item')[1])
    expect(apiCalls(calls).find(c => c.path === '/party/registrations/21/reject').data).toEqual({ reason: '不在本网格居住' })
  })

  test('微事项凭证：打开微事项详情去验收', async () => {
    const { page } = await open()
    await tap(page, page.querySelectorAll('.inbox-item')[2])
    expect(wx.navigateTo).toHaveBeenCalledWith({ url: '/pages/tasks/detail/index?id=7' })
  })

  test('分页：先取第一页，触底加载下一页，到底后不再请求', async () => {
    const { page, calls } = await open({
      'GET /inbox': req => {
        const number = Number(req.query.page)
        return { items: number === 1 ? ITEMS.slice(0, 2) : ITEMS.slice(2), total: 3, page: number, page_size: 2 }
      },
    })
    expect(apiCalls(calls).map(c => c.query)).toEqual([{ page: '1' }])
    expect(page.querySelectorAll('.inbox-item')).toHaveLength(2)
    expect(textOf(page)).toContain('上拉加载更多')
    page.instance.onReachBottom()
    await settle()
    expect(apiCalls(calls).map(c => c.query)).toEqual([{ page: '1' }, { page: '2' }])
    expect(page.querySelectorAll('.inbox-item')).toHaveLength(3)
    expect(textOf(page)).toContain('没有更多了')
    page.instance.onReachBottom()
    await settle()
    expect(apiCalls(calls)).toHaveLength(2)
    await tap(page, page.querySelectorAll('.inbox-item')[2])
    expect(wx.navigateTo).toHaveBeenCalledWith({ url: '/pages/tasks/detail/index?id=7' })
  })

  test('处理完一件后从第一页重新加载', async () => {
    chooseSheet(0)
    const { page, calls } = await open({
      'GET /inbox': req => ({ items: Number(req.query.page) === 1 ? ITEMS.slice(0, 2) : ITEMS.slice(2), total: 3 }),
      'POST /party/registrations/21/approve': { id: 21, status: 'approved' },
    })
    page.instance.onReachBottom()
    await settle()
    await tap(page, page.querySelectorAll('.inbox-item')[1])
    expect(apiCalls(calls).filter(c => c.path === '/inbox').map(c => c.query.page)).toEqual(['1', '2', '1'])
    expect(page.querySelectorAll('.inbox-item')).toHaveLength(2)
  })

  test('没有待办时显示空状态', async () => {
    const { page } = await open({ 'GET /inbox': { items: [], total: 0 } })
    expect(textOf(page)).toContain('没有待办')
  })
})

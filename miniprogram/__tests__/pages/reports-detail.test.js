const { render, settle, tap, mockBackend, resetClient, apiCalls, textOf } = require('../../test/helpers')

const REPORT = {
  id: 5,
  category: 'litter',
  category_name: '垃圾堆放',
  description: '12号楼东侧堆了建筑垃圾',
  status: 'resolved',
  grid: { id: 40, name: '1号微网格' },
  location: { lat: 31.1, lng: 121.4, address: '12号楼东侧' },
  photos: [{ id: 1, url: 'https://x/1.jpg', thumbnail_url: 'https://x/1s.jpg' }],
  created_at: '2024-05-01T09:00:00+08:00',
  timeline: [
    { action: 'submit', actor_name: '王阿姨', note: '', photos: [], at: '2024-05-01T09:00:00+08:00' },
    { action: 'resolve', actor_name: '物业 张', note: '已清运', photos: [], at: '2024-05-01T16:00:00+08:00' },
  ],
}

beforeEach(() => {
  resetClient()
  jest.spyOn(wx, 'showToast').mockImplementation(() => {})
})

async function open(query, routes) {
  const calls = mockBackend(routes)
  const page = render('pages/reports/detail/index')
  page.instance.onLoad(query)
  await settle()
  return { page, calls }
}

describe('问题详情：上报人', () => {
  test('显示状态、照片和时间线', async () => {
    const { page } = await open({ id: '5' }, { 'GET /reports/5': REPORT })
    const text = textOf(page)
    expect(text).toContain('垃圾堆放')
    expect(text).toContain('待评价')
    expect(text).toContain('已清运')
    expect(page.querySelectorAll('.photo')).toHaveLength(1)
  })

  test('待评价时先打分再提交评价', async () => {
    let rated = false
    const { page, calls } = await open({ id: '5' }, {
      'GET /reports/5': () => (rated ? { ...REPORT, status: 'closed', rating: { score: 5, comment: '很快' } } : REPORT),
      'POST /reports/5/rating': () => {
        rated = true
        return { status: 201, data: { score: 5 } }
      },
    })
    await tap(page, '.rate-submit')
    expect(wx.showToast).toHaveBeenCalledWith(expect.objectContaining({ title: '请先打分' }))
    page.instance.onScore({ detail: { value: 5 } })
    page.instance.onCommentInput({ detail: { value: ' 很快 ' } })
    await tap(page, '.rate-submit')
    expect(apiCalls(calls).find(c => c.path === '/reports/5/rating').data).toEqual({ score: 5, comment: '很快' })
    expect(page.querySelector('.rate-card')).toBeFalsy()
    expect(textOf(page)).toContain('已办结')
  })

  test('没解决可以重新打开', async () => {
    jest.spyOn(wx, 'showModal').mockImplementation(o => o.success({ confirm: true, content: '还在那里' }))
    const { page, calls } = await open({ id: '5' }, { 'GET /reports/5': REPORT, 'POST /reports/5/actions': { id: 5 } })
    await tap(page, '.rate-reopen')
    expect(apiCalls(calls).find(c => c.path === '/reports/5/actions').data).toEqual({ action: 'reopen', note: '还在那里' })
  })

  test('上报人看不到处置按钮', async () => {
    const { page } = await open({ id: '5' }, { 'GET /reports/5': { ...REPORT, status: 'submitted' } })
    expect(page.querySelector('.actions')).toBeFalsy()
  })
})

describe('问题详情：处置人员', () => {
  const SUBMITTED = { ...REPORT, status: 'submitted', timeline: REPORT.timeline.slice(0, 1) }

  test('待受理的问题显示受理、派单、上报、驳回；服务端给 allowed_actions 时以它为准', async () => {
    const { page } = await open({ id: '5', mode: 'handler' }, { 'GET /reports/5': SUBMITTED })
    expect(page.data.actions.map(a => a.code)).toEqual(['accept', 'dispatch', 'escalate', 'reject'])
    const { page: other } = await open({ id: '5', mode: 'handler' }, { 'GET /reports/5': { ...SUBMITTED, allowed_actions: ['accept'] } })
    expect(other.data.actions.map(a => a.code)).toEqual(['accept'])
  })

  test('受理', async () => {
    const { page, calls } = await open({ id: '5', mode: 'handler' }, { 'GET /reports/5': SUBMITTED, 'POST /reports/5/actions': { id: 5 } })
    await tap(page, '.action-accept')
    await tap(page, '.action-submit')
    expect(apiCalls(calls).find(c => c.path === '/reports/5/actions').data).toEqual({ action: 'accept', note: '' })
    expect(wx.showToast).toHaveBeenCalledWith(expect.objectContaining({ title: '已受理' }))
  })

  test('派单要选成员单位，成员单位来自网格详情', async () => {
    const { page, calls } = await open(
      { id: '5', mode: 'handler', action: 'dispatch' },
      {
        'GET /reports/5': SUBMITTED,
        'GET /grids/40': { id: 40, name: '1号微网格', member_units: [{ id: 3, name: '物业' }, { id: 4, name: '城管中队' }] },
        'POST /reports/5/actions': { id: 5 },
      },
    )
    expect(page.querySelector('.action-form')).toBeTruthy()
    await tap(page, '.action-submit')
    expect(wx.showToast).toHaveBeenCalledWith(expect.objectContaining({ title: '请选择派往的成员单位' }))
    page.instance.onUnitChange({ detail: { value: '1' } })
    page.instance.onNoteInput({ detail: { value: '今天清运' } })
    await tap(page, '.action-submit')
    expect(apiCalls(calls).find(c => c.path === '/reports/5/actions').data).toEqual({ action: 'dispatch', note: '今天清运', member_unit_id: 4 })
  })

  test('驳回必须写理由；办结必须有照片和说明', async () => {
    const { page, calls } = await open({ id: '5', mode: 'handler' }, { 'GET /reports/5': { ...SUBMITTED, status: 'accepted' }, 'POST /reports/5/actions': { id: 5 } })
    await tap(page, '.action-reject')
    await tap(page, '.action-submit')
    expect(wx.showToast).toHaveBeenLastCalledWith(expect.objectContaining({ title: '请填写驳回理由' }))
    page.instance.onCancelAction()
    await tap(page, '.action-resolve')
    await tap(page, '.action-submit')
    expect(wx.showToast).toHaveBeenLastCalledWith(expect.objectContaining({ title: '请上传处理后的照片' }))
    page.instance.onPhotosChange({ detail: { ids: [9], uploading: false } })
    page.instance.onNoteInput({ detail: { value: '已清运完毕' } })
    await tap(page, '.action-submit')
    expect(apiCalls(calls).filter(c => c.path === '/reports/5/actions').map(c => c.data)).toEqual([
      { action: 'resolve', note: '已清运完毕', photo_ids: [9] },
    ])
  })

  test('打不开时显示错误', async () => {
    const { page } = await open({ id: '5', mode: 'handler' }, { 'GET /reports/5': { status: 403, data: { code: 'forbidden', message: '这不是您网格的问题', details: {} } } })
    expect(textOf(page)).toContain('这不是您网格的问题')
  })
})

const { render, settle, tap, mockBackend, resetClient, apiCalls, textOf } = require('../../test/helpers')

const TASK = { id: 7, title: '楼道杂物清理', description: '3号楼楼道', grid: { id: 40, name: '田林十二村1号微网格' }, deadline: '2024-05-03T18:00:00+08:00', points: 5, slots: 2, taken: 1, status: 'open', my_claim: null }

beforeEach(() => {
  resetClient()
  jest.spyOn(wx, 'showToast').mockImplementation(() => {})
})

async function open(routes) {
  const calls = mockBackend(routes)
  const page = render('pages/tasks/detail/index')
  page.instance.onLoad({ id: '7' })
  await settle()
  return { page, calls }
}

describe('微事项详情', () => {
  test('认领成功后显示"我的认领"和提交凭证入口', async () => {
    let claimed = false
    const { page, calls } = await open({
      'GET /tasks/7': () => (claimed ? { ...TASK, taken: 2, my_claim: { id: 55, status: 'claimed' } } : TASK),
      'POST /tasks/7/claims': () => {
        claimed = true
        return { status: 201, data: { id: 55, status: 'claimed' } }
      },
    })
    expect(textOf(page)).toContain('剩 1 / 共 2')
    await tap(page, '.claim')
    const sent = apiCalls(calls).find(c => c.method === 'POST')
    expect(sent.header['Idempotency-Key']).toBeTruthy()
    expect(page.querySelector('.my-claim')).toBeTruthy()
    expect(page.querySelector('.submit-proof')).toBeTruthy()
    expect(page.querySelector('.claim')).toBeFalsy()
  })

  test('名额已满（409 task_full）：提示服务端的话，页面写明名额没了，不再显示认领按钮', async () => {
    const { page } = await open({
      'GET /tasks/7': TASK,
      'POST /tasks/7/claims': { status: 409, data: { code: 'task_full', message: '名额已满，下次早点来', details: {} } },
    })
    await tap(page, '.claim')
    expect(wx.showToast).toHaveBeenCalledWith(expect.objectContaining({ title: '名额已满，下次早点来' }))
    expect(page.querySelector('.full-banner')).toBeTruthy()
    expect(textOf(page)).toContain('名额已被认领完了')
    expect(page.querySelector('.claim')).toBeFalsy()
  })

  test('提交完成凭证：说明和照片 id 一起发出', async () => {
    let submitted = false
    const { page, calls } = await open({
      'GET /tasks/7': () => ({ ...TASK, my_claim: { id: 55, status: submitted ? 'submitted' : 'claimed' } }),
      'POST /tasks/7/claims/55/submit': () => {
        submitted = true
        return { id: 55, status: 'submitted' }
      },
    })
    await tap(page, '.submit-proof')
    expect(wx.showToast).toHaveBeenCalledWith(expect.objectContaining({ title: '请拍照或写几句完成情况' }))
    page.instance.onNoteInput({ detail: { value: '已清理干净' } })
    page.instance.onPhotosChange({ detail: { ids: [3, 4], uploading: false } })
    await tap(page, '.submit-proof')
    const sent = apiCalls(calls).find(c => c.path === '/tasks/7/claims/55/submit')
    expect(sent.data).toEqual({ note: '已清理干净', photo_ids: [3, 4] })
    expect(textOf(page)).toContain('等待网格长验收')
  })

  test('放弃认领要先确认', async () => {
    jest.spyOn(wx, 'showModal').mockImplementation(o => o.success({ confirm: true }))
    const { page, calls } = await open({
      'GET /tasks/7': { ...TASK, my_claim: { id: 55, status: 'claimed' } },
      'POST /tasks/7/claims/55/release': { id: 55, status: 'released' },
    })
    await tap(page, '.release')
    expect(wx.showModal).toHaveBeenCalled()
    expect(apiCalls(calls).some(c => c.path === '/tasks/7/claims/55/release')).toBe(true)
  })

  test('网格长验收：通过发 approved:true；退回必须写原因', async () => {
    const claims = [{ id: 61, member_name: '李党员', status: 'submitted', note: '完成', photos: [{ id: 1, url: 'https://x/1.jpg' }] }]
    const { page, calls } = await open({
      'GET /tasks/7': { ...TASK, claims },
      'POST /tasks/7/claims/61/verify': { id: 61, status: 'verified' },
    })
    await tap(page, '.verify-approve')
    expect(apiCalls(calls).find(c => c.path === '/tasks/7/claims/61/verify').data).toEqual({ approved: true })

    jest.spyOn(wx, 'showModal').mockImplementation(o => o.success({ confirm: true, content: '照片看不清' }))
    await tap(page, '.verify-reject')
    const verifies = apiCalls(calls).filter(c => c.path === '/tasks/7/claims/61/verify')
    expect(verifies[1].data).toEqual({ approved: false, reason: '照片看不清' })
  })

  test('加载失败显示错误', async () => {
    const { page } = await open({ 'GET /tasks/7': { status: 404, data: { code: 'not_found', message: '微事项不存在', details: {} } } })
    expect(textOf(page)).toContain('微事项不存在')
  })
})

describe('微事项详情：被退回', () => {
  beforeEach(resetClient)

  test('凭证被退回后显示原因，可以重新提交', async () => {
    mockBackend({ 'GET /tasks/7': { ...TASK, remaining: 0, my_claim: { id: 55, status: 'claimed', reject_reason: '照片看不清' } } })
    const page = render('pages/tasks/detail/index')
    page.instance.onLoad({ id: '7' })
    await settle()
    expect(textOf(page)).toContain('凭证被退回：照片看不清')
    expect(textOf(page)).toContain('剩 0 / 共 2')
    expect(page.querySelector('.submit-proof')).toBeTruthy()
  })
})

const { render, settle, tap, mockBackend, resetClient, apiCalls, textOf, ME } = require('../../test/helpers')

beforeEach(() => {
  resetClient()
  jest.spyOn(wx, 'showToast').mockImplementation(() => {})
})

async function open(routes) {
  const calls = mockBackend({ 'GET /me': ME.resident, 'GET /grids': { items: [], total: 0 }, ...routes })
  const page = render('pages/party/register/index')
  page.instance.onLoad({})
  await settle()
  return { page, calls }
}

describe('双报到', () => {
  test('必填项缺了就提示，不发请求', async () => {
    const { page, calls } = await open({ 'GET /party/registrations': { items: [], total: 0 } })
    await tap(page, '.submit')
    expect(wx.showToast).toHaveBeenLastCalledWith(expect.objectContaining({ title: '请填写工作单位' }))
    expect(apiCalls(calls).some(c => c.method === 'POST')).toBe(false)
  })

  test('默认报到到我居住的网格，提交内容完整并带幂等键', async () => {
    let done = false
    const { page, calls } = await open({
      'GET /party/registrations': () => (done ? { items: [{ id: 1, status: 'pending', grid: { id: 40, name: '田林十二村1号微网格' }, employer_org: '某公司', created_at: '2024-05-01T09:00:00+08:00' }], total: 1 } : { items: [], total: 0 }),
      'POST /party/registrations': () => {
        done = true
        return { status: 201, data: { id: 1, status: 'pending' } }
      },
    })
    expect(textOf(page)).toContain('田林十二村1号微网格')
    page.instance.onInput({ currentTarget: { dataset: { field: 'employerOrg' } }, detail: { value: '某公司' } })
    page.instance.onInput({ currentTarget: { dataset: { field: 'employerPartyOrg' } }, detail: { value: '某公司党支部' } })
    await tap(page, page.querySelectorAll('.chip')[1])
    await tap(page, '.submit')
    const sent = apiCalls(calls).find(c => c.method === 'POST')
    expect(sent.data).toEqual({ employer_org: '某公司', employer_party_org: '某公司党支部', grid_id: 40, skills: ['治安巡逻'], available_times: [] })
    expect(sent.header['Idempotency-Key']).toBeTruthy()
    expect(textOf(page)).toContain('待审核')
    expect(page.querySelector('.apply-form')).toBeFalsy()
  })

  test('被驳回后显示原因并可以重新登记', async () => {
    const { page } = await open({
      'GET /party/registrations': { items: [{ id: 1, status: 'rejected', reject_reason: '不在本网格居住', grid: { id: 40, name: '1号微网格' }, employer_org: '某公司' }], total: 1 },
    })
    expect(textOf(page)).toContain('驳回原因：不在本网格居住')
    expect(page.querySelector('.apply-form')).toBeTruthy()
  })
})

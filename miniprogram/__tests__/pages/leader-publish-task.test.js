const { render, settle, tap, mockBackend, resetClient, apiCalls, textOf, ME } = require('../../test/helpers')

const NOW = Date.parse('2030-05-01T10:00:00+08:00')
const CATALOGUE = [
  { id: 3, code: 'PA-01', group: '平安', title: '楼道堆物巡查清理', description: '检查楼道、消防通道有无杂物堆放', points: 3, proof_required: ['photo'] },
  { id: 4, code: 'PA-03', group: '平安', title: '电瓶车飞线充电劝导', description: '夜间巡查楼栋周边', points: 4, proof_required: ['photo', 'note'] },
]

beforeEach(() => {
  resetClient()
  jest.spyOn(Date, 'now').mockReturnValue(NOW)
  jest.spyOn(wx, 'showToast').mockImplementation(() => {})
  jest.spyOn(wx, 'redirectTo').mockImplementation(() => {})
})

async function open(routes = {}, me = ME.leader) {
  const calls = mockBackend({ 'GET /me': me, 'GET /tasks/catalogue': { items: CATALOGUE, total: 2 }, ...routes })
  const page = render('pages/leader/publish-task/index')
  page.instance.onLoad({})
  await settle()
  return { page, calls }
}

function input(page, field, value) {
  page.instance.onInput({ currentTarget: { dataset: { field } }, detail: { value } })
}

const posts = calls => apiCalls(calls).filter(c => c.method === 'POST' && c.path === '/tasks')

// Free-written task with 2 slots and 5 points, due by the default deadline
async function freeForm(page) {
  await tap(page, '.mode-free')
  input(page, 'title', '3号楼楼道杂物清理')
  input(page, 'slots', '2')
  input(page, 'points', '5')
}

describe('发布微事项', () => {
  test('非网格长打开时只看到说明，不请求事项清单', async () => {
    const { page, calls } = await open({}, ME.member)
    expect(textOf(page)).toContain('只有网格长可以发布微事项')
    expect(page.querySelector('.submit')).toBeFalsy()
    expect(apiCalls(calls).map(c => `${c.method} ${c.path}`)).toEqual(['GET /me'])
  })

  test('从事项清单选：按分组筛选、搜索，选中后内容填好，可修改后发布', async () => {
    const { page, calls } = await open({ 'POST /tasks': { status: 201, data: { id: 55, title: '楼道堆物巡查清理' } } })
    const catalogueCalls = () => apiCalls(calls).filter(c => c.path === '/tasks/catalogue')
    expect(catalogueCalls()[0].query).toEqual({ page: '1', page_size: '20' })
    expect(textOf(page)).toContain('楼道堆物巡查清理')
    await tap(page, page.querySelectorAll('.groups .chip')[1])
    expect(catalogueCalls()[1].query).toEqual({ group: '平安', page: '1', page_size: '20' })
    page.instance.onSearchInput({ detail: { value: ' 充电 ' } })
    await tap(page, '.search-go')
    expect(catalogueCalls()[2].query).toEqual({ group: '平安', q: '充电', page: '1', page_size: '20' })
    await tap(page, page.querySelectorAll('.catalogue-item')[1])
    expect(textOf(page)).toContain('平安 · 电瓶车飞线充电劝导')
    expect(page.data).toEqual(expect.objectContaining({ title: '电瓶车飞线充电劝导', points: '4', proof: { photo: true, note: true } }))
    input(page, 'slots', '3')
    input(page, 'points', '6') // the leader may change what the catalogue suggests
    await tap(page, '.submit')
    const [sent] = posts(calls)
    expect(sent.data).toEqual({
      grid_id: 30,
      catalogue_item_id: 4,
      title: '电瓶车飞线充电劝导',
      description: '夜间巡查楼栋周边',
      slots: 3,
      points: 6,
      deadline: '2030-05-08T18:00:00+08:00',
      proof_required: ['photo', 'note'],
    })
    expect(sent.header['Idempotency-Key']).toMatch(/^[0-9a-f-]{36}$/)
    expect(wx.showToast).toHaveBeenCalledWith(expect.objectContaining({ title: '发布成功', icon: 'success' }))
    expect(wx.redirectTo).toHaveBeenCalledWith({ url: '/pages/tasks/detail/index?id=55' })
  })

  test('清单模式下没选事项就提示', async () => {
    const { page, calls } = await open()
    await tap(page, '.submit')
    expect(textOf(page)).toContain('请从事项清单中选一项，或改为自拟')
    expect(posts(calls)).toHaveLength(0)
  })

  test('清单多于一页时可以查看更多', async () => {
    const { page, calls } = await open({
      'GET /tasks/catalogue': req => (req.query.page === '1' ? { items: [CATALOGUE[0]], total: 2 } : { items: [CATALOGUE[1]], total: 2 }),
    })
    await tap(page, '.catalogue-more')
    expect(apiCalls(calls).filter(c => c.path === '/tasks/catalogue').map(c => c.query.page)).toEqual(['1', '2'])
    expect(page.querySelectorAll('.catalogue-item')).toHaveLength(2)
    expect(page.querySelector('.catalogue-more')).toBeFalsy()
  })

  test('街道还没有事项清单时直接进入自拟', async () => {
    const { page } = await open({ 'GET /tasks/catalogue': { items: [], total: 0 } })
    expect(page.data.mode).toBe('free')
    expect(page.querySelector('.task-fields')).toBeTruthy()
  })

  test('自拟：发布的内容不带清单项；默认要求照片凭证', async () => {
    const { page, calls } = await open({ 'POST /tasks': { status: 201, data: { id: 56 } } })
    await freeForm(page)
    input(page, 'description', '  把杂物搬到集中堆放点  ')
    await tap(page, '.submit')
    expect(posts(calls)[0].data).toEqual({
      grid_id: 30,
      title: '3号楼楼道杂物清理',
      description: '把杂物搬到集中堆放点',
      slots: 2,
      points: 5,
      deadline: '2030-05-08T18:00:00+08:00',
      proof_required: ['photo'],
    })
    expect(wx.redirectTo).toHaveBeenCalledWith({ url: '/pages/tasks/detail/index?id=56' })
  })

  test('自拟空表单：逐项提示，不发请求', async () => {
    const { page, calls } = await open()
    await tap(page, '.mode-free')
    await tap(page, '.submit')
    const text = textOf(page)
    expect(text).toContain('请填写微事项名称')
    expect(text).toContain('请填写名额')
    expect(text).toContain('请填写完成后可得的积分')
    expect(wx.showToast).toHaveBeenCalledWith(expect.objectContaining({ title: '请填写微事项名称' }))
    expect(posts(calls)).toHaveLength(0)
  })

  test.each([
    ['名额为 0', p => input(p, 'slots', '0'), '名额须为1到1000之间的整数'],
    ['名额超过 1000', p => input(p, 'slots', '1001'), '名额须为1到1000之间的整数'],
    ['积分为 0', p => input(p, 'points', '0'), '积分须为1到100之间的整数'],
    ['积分超过 100', p => input(p, 'points', '101'), '积分须为1到100之间的整数'],
    ['名称过长', p => input(p, 'title', '事'.repeat(101)), '名称最多100个字'],
    ['截止时间已过', p => p.instance.onPickTime({ currentTarget: { dataset: { field: 'deadlineDate' } }, detail: { value: '2030-04-30' } }), '截止时间必须晚于现在'],
    ['不要任何凭证', async p => tap(p, '.proof-photo'), '请至少选择一种完成凭证'],
  ])('%s：提示并不发请求', async (_, change, message) => {
    const { page, calls } = await open()
    await freeForm(page)
    await change(page)
    await tap(page, '.submit')
    expect(textOf(page)).toContain(message)
    expect(wx.showToast).toHaveBeenLastCalledWith(expect.objectContaining({ title: message }))
    expect(posts(calls)).toHaveLength(0)
  })

  test('凭证可改为只要文字说明', async () => {
    const { page, calls } = await open({ 'POST /tasks': { status: 201, data: { id: 57 } } })
    await freeForm(page)
    await tap(page, '.proof-note')
    await tap(page, '.proof-photo')
    await tap(page, '.submit')
    expect(posts(calls)[0].data.proof_required).toEqual(['note'])
  })

  test('断网后再点一次：沿用同一个 Idempotency-Key', async () => {
    let fail = true
    const { page, calls } = await open({ 'POST /tasks': () => (fail ? { networkError: true } : { status: 201, data: { id: 58 } }) })
    await freeForm(page)
    await tap(page, '.submit')
    expect(textOf(page)).toContain('网络超时，请稍后重试')
    fail = false
    await tap(page, '.submit')
    const keys = posts(calls).map(c => c.header['Idempotency-Key'])
    expect(keys).toHaveLength(4)
    expect(new Set(keys).size).toBe(1)
    expect(wx.redirectTo).toHaveBeenCalledWith({ url: '/pages/tasks/detail/index?id=58' })
  })

  test('提交中不能再点：连点两次只发一个请求', async () => {
    const { page, calls } = await open({ 'POST /tasks': { status: 201, data: { id: 59 } } })
    await freeForm(page)
    page.instance.onSubmit()
    expect(page.data.submitting).toBe(true)
    page.instance.onSubmit()
    await settle()
    expect(posts(calls)).toHaveLength(1)
  })

  test('服务端的错误原样显示；字段错误落在对应字段下，英文的内置提示换成中文', async () => {
    const { page } = await open({
      'POST /tasks': { status: 422, data: { code: 'validation_error', message: '提交的内容有误，请检查后重试', details: { fields: { json: { slots: ['Must be greater than or equal to 1 and less than or equal to 1000.'] } } } } },
    })
    await freeForm(page)
    await tap(page, '.submit')
    expect(page.querySelector('.form-error')).toBeTruthy()
    expect(textOf(page)).toContain('提交的内容有误，请检查后重试')
    // marshmallow's English text is not shown to the user; the field is still marked
    expect(page.data.errors.slots).toBe('此项填写有误，请检查')
    expect(textOf(page)).not.toContain('Must be')
    expect(wx.redirectTo).not.toHaveBeenCalled()
  })

  test('选的清单项已被删除：显示服务端的说明，清掉所选并刷新清单', async () => {
    const { page, calls } = await open({
      'POST /tasks': { status: 422, data: { code: 'catalogue_item_not_found', message: '事项清单中没有这一项，请刷新后重选', details: {} } },
    })
    await tap(page, '.catalogue-item')
    input(page, 'slots', '1')
    await tap(page, '.submit')
    expect(page.data.chosen).toBe(null)
    expect(textOf(page)).toContain('事项清单中没有这一项，请刷新后重选')
    expect(apiCalls(calls).filter(c => c.path === '/tasks/catalogue')).toHaveLength(2)
  })

  test('管理多个网格时须先选择网格', async () => {
    const me = { ...ME.leader, roles: [{ role: 'grid_leader', grid: { id: 30, name: '田林十二村居民区', level: 3 } }, { role: 'grid_leader', grid: { id: 31, name: '田林十三村居民区', level: 3 } }] }
    const { page, calls } = await open({ 'POST /tasks': { status: 201, data: { id: 60 } } }, me)
    await freeForm(page)
    await tap(page, '.submit')
    expect(textOf(page)).toContain('请选择发布微事项的网格')
    expect(posts(calls)).toHaveLength(0)
    await tap(page, '.change-grid')
    const picker = page.querySelector('.grid-picker')
    await tap(picker, picker.querySelectorAll('.gp-pick')[1])
    await tap(page, '.submit')
    expect(posts(calls)[0].data.grid_id).toBe(31)
  })
})

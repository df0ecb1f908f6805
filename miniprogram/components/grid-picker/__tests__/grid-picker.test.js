const { render, settle, tap, mockBackend, resetClient, textOf, apiCalls } = require('../../../test/helpers')

beforeEach(resetClient)

const TREE = {
  root: [{ id: 1, code: 'TL', name: '田林街道', level: 1, has_children: true }],
  1: [{ id: 2, code: 'TL-1', name: '第一片区', level: 2, has_children: true }],
  2: [
    { id: 3, code: 'TL-1-1', name: '田林十二村', level: 3, has_children: true },
    { id: 9, code: 'TL-1-9', name: '漕河泾商务楼宇', level: 3, has_children: false },
  ],
}

function backend() {
  return mockBackend({
    'GET /grids': req => ({ items: TREE[req.query.parent_id || 'root'] || [], total: 0 }),
  })
}

describe('grid-picker', () => {
  test('逐级点进去，面包屑可以回到上级', async () => {
    const calls = backend()
    const comp = render('components/grid-picker/index')
    await settle()
    expect(textOf(comp)).toContain('田林街道')
    expect(comp.querySelector('.gp-pick')).toBeFalsy() // 街道级不能直接选
    await tap(comp, '.gp-main')
    await tap(comp, '.gp-main')
    expect(textOf(comp)).toContain('田林十二村')
    expect(apiCalls(calls).map(c => c.query.parent_id)).toEqual([undefined, '1', '2'])
    await tap(comp, comp.querySelectorAll('.gp-crumb')[0])
    expect(textOf(comp)).toContain('田林街道')
  })

  test('没有下级的网格可以选，选中时带上完整路径', async () => {
    backend()
    const comp = render('components/grid-picker/index')
    const onSelect = jest.fn()
    comp.addEventListener('select', onSelect)
    await settle()
    await tap(comp, '.gp-main')
    await tap(comp, '.gp-main')
    const picks = comp.querySelectorAll('.gp-pick')
    expect(picks).toHaveLength(1)
    await tap(comp, picks[0])
    expect(onSelect.mock.calls[0][0].detail.grid).toEqual({ id: 9, name: '漕河泾商务楼宇', level: 3, path: '田林街道 / 第一片区 / 漕河泾商务楼宇' })
  })

  test('加载失败显示错误并可重试', async () => {
    let fail = true
    mockBackend({ 'GET /grids': () => (fail ? { status: 503, data: { code: 'unavailable', message: '服务繁忙', details: {} } } : { items: TREE.root, total: 1 }) })
    const comp = render('components/grid-picker/index')
    await settle()
    expect(textOf(comp)).toContain('服务繁忙')
    fail = false
    await tap(comp.querySelector('.gp-state'), '.state-retry')
    expect(textOf(comp)).toContain('田林街道')
  })

  test('给了 roots 时从这些网格开始（不请求顶层），任一级都可选', async () => {
    const calls = backend()
    const comp = render('components/grid-picker/index', { roots: [{ id: 2, name: '第一片区', level: 2 }], minLevel: 1 })
    const onSelect = jest.fn()
    comp.addEventListener('select', onSelect)
    await settle()
    expect(textOf(comp)).toContain('我管理的网格')
    expect(textOf(comp)).toContain('第一片区')
    expect(apiCalls(calls)).toHaveLength(0)
    await tap(comp, '.gp-main')
    expect(apiCalls(calls).map(c => c.query.parent_id)).toEqual(['2'])
    expect(comp.querySelectorAll('.gp-pick')).toHaveLength(2)
    await tap(comp, comp.querySelectorAll('.gp-crumb')[0])
    expect(apiCalls(calls)).toHaveLength(1) // back at the roots without asking the server
    await tap(comp, '.gp-pick')
    expect(onSelect.mock.calls[0][0].detail.grid).toEqual({ id: 2, name: '第一片区', level: 2, path: '第一片区' })
  })
})

const { render, settle, textOf } = require('../../../test/helpers')

describe('status-tag', () => {
  test('问题状态显示中文名和对应颜色', async () => {
    const comp = render('components/status-tag/index', { status: 'resolved' })
    await settle(1)
    expect(textOf(comp)).toBe('待评价')
    expect(comp.querySelector('.tag-success')).toBeTruthy()
  })

  test('认领状态用 kind="claim"', async () => {
    const comp = render('components/status-tag/index', { status: 'submitted', kind: 'claim' })
    await settle(1)
    expect(textOf(comp)).toBe('已提交，待验收')
  })

  test('未知状态原样显示', async () => {
    const comp = render('components/status-tag/index', { status: 'archived' })
    await settle(1)
    expect(textOf(comp)).toBe('archived')
  })
})

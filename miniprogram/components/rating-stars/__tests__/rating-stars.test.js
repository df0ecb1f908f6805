const { render, settle, textOf, tap } = require('../../../test/helpers')

describe('rating-stars', () => {
  test('点第四颗星得 4 分并显示"满意"', async () => {
    const comp = render('components/rating-stars/index')
    const onChange = jest.fn()
    comp.addEventListener('change', onChange)
    await tap(comp, comp.querySelectorAll('.star')[3])
    expect(onChange.mock.calls[0][0].detail).toEqual({ value: 4 })
    expect(comp.querySelectorAll('.star-on')).toHaveLength(4)
    expect(textOf(comp)).toContain('满意')
  })

  test('只读时点击无效', async () => {
    const comp = render('components/rating-stars/index', { value: 2, readonly: true })
    const onChange = jest.fn()
    comp.addEventListener('change', onChange)
    await tap(comp, comp.querySelectorAll('.star')[4])
    expect(onChange).not.toHaveBeenCalled()
    expect(comp.querySelectorAll('.star-on')).toHaveLength(2)
  })
})

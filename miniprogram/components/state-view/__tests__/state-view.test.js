const { render, textOf, tap } = require('../../../test/helpers')

describe('state-view', () => {
  test('加载中时只显示加载提示', () => {
    const comp = render('components/state-view/index', { loading: true })
    expect(textOf(comp)).toContain('加载中')
    expect(comp.querySelector('.state-retry')).toBeFalsy()
  })

  test('出错时显示服务端的中文信息，点重试触发 retry', async () => {
    const comp = render('components/state-view/index', { error: '网络不给力，请检查网络后重试' })
    const onRetry = jest.fn()
    comp.addEventListener('retry', onRetry)
    expect(textOf(comp)).toContain('网络不给力')
    await tap(comp, '.state-retry')
    expect(onRetry).toHaveBeenCalled()
  })

  test('为空时显示空提示', () => {
    const comp = render('components/state-view/index', { empty: true, emptyText: '还没有上报过问题' })
    expect(textOf(comp)).toContain('还没有上报过问题')
  })
})

const { render, settle } = require('../../../test/helpers')
const { qrMatrix, drawQr } = require('../../../utils/qr')

function fakeContext() {
  const rects = []
  return {
    rects,
    fillStyle: '',
    scale: jest.fn(),
    fillRect(x, y, w, h) {
      rects.push({ x, y, w, h, color: this.fillStyle })
    },
  }
}

describe('utils/qr', () => {
  test('生成的矩阵有三个定位角', () => {
    const { count, isDark } = qrMatrix('wgt.v1.42.1717000000.abcdef')
    expect(count).toBeGreaterThanOrEqual(21)
    // 定位图案：7x7 的外框是深色，内圈一圈是浅色
    for (const [r, c] of [[0, 0], [0, count - 7], [count - 7, 0]]) {
      expect(isDark(r, c)).toBe(true)
      expect(isDark(r + 6, c + 6)).toBe(true)
      expect(isDark(r + 1, c + 1)).toBe(false)
      expect(isDark(r + 3, c + 3)).toBe(true)
    }
  })

  test('先铺白底，再画每个深色模块', () => {
    const ctx = fakeContext()
    const count = drawQr(ctx, 'hello', 290)
    const { isDark } = qrMatrix('hello')
    let dark = 0
    for (let r = 0; r < count; r++) for (let c = 0; c < count; c++) if (isDark(r, c)) dark++
    expect(ctx.rects[0]).toEqual({ x: 0, y: 0, w: 290, h: 290, color: '#ffffff' })
    expect(ctx.rects.length - 1).toBe(dark)
    expect(ctx.rects.slice(1).every(r => r.color === '#000000')).toBe(true)
  })
})

describe('qr-code', () => {
  test('text 变化时在 canvas 上重画', async () => {
    const comp = render('components/qr-code/index', { size: 200 })
    const ctx = fakeContext()
    const canvas = { width: 0, height: 0, getContext: () => ctx }
    comp.instance.createSelectorQuery = () => ({
      select: () => ({ fields: () => ({ exec: cb => cb([{ node: canvas }]) }) }),
    })
    const drawn = jest.fn()
    comp.addEventListener('drawn', drawn)
    comp.setData({ text: 'token-1' })
    await settle(1)
    expect(canvas.width).toBe(200 * wx.getWindowInfo().pixelRatio)
    expect(ctx.rects.length).toBeGreaterThan(1)
    comp.setData({ text: 'token-2' })
    await settle(1)
    expect(drawn.mock.calls.map(c => c[0].detail.text)).toEqual(['token-1', 'token-2'])
  })

  test('canvas 还没准备好时不报错', async () => {
    const comp = render('components/qr-code/index')
    comp.setData({ text: 'x' })
    await settle(1)
    expect(comp.querySelector('#qr')).toBeTruthy()
  })
})

// 把 text 画成二维码（canvas 2d）。text 变化时重画。
const { drawQr } = require('../../utils/qr')

Component({
  properties: {
    text: { type: String, value: '' },
    size: { type: Number, value: 260 }, // 显示边长（px）
  },
  observers: {
    'text, size'() {
      this.draw()
    },
  },
  lifetimes: {
    ready() {
      this.draw()
    },
  },
  methods: {
    draw() {
      const { text, size } = this.data
      if (!text) return
      this.createSelectorQuery()
        .select('#qr')
        .fields({ node: true, size: true })
        .exec(res => {
          const canvas = res && res[0] && res[0].node
          if (!canvas) return // 组件还没渲染完，ready 时会再画
          const dpr = (wx.getWindowInfo ? wx.getWindowInfo().pixelRatio : 2) || 2
          canvas.width = size * dpr
          canvas.height = size * dpr
          const ctx = canvas.getContext('2d')
          ctx.scale(dpr, dpr)
          drawQr(ctx, text, size)
          this.triggerEvent('drawn', { text })
        })
    },
  },
})

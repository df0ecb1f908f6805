// 1 到 5 星评分。
const LABELS = ['', '很不满意', '不满意', '一般', '满意', '非常满意']

Component({
  properties: {
    value: { type: Number, value: 0 },
    readonly: { type: Boolean, value: false },
  },
  data: { stars: [1, 2, 3, 4, 5], label: '' },
  observers: {
    value(v) {
      this.setData({ label: LABELS[v] || '' })
    },
  },
  methods: {
    onTap(e) {
      if (this.data.readonly) return
      const value = Number(e.currentTarget.dataset.value)
      this.setData({ value })
      this.triggerEvent('change', { value })
    },
  },
})

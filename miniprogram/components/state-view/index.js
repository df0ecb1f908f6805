// 加载中 / 出错（可重试）/ 为空 三种状态；都不是时显示插槽内容。
Component({
  properties: {
    loading: { type: Boolean, value: false },
    error: { type: String, value: '' },
    empty: { type: Boolean, value: false },
    emptyText: { type: String, value: '暂无内容' },
  },
  methods: {
    onRetry() {
      this.triggerEvent('retry')
    },
  },
})

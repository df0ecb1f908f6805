// 提示与对话框：把 wx 的回调式接口包成 Promise，错误统一用 toast 显示服务端的中文 message。

function errorMessage(err) {
  return (err && err.message) || '出错了，请稍后重试'
}

function showError(err) {
  wx.showToast({ title: errorMessage(err), icon: 'none', duration: 2500 })
}

function showSuccess(title) {
  wx.showToast({ title, icon: 'success' })
}

// 确认框；editable 为真时返回输入的文字，取消返回 null
function confirm({ title, content = '', editable = false, placeholderText = '', confirmText = '确定' }) {
  return new Promise(resolve => {
    wx.showModal({
      title,
      content,
      editable,
      placeholderText,
      confirmText,
      success: res => resolve(res.confirm ? (editable ? res.content || '' : true) : null),
      fail: () => resolve(null),
    })
  })
}

// 底部操作菜单；返回选中的下标，取消返回 -1
function actionSheet(itemList) {
  return new Promise(resolve => {
    wx.showActionSheet({
      itemList,
      success: res => resolve(res.tapIndex),
      fail: () => resolve(-1),
    })
  })
}

// 打开页面，路径参数用对象给出
function go(url, query) {
  const qs = query
    ? Object.keys(query)
        .filter(k => query[k] !== undefined && query[k] !== null)
        .map(k => `${k}=${encodeURIComponent(query[k])}`)
        .join('&')
    : ''
  return wx.navigateTo({ url: qs ? `${url}?${qs}` : url })
}

module.exports = { errorMessage, showError, showSuccess, confirm, actionSheet, go }

// 在用户点按提交的那一刻请求订阅消息（微信只允许在点击时弹出）；无论结果如何都不阻碍提交。
function askSubscribe(templateIds) {
  if (!templateIds || !templateIds.length || !wx.requestSubscribeMessage) return Promise.resolve(null)
  return new Promise(resolve => {
    wx.requestSubscribeMessage({
      tmplIds: templateIds,
      success: res => resolve(res),
      fail: () => resolve(null),
    })
  })
}

module.exports = { askSubscribe }

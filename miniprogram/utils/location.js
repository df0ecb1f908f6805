// 位置：getLocation 取当前位置，chooseLocation 在地图上选点；拒绝授权时返回 null 并说明原因。

function getLocation() {
  return new Promise(resolve => {
    wx.getLocation({
      type: 'gcj02',
      success: res => resolve({ lat: res.latitude, lng: res.longitude, address: '' }),
      fail: err => resolve({ error: /auth|deny|denied/i.test((err && err.errMsg) || '') ? 'denied' : 'failed' }),
    })
  })
}

function chooseLocation() {
  return new Promise(resolve => {
    wx.chooseLocation({
      success: res => resolve({ lat: res.latitude, lng: res.longitude, address: [res.address, res.name].filter(Boolean).join(' ') }),
      fail: () => resolve(null),
    })
  })
}

module.exports = { getLocation, chooseLocation }

// 幂等键：一次用户操作生成一个，网络失败后再点一次仍沿用同一个；内容变了就换新的。

// RFC 4122 v4 格式的随机串
function newIdempotencyKey() {
  const hex = []
  for (let i = 0; i < 32; i++) hex.push(Math.floor(Math.random() * 16).toString(16))
  hex[12] = '4'
  hex[16] = ((parseInt(hex[16], 16) & 0x3) | 0x8).toString(16)
  const s = hex.join('')
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`
}

/**
 * 一个页面上的一种创建操作用一个 ActionKey：
 *   const key = this._key.for(payload)  // 同样的内容重复提交得到同一个键
 *   ...成功后 this._key.done()          // 下一次操作换新键
 */
class ActionKey {
  constructor() {
    this.fingerprint = null
    this.key = null
  }

  for(payload) {
    const fingerprint = JSON.stringify(payload)
    if (fingerprint !== this.fingerprint) {
      this.fingerprint = fingerprint
      this.key = newIdempotencyKey()
    }
    return this.key
  }

  done() {
    this.fingerprint = null
    this.key = null
  }
}

module.exports = { newIdempotencyKey, ActionKey }

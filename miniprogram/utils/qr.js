// 把文字画成二维码：用 vendor/qrcode.js（qrcode-generator，MIT）算出模块，再画到 canvas 2d 上。
const qrcode = require('./vendor/qrcode')

/** 文字 → 二维码模块矩阵（纠错等级 M，版本自动） */
function qrMatrix(text) {
  const qr = qrcode(0, 'M')
  qr.addData(String(text))
  qr.make()
  const count = qr.getModuleCount()
  return { count, isDark: (row, col) => qr.isDark(row, col) }
}

/** 在 ctx 上画一个边长 size（像素）的二维码，四周留 margin 个模块的白边 */
function drawQr(ctx, text, size, margin = 2) {
  const { count, isDark } = qrMatrix(text)
  const cell = size / (count + margin * 2)
  ctx.fillStyle = '#ffffff'
  ctx.fillRect(0, 0, size, size)
  ctx.fillStyle = '#000000'
  for (let r = 0; r < count; r++) {
    for (let c = 0; c < count; c++) {
      if (isDark(r, c)) {
        // 向上取整避免相邻模块之间出现细缝
        const x = Math.floor((c + margin) * cell)
        const y = Math.floor((r + margin) * cell)
        ctx.fillRect(x, y, Math.ceil(cell), Math.ceil(cell))
      }
    }
  }
  return count
}

module.exports = { qrMatrix, drawQr }

// 时间、距离等显示格式。

function pad(n) {
  return n < 10 ? `0${n}` : `${n}`
}

// ISO 时间 → "2024-05-01 14:30"（按手机本地时区显示）
function formatTime(iso) {
  if (!iso) return ''
  const d = new Date(iso)
  if (Number.isNaN(d.getTime())) return String(iso)
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`
}

// 米 → "80米" / "1.2公里"
function formatDistance(m) {
  if (m === undefined || m === null) return ''
  if (m < 1000) return `${Math.round(m)}米`
  return `${(m / 1000).toFixed(1)}公里`
}

// 0.934 → "93.4%"；已经是百分数（>1）的原样加 %
function formatRate(x) {
  if (x === undefined || x === null) return '—'
  const v = x <= 1 ? x * 100 : x
  return `${Math.round(v * 10) / 10}%`
}

// 微事项剩余名额：服务端给 remaining 就用它，否则用 slots - taken
function slotsLeft(task) {
  if (typeof task.remaining === 'number') return task.remaining
  return Math.max(0, (task.slots || 0) - (task.taken || 0))
}

module.exports = { formatTime, formatDistance, formatRate, slotsLeft }

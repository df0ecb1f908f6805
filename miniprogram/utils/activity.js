// 活动的显示字段。
const { formatTime } = require('./format')

// 服务端通常直接给 kind_name，这里只在没给时兜底
const ACTIVITY_KINDS = {
  volunteer: '志愿服务',
  party_day: '主题党日',
  patrol: '网格巡查',
  council: '议事会',
  other: '其他活动',
}

function activityView(a) {
  const start = formatTime(a.starts_at)
  const end = formatTime(a.ends_at)
  // 同一天结束只显示结束的时分
  const when = end && end.slice(0, 10) === start.slice(0, 10) ? `${start} – ${end.slice(11)}` : [start, end].filter(Boolean).join(' – ')
  return { ...a, kindName: a.kind_name || ACTIVITY_KINDS[a.kind] || '活动', when }
}

module.exports = { ACTIVITY_KINDS, activityView }

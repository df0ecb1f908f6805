// Wall-clock times for forms. Streets are in Shanghai (UTC+8, no daylight saving), so a date and
// time a leader picks are read as Shanghai time whatever the phone's own time zone is, and sent
// to the API with an explicit offset.

const OFFSET = '+08:00'
const OFFSET_MS = 8 * 3600 * 1000
const DAY_MS = 24 * 3600 * 1000

function pad(n) {
  return n < 10 ? `0${n}` : `${n}`
}

/** The Shanghai date ("2024-05-01") and time ("14:30") of an instant in milliseconds */
function shanghaiParts(ms) {
  const d = new Date(ms + OFFSET_MS)
  return {
    date: `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`,
    time: `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`,
  }
}

/** "2024-05-01" + "14:30" → "2024-05-01T14:30:00+08:00"; empty when either is missing */
function toIso(date, time) {
  return date && time ? `${date}T${time}:00${OFFSET}` : ''
}

/** The instant of a Shanghai date and time in milliseconds; NaN when either is missing */
function toMs(date, time) {
  const iso = toIso(date, time)
  return iso ? Date.parse(iso) : NaN
}

/** The Shanghai date n days after today's (n may be 0) */
function shanghaiDate(n = 0, now = Date.now()) {
  return shanghaiParts(now + n * DAY_MS).date
}

module.exports = { DAY_MS, shanghaiParts, toIso, toMs, shanghaiDate }

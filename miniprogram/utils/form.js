// Form helpers shared by the publishing pages: the server's own text rules, number parsing,
// and the field messages of a 422 envelope (details.fields.json.<field>).

// One line of text: no line breaks or other control characters (the server's PLAIN rule).
const PLAIN = /^[^\x00-\x1f\x7f]*$/
// Free text: line breaks and tabs allowed, other control characters not (the server's TEXT rule).
const TEXT = /^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$/

/** A whole number written in a field, or NaN (empty, decimals, signs and letters are not) */
function parseIntStrict(value) {
  const s = `${value === undefined || value === null ? '' : value}`.trim()
  return /^\d+$/.test(s) ? Number(s) : NaN
}

/** A non-negative decimal number written in a field, or NaN */
function parseDecimal(value) {
  const s = `${value === undefined || value === null ? '' : value}`.trim()
  return /^\d+(\.\d+)?$/.test(s) ? Number(s) : NaN
}

function firstMessage(value) {
  if (typeof value === 'string') return value
  if (Array.isArray(value)) return value.map(firstMessage).find(Boolean) || ''
  if (value && typeof value === 'object') return Object.values(value).map(firstMessage).find(Boolean) || ''
  return ''
}

// The backend answers field errors in Chinese; should one arrive without (a library default it
// missed), users still read Chinese: this instead.
const UNTRANSLATED = '此项填写有误，请检查'
const HAN = /[\u4e00-\u9fff]/

/**
 * The per-field messages of a validation error, renamed to the form's own field names:
 * fieldErrors(err, { ends_at: 'end' }) → { end: '结束时间须晚于开始时间' }. Fields the map
 * does not name are left out (the envelope's message is shown for them).
 */
function fieldErrors(err, names) {
  const fields = (err && err.details && err.details.fields) || {}
  const out = {}
  Object.keys(fields).forEach(location => {
    const byField = fields[location] || {}
    Object.keys(byField).forEach(field => {
      const name = names[field]
      const message = firstMessage(byField[field])
      if (name && message && !out[name]) out[name] = HAN.test(message) ? message : UNTRANSLATED
    })
  })
  return out
}

/** Length as the server counts it (code points, so an emoji is one) */
function charCount(s) {
  return [...(s || '')].length
}

module.exports = { PLAIN, TEXT, parseIntStrict, parseDecimal, charCount, fieldErrors }

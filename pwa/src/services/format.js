// Dates and times for the screens, in the UI language, in China's time zone (Asia/Shanghai)
// whatever the phone's own zone: a meeting at 14:30 reads 14:30 on every phone.
import { i18n } from '../i18n/index.js'
import { CHINA_TZ, chinaDate, chinaToday } from '../clock.js'

const loc = () => i18n.global.locale.value
const fmt = (options) => new Intl.DateTimeFormat(loc(), { timeZone: CHINA_TZ, ...options })

export function formatDateTime(value) {
  if (value == null) return ''
  const d = new Date(value)
  if (Number.isNaN(d.getTime())) return ''
  return fmt({ month: 'short', day: 'numeric', weekday: 'short', hour: '2-digit', minute: '2-digit' }).format(d)
}

export function formatTime(value) {
  if (value == null) return ''
  const d = new Date(value)
  if (Number.isNaN(d.getTime())) return ''
  const sameDay = chinaDate(d.getTime()) === chinaToday()
  const opts = sameDay ? { hour: '2-digit', minute: '2-digit' } : { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' }
  return fmt(opts).format(d)
}

/** A calendar date (YYYY-MM-DD, a date of China's calendar) or a moment, as China's date. */
export function formatDate(value) {
  if (!value) return ''
  // A bare date is read as midnight in China, so it names the same day in every zone.
  const d = new Date(String(value).length === 10 ? `${value}T00:00:00+08:00` : value)
  if (Number.isNaN(d.getTime())) return String(value)
  return fmt({ year: 'numeric', month: 'long', day: 'numeric' }).format(d)
}

export function formatRange(starts, ends) {
  if (!starts) return ''
  const s = new Date(starts)
  const e = new Date(ends)
  const end = fmt({ hour: '2-digit', minute: '2-digit' }).format(e)
  return `${formatDateTime(s)} – ${end}`
}

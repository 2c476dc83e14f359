// Dates and times for the screens, in the UI language, on the device's clock.
import { i18n } from '../i18n/index.js'

const loc = () => i18n.global.locale.value

export function formatDateTime(value) {
  if (value == null) return ''
  const d = new Date(value)
  if (Number.isNaN(d.getTime())) return ''
  return new Intl.DateTimeFormat(loc(), { month: 'short', day: 'numeric', weekday: 'short', hour: '2-digit', minute: '2-digit' }).format(d)
}

export function formatTime(value) {
  if (value == null) return ''
  const d = new Date(value)
  if (Number.isNaN(d.getTime())) return ''
  const sameDay = new Date().toDateString() === d.toDateString()
  const opts = sameDay ? { hour: '2-digit', minute: '2-digit' } : { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' }
  return new Intl.DateTimeFormat(loc(), opts).format(d)
}

export function formatDate(value) {
  if (!value) return ''
  const d = new Date(String(value).length === 10 ? `${value}T00:00:00` : value)
  if (Number.isNaN(d.getTime())) return String(value)
  return new Intl.DateTimeFormat(loc(), { year: 'numeric', month: 'long', day: 'numeric' }).format(d)
}

export function formatRange(starts, ends) {
  if (!starts) return ''
  const s = new Date(starts)
  const e = new Date(ends)
  const end = new Intl.DateTimeFormat(loc(), { hour: '2-digit', minute: '2-digit' }).format(e)
  return `${formatDateTime(s)} – ${end}`
}

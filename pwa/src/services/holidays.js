// Loading the State Council's holiday schedule (server/calendar): the top-level committee's
// administrator enters date ranges of rest days and single make-up working days, or uploads a CSV
// (日期,类型,名称); the server previews what would move (POST …/preview, nothing saved) and saves it
// (PUT). Online only: it moves every branch's plan. The helpers below are pure (tests/holidays.test.js).
import { request } from '../net.js'

export const holidaysApi = {
  status: () => request('GET', '/calendar/status'),
  year: (year) => request('GET', `/calendar/years/${year}`),
  preview: (year, body) => request('POST', `/calendar/years/${year}/preview`, { body }),
  save: (year, body) => request('PUT', `/calendar/years/${year}`, { body }),
}

// The longest holiday a range may name (the Spring Festival is 8 or 9 days): a longer one is a typo.
export const MAX_RANGE_DAYS = 31

const DAY_MS = 86400000
const iso = (ms) => new Date(ms).toISOString().slice(0, 10)
const ms = (day) => Date.parse(`${day}T00:00:00Z`)
const isDay = (value) => /^\d{4}-\d{2}-\d{2}$/.test(value ?? '') && !Number.isNaN(ms(value))

/** The year whose schedule to load by default: next year from November on (when the State
 *  Council publishes it), else this one. `today` is 'YYYY-MM-DD' (clock.js chinaToday). */
export function defaultYear(today) {
  const [y, m] = today.split('-').map(Number)
  return m >= 11 ? y + 1 : y
}

/**
 * The form as the server's `days`, or the problems to fix first:
 * → { days: [{date, kind, name}], problems: [{key, params}] } (i18n keys under holidays.problem).
 * `ranges` are rest days {name, start, end} (end optional: one day); `makeUps` working days {date, name}.
 */
export function formDays(ranges, makeUps) {
  const days = []
  const problems = []
  ranges.forEach((r, i) => {
    const row = i + 1
    const end = r.end || r.start
    if (!isDay(r.start) || !isDay(end)) return problems.push({ key: 'holidays.problem.rangeDate', params: { row } })
    const length = (ms(end) - ms(r.start)) / DAY_MS + 1
    if (length < 1) return problems.push({ key: 'holidays.problem.rangeOrder', params: { row } })
    if (length > MAX_RANGE_DAYS) return problems.push({ key: 'holidays.problem.rangeLong', params: { row, n: MAX_RANGE_DAYS } })
    for (let d = 0; d < length; d += 1) days.push({ date: iso(ms(r.start) + d * DAY_MS), kind: 'rest', name: r.name?.trim() || null })
  })
  makeUps.forEach((w, i) => {
    if (!isDay(w.date)) return problems.push({ key: 'holidays.problem.makeUpDate', params: { row: i + 1 } })
    days.push({ date: w.date, kind: 'work', name: w.name?.trim() || null })
  })
  if (!problems.length && !days.length) problems.push({ key: 'holidays.problem.empty', params: {} })
  return { days, problems }
}

/** Every message of a 422 answer (the server names each bad line: 第3行：…), in line order. */
export function lineErrors(body) {
  const fields = body?.errors?.json ?? {}
  const out = []
  for (const messages of Object.values(fields)) {
    if (Array.isArray(messages)) out.push(...messages.map((m) => ({ line: 0, text: String(m) })))
    else if (messages && typeof messages === 'object') {
      for (const [key, list] of Object.entries(messages)) {
        const line = /^\d+$/.test(key) ? Number(key) : 0
        for (const text of [].concat(list)) out.push({ line, key, text: String(text) })
      }
    }
  }
  return out.sort((a, b) => a.line - b.line || String(a.key ?? '').localeCompare(String(b.key ?? ''))).map((e) => e.text)
}

/** The preview's events, one list: what moves first, then what stays (to check), per branch as sent. */
export function previewCounts(preview) {
  const events = (preview?.branches ?? []).flatMap((b) => b.events)
  return { branches: preview?.branches?.length ?? 0, moved: events.filter((e) => e.moved).length, kept: events.filter((e) => !e.moved).length }
}

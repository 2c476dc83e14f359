// The one clock of the PWA: every reading of the date or the time goes through here, and every
// calendar date the app shows or compares is China's (Asia/Shanghai), whatever the phone's own
// time zone — a meeting at 14:30 is at 14:30 on every phone (SPEC, design principles).
// Tests set the time with Vitest's fake timers (vi.setSystemTime) or Playwright's page.clock;
// nothing here is a second source of truth, only the one place that asks.

export const CHINA_TZ = 'Asia/Shanghai'
const CHINA_OFFSET_MS = 8 * 3600_000 // no daylight saving since 1991

/** Now, in Unix epoch milliseconds (what the sync protocol's wire carries). */
export function nowMs() {
  return Date.now()
}

/** Now, as a Date. */
export function now() {
  return new Date(nowMs())
}

/** Milliseconds from an arbitrary start, for measuring durations (never a date). */
export function elapsedMs() {
  return performance.now()
}

/** The China calendar date of a moment (ms, Date or ISO string), as YYYY-MM-DD. */
export function chinaDate(moment = nowMs()) {
  const ms = typeof moment === 'number' ? moment : new Date(moment).getTime()
  return new Date(ms + CHINA_OFFSET_MS).toISOString().slice(0, 10)
}

/** Today's date in China, YYYY-MM-DD (card expiry, "today" in lists). */
export function chinaToday() {
  return chinaDate(nowMs())
}

/** A moment as China's wall-clock date and time: {date: 'YYYY-MM-DD', time: 'HH:MM'}. */
export function chinaParts(moment) {
  const iso = new Date(new Date(moment).getTime() + CHINA_OFFSET_MS).toISOString()
  return { date: iso.slice(0, 10), time: iso.slice(11, 16) }
}

/** China's wall-clock date and time (what a form asks for) as an ISO 8601 moment. */
export function fromChinaParts(date, time) {
  return `${date}T${time}:00+08:00`
}

// Compliance views (docs/compliance.md): the branch's and the committee's answers, fetched when
// online and kept (db.js, meta 'view:…') so the screens still show the last copy offline; the
// next-step messages worded from their keys and params in the UI language; Excel downloads.
import * as db from '../db.js'
import { api } from '../net.js'
import { i18n } from '../i18n/index.js'
import { formatDate } from './format.js'
import { nowMs } from '../clock.js'

export const STATES = ['met', 'due', 'late', 'missed', 'not-applicable']
export const PERIOD_KINDS = ['month', 'quarter', 'year']

/**
 * Fetch a view, or fall back to the cached copy. Dependencies are arguments (tests pass mocks).
 * → {source: 'server'|'cache'|'failed', data, savedMs, error}
 */
export async function loadView(key, fetcher, { cache = db, online = true } = {}) {
  const res = online ? await fetcher() : { ok: false, network: true }
  if (res.ok && res.data) {
    const savedMs = nowMs()
    await cache.saveCachedView(key, res.data, savedMs)
    return { source: 'server', data: res.data, savedMs }
  }
  const cached = await cache.getCachedView(key)
  if (cached) return { source: 'cache', data: cached.data, savedMs: cached.saved_ms, error: res.network ? null : res }
  return { source: 'failed', data: null, savedMs: null, error: res }
}

/** A branch's compliance for `period` ({year, month}, or null for today's month). */
export const branchView = (id, online, period = null) => loadView(
  `compliance:branch:${id}${period ? `:${period.year}-${period.month}` : ''}`,
  () => api.branchCompliance(id, period ?? undefined), { online })
/** A committee's table for `period` ({year, month}, or null for today's month). */
export const committeeView = (id, online, period = null) => loadView(
  `compliance:committee:${id}${period ? `:${period.year}-${period.month}` : ''}`,
  () => api.committeeCompliance(id, period ?? undefined), { online })

/** Results grouped by period kind, in the order month, quarter, year. */
export function byPeriod(results = []) {
  return PERIOD_KINDS.map((kind) => ({ kind, results: results.filter((r) => r.period_kind === kind) }))
}

const isDate = (v) => typeof v === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(v)

/** "2026-11" / "2026-Q4" / "2026" in words; "this month" etc. when current. */
export function periodText(label, current, t = i18n.global.t) {
  if (typeof label !== 'string') return ''
  if (label.includes('-Q')) {
    const [year, quarter] = label.split('-Q')
    return current ? t('compliance.thisQuarter') : t('compliance.quarterOf', { year, quarter })
  }
  if (label.includes('-')) {
    const [year, month] = label.split('-')
    return current ? t('compliance.thisMonth') : t('compliance.monthOf', { year, month: Number(month) })
  }
  return current ? t('compliance.thisYear') : t('compliance.yearOf', { year: label })
}

/** The next step in the UI language (the server's Chinese text when the key is unknown). */
export function nextStepText(step, { t = i18n.global.t, te = i18n.global.te, date = formatDate } = {}) {
  if (!step) return ''
  const key = `compliance.step.${String(step.key).replace(/[.-]/g, '_')}`
  if (!te(key)) return step.text ?? step.key
  const params = {}
  for (const [k, v] of Object.entries(step.params ?? {})) {
    if (isDate(v)) params[k] = date(v)
    else if (Array.isArray(v)) params[k] = v.map((m) => (te(`compliance.missing.${m}`) ? t(`compliance.missing.${m}`) : m)).join(t('compliance.listSep'))
    else params[k] = v
  }
  const what = step.params?.what
  params.what = what ? (te(`eventKind.${what}`) ? t(`eventKind.${what}`) : what) : ''
  params.scope = step.params?.group ?? t('compliance.thisBranch')
  if (typeof step.params?.period === 'string') params.period = periodText(step.params.period, step.params.current, t)
  return t(key, params)
}

const EVENT_KINDS = new Set(['branch_committee_meeting', 'group_meeting', 'general_assembly', 'party_lecture',
  'activity_day', 'org_life_meeting', 'evaluation_meeting'])

/**
 * The one tap that does a rule's next step, for the branch's secretary: plan the missing meeting
 * (the event form prefilled with its kind, group and date), open the event concerned (to write
 * its minutes, send its notice…), or open the activity-day plan. → {key, to} | null.
 */
export function stepAction(result, today) {
  const step = result?.next_step
  if (!step || result.state === 'met' || result.state === 'not-applicable') return null
  const params = step.params ?? {}
  if (step.key.startsWith('olm.report')) return { key: 'open', to: '/manage/org-life' } // the org-life meeting's page
  if (params.event_id) return { key: 'open', to: `/manage/events/${params.event_id}` }
  if (params.case_id) return { key: 'open', to: `/recruitment/${params.case_id}` } // REC-timeline: the person's case
  // LOG-annual: the members lacking a role record are on the roster; each member's page enters it.
  if (step.key.startsWith('log.role_record')) return { key: 'open', to: '/manage/roster' }
  if (step.key === 'plan.file_by' || step.key === 'plan.filed_late') return { key: 'plan', to: '/manage/plan' }
  // LOG-points: set up the scheme, or check and publish the period.
  if (step.key === 'points.setup') return { key: 'open', to: '/manage/points' }
  if (step.key.startsWith('points.')) return { key: 'open', to: '/manage/points/publish' }
  const open = result.state === 'due' || result.state === 'late'
  if (open && step.key === 'day.schedule') return { key: 'schedule', to: `/manage/events/new?kind=activity_day&date=${params.date ?? today}` }
  if (open && step.key === 'meeting.none' && EVENT_KINDS.has(params.what)) {
    const group = result.scope?.group_id ? `&group_id=${result.scope.group_id}` : ''
    return { key: 'schedule', to: `/manage/events/new?kind=${params.what}${group}&date=${today}` }
  }
  return null
}

/** Save a downloaded Blob under `filename` (an object URL and a link click; revoked after). */
export function saveBlob(blob, filename) {
  const url = URL.createObjectURL(blob)
  const a = document.createElement('a')
  a.href = url
  a.download = filename || 'zhibu.xlsx'
  a.rel = 'noopener'
  a.style.display = 'none'
  document.body.appendChild(a)
  a.click()
  a.remove()
  setTimeout(() => URL.revokeObjectURL(url), 30000)
}

/** Download a file from the API and save it. → 'ok' | 'offline' | 'failed' */
export async function downloadFile(path, fallbackName) {
  const res = await api.download(path)
  if (res.ok && res.data) {
    saveBlob(res.data, res.filename || fallbackName)
    return 'ok'
  }
  return res.network ? 'offline' : 'failed'
}

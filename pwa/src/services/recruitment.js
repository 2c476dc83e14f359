// Recruitment (发展党员, server/recruitment): the branch's cases, one case, the committee's list
// and the member's own road, fetched when online and kept for offline (db.js 'view:…'); the
// next step, contacts and assessments are sent online (their forms are drafts meanwhile). The
// helpers below are pure (tests/recruitment.test.js): the order of the lists, the form a step
// needs, and a refusal worded from the rule the server names.
import { request } from '../net.js'
import { loadView } from './compliance.js'
import { i18n } from '../i18n/index.js'
import { formatDate } from './format.js'

export const STAGES = ['applicant', 'activist', 'candidate', 'probationary', 'full', 'discontinued', 'cancelled']
export const ACTIVE_STAGES = STAGES.slice(0, 4)

export const recruitmentApi = {
  branch: (branchId) => request('GET', `/branches/${branchId}/recruitment`),
  create: (branchId, body) => request('POST', `/branches/${branchId}/recruitment`, { body }),
  case: (id) => request('GET', `/recruitment/${id}`),
  update: (id, body) => request('PATCH', `/recruitment/${id}`, { body }),
  step: (id, body) => request('POST', `/recruitment/${id}/steps`, { body }),
  assess: (id, body) => request('POST', `/recruitment/${id}/assessments`, { body }),
  contacts: (id, body) => request('POST', `/recruitment/${id}/contacts`, { body }),
  committee: (id, all) => request('GET', `/committees/${id}/recruitment`, { query: all ? { all: true } : undefined }),
  mine: () => request('GET', '/me/recruitment'),
}

/** The branch's cases (or the last copy offline) → {source, data, savedMs, error}. */
export const branchCases = (branchId, online) => loadView(`recruitment:branch:${branchId}`, () => recruitmentApi.branch(branchId), { online })
export const oneCase = (id, online) => loadView(`recruitment:case:${id}`, () => recruitmentApi.case(id), { online })
export const committeeCases = (id, all, online) => loadView(`recruitment:committee:${id}:${all ? 'all' : 'waiting'}`,
  () => recruitmentApi.committee(id, all), { online })
export const myRoad = (online, username) => loadView(`recruitment:mine:${username}`, () => recruitmentApi.mine(), { online })

/** Cases with something overdue: the head of the organizer's list, whatever their stage. */
export const overdueCases = (cases = []) => cases.filter((c) => c.active && c.overdue?.length)

/** The other cases as the organizer reads them, by stage (applicant first), finished ones only
 *  when asked; within a stage the server's order. → [{stage, cases}] without empty stages. */
export function byStage(cases = [], { finished = false } = {}) {
  const shown = finished ? STAGES : ACTIVE_STAGES
  const rest = cases.filter((c) => !(c.active && c.overdue?.length))
  return shown.map((stage) => ({ stage, cases: rest.filter((c) => c.stage === stage) })).filter((g) => g.cases.length)
}

/** The option to preselect in the next-step form: the caller's first step not blocked, else the
 *  caller's first, else null (the committee's turn, or nothing left). */
export function defaultOption(options = []) {
  const mine = options.filter((o) => o.yours && o.kind !== 'discontinued')
  return mine.find((o) => !o.blocked) ?? mine[0] ?? null
}

/** An empty form for `option` on `today` (YYYY-MM-DD): its date, usual body, vote count and outcome. */
export function blankStep(option, today, entitled = 0) {
  if (!option) return null
  const form = { kind: option.kind, on: today, decided_by: option.bodies?.[0] ?? null, document: '', note: '', file: true }
  if (option.votes) {
    form.votes = { votes_for: entitled, votes_against: 0, abstentions: 0, present: entitled, entitled }
  }
  if (option.outcomes?.length) {
    form.outcome = option.outcomes[0]
    form.extension_months = 6
  }
  return form
}

/** The body POST /recruitment/<id>/steps takes, from a form. */
export function stepBody(form, option) {
  const body = { kind: form.kind, on: form.on }
  if (form.decided_by) body.decided_by = form.decided_by
  if (form.document?.trim()) body.document = form.document.trim()
  if (form.note?.trim()) body.note = form.note.trim()
  if (option?.files) body.file = Boolean(form.file)
  if (option?.votes && form.votes) {
    body.votes = Object.fromEntries(Object.entries(form.votes).map(([k, v]) => [k, Number(v) || 0]))
  }
  if (option?.outcomes?.length) {
    body.outcome = form.outcome
    if (form.outcome === 'extend') body.extension_months = Number(form.extension_months) || 0
  }
  return body
}

/**
 * A refusal from the server (409 with errors.rule) in words: the rule, and the date or the number
 * that decides it ("最早2027年3月1日"). Null when the answer names no rule.
 */
export function refusalText(body, { t = i18n.global.t, te = i18n.global.te, date = formatDate } = {}) {
  const rule = body?.errors?.rule
  if (!rule) return null
  const params = body.errors.params ?? {}
  const text = te(`recruitment.rules.${rule}`) ? t(`recruitment.rules.${rule}`) : (body.errors.rule_text ?? rule)
  const detail = []
  for (const key of ['earliest', 'ends_on', 'eighteen_on']) {
    if (params[key]) detail.push(t(`recruitment.refusal.${key}`, { date: date(params[key]) }))
  }
  if (params.needed != null) detail.push(t('recruitment.refusal.needed', { needed: params.needed, entitled: params.entitled ?? '' }))
  if (rule === 'not_in_future' && params.today) detail.push(t('recruitment.refusal.today', { date: date(params.today) }))
  return detail.length ? `${text}${t('recruitment.refusal.open')}${detail.join(t('recruitment.refusal.sep'))}${t('recruitment.refusal.close')}` : text
}

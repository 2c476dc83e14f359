// The org-life meeting (组织生活会, server/org_life): the branch's meeting page, the committee's
// list and the member's own meeting, fetched when online and kept for offline (db.js 'view:…');
// the secretary's records are sent online; the member's party-spirit analysis is queued on the
// phone (db.js 'uploads', kind 'party_analysis', sent by sync/uploads.js) so it is written offline
// too. The helpers below are pure (tests/orgLife.test.js).
import { request } from '../net.js'
import { loadView } from './compliance.js'
import { chinaDate } from '../clock.js'

export const orgLifeApi = {
  list: (branchId) => request('GET', `/branches/${branchId}/org-life-meetings`),
  create: (branchId, body) => request('POST', `/branches/${branchId}/org-life-meetings`, { body }),
  meeting: (id) => request('GET', `/org-life-meetings/${id}`),
  update: (id, body) => request('PATCH', `/org-life-meetings/${id}`, { body }),
  linkStudy: (id, eventId) => request('POST', `/org-life-meetings/${id}/studies`, { body: { event_id: eventId } }),
  unlinkStudy: (id, eventId) => request('DELETE', `/org-life-meetings/${id}/studies/${eventId}`),
  addOpinion: (id, body) => request('POST', `/org-life-meetings/${id}/opinions`, { body }),
  removeOpinion: (opinionId) => request('DELETE', `/org-life-opinions/${opinionId}`),
  addTalk: (id, body) => request('POST', `/org-life-meetings/${id}/talks`, { body }),
  removeTalk: (talkId) => request('DELETE', `/org-life-talks/${talkId}`),
  analyses: (id) => request('GET', `/org-life-meetings/${id}/analyses`),
  paper: (id, memberId) => request('POST', `/org-life-meetings/${id}/analyses/${memberId}/paper`),
  review: (id, itemId, body) => request('PUT', `/org-life-meetings/${id}/reviews/${itemId}`, { body }),
  criticism: (id, memberId, body) => request('PUT', `/org-life-meetings/${id}/criticisms/${memberId}`, { body }),
  committee: (committeeId, year) => request('GET', `/committees/${committeeId}/org-life-meetings`, { query: { year } }),
  mine: () => request('GET', '/me/org-life'),
  // Filings (server/filings): the report, a date change, the committee's decision.
  file: (branchId, body) => request('POST', `/branches/${branchId}/filings`, { body }),
  decide: (filingId, approve, note) => request('POST', `/filings/${filingId}/decision`, { body: { approve, note: note || null } }),
}

export const branchMeetings = (branchId, online) => loadView(`orgLife:branch:${branchId}`, () => orgLifeApi.list(branchId), { online })
export const meetingPage = (id, online) => loadView(`orgLife:meeting:${id}`, () => orgLifeApi.meeting(id), { online })
export const myMeeting = (online, username) => loadView(`orgLife:mine:${username}`, () => orgLifeApi.mine(), { online })
export const committeeMeetings = (id, year, online) => loadView(`orgLife:committee:${id}:${year}`,
  () => orgLifeApi.committee(id, year), { online })

export const PHASES = ['preparation', 'meeting', 'after']
// The checklist's items, in the server's order (server/org_life/schemas.py CHECKLIST_KEYS).
export const CHECKLIST_KEYS = ['theme', 'study', 'opinions', 'talks', 'analyses', 'review', 'criticism', 'rectification',
  'announcement', 'report']
// Where each checklist item is recorded on the meeting's page (the id of its section).
export const SECTION_OF = {
  theme: 'olm-theme', study: 'olm-study', opinions: 'olm-opinions', talks: 'olm-talks', analyses: 'olm-analyses',
  review: 'olm-review', criticism: 'olm-criticism', rectification: 'olm-after', announcement: 'olm-after', report: 'olm-report',
}
export const OPINION_METHODS = ['symposium', 'questionnaire', 'interview', 'suggestion_box', 'online', 'other']
export const REVIEW_STATUSES = ['done', 'ongoing', 'not_done']
// Events that may be the meeting's study (a party lecture first).
export const STUDY_KINDS = ['party_lecture', 'training', 'lecture', 'report_meeting', 'discussion', 'online_study', 'general_assembly',
  'activity_day', 'group_meeting', 'branch_committee_meeting']

const dayOf = (event) => chinaDate(Date.parse(event.starts_at))

/** The checklist's items of one phase, in the server's order. */
export const itemsOf = (checklist, phase) => (checklist?.items ?? []).filter((i) => i.phase === phase)

/** Progress of a phase → {done, total, percent}. */
export function progress(checklist, phase = 'preparation') {
  const items = itemsOf(checklist, phase)
  const done = items.filter((i) => i.done).length
  return { done, total: items.length, percent: items.length ? Math.round((100 * done) / items.length) : 0 }
}

/** The branch's events that may count as the meeting's study: held (not cancelled) on or before
 *  the meeting's day and today, not already linked, of a study kind; lectures first, newest first. */
export function studyCandidates(events, meetingDay, today, linked = []) {
  const until = meetingDay < today ? meetingDay : today
  const taken = new Set(linked)
  return events
    .filter((e) => STUDY_KINDS.includes(e.kind) && e.status !== 'cancelled' && !taken.has(e.id) && dayOf(e) <= until)
    .sort((a, b) => (STUDY_KINDS.indexOf(a.kind) - STUDY_KINDS.indexOf(b.kind)) || (Date.parse(b.starts_at) - Date.parse(a.starts_at)))
    .slice(0, 30)
}

/** The branch's org-life meeting events a meeting of `year` may be held on (that year, or a
 *  postponed one up to 31 March of the next), soonest first. */
export function meetingEvents(events, year) {
  return events
    .filter((e) => e.kind === 'org_life_meeting' && e.status !== 'cancelled'
      && dayOf(e) >= `${year}-01-01` && dayOf(e) <= `${year + 1}-03-31`)
    .sort((a, b) => Date.parse(a.starts_at) - Date.parse(b.starts_at))
}

/** The meeting of `year` among the branch's meetings, else the latest one, else null. */
export const currentMeeting = (meetings = [], year) => meetings.find((m) => m.year === year) ?? meetings[0] ?? null

/** The latest analysis waiting on this phone for the meeting (queued uploads, oldest first), or null. */
export function queuedAnalysis(uploads = [], meetingId) {
  return [...uploads].reverse().find((u) => u.kind === 'party_analysis' && u.meeting_id === meetingId) ?? null
}

/**
 * Where the member's analysis stands on this phone and on the server:
 *   'waiting'  saved on the phone, not yet on the server
 *   'sent'     on the server (as last written here or on another phone)
 *   'paper'    handed in on paper (the secretary noted it)
 *   'closed'   the meeting was held and nothing was handed in
 *   'none'     nothing yet
 */
export function analysisState(mine, queued) {
  if (queued) return 'waiting'
  if (mine?.analysis?.on_paper) return 'paper'
  if (mine?.analysis) return 'sent'
  if (mine && mine.analysis_open === false) return 'closed'
  return 'none'
}

/** A first draft of the meeting's report (情况报告) from what was recorded: the secretary edits it
 *  before sending. Always in Chinese: it is a document for the superior committee. */
export function reportDraft(page, formatDate = (d) => d) {
  if (!page) return ''
  const count = (key) => page.checklist?.items?.find((i) => i.key === key) ?? {}
  const lines = [
    `${page.branch_name}于${formatDate(page.event.day)}召开${page.year}年度组织生活会，主题：${page.theme ?? ''}。`,
    page.problems?.length ? `聚焦的突出问题：${page.problems.join('；')}。` : null,
    `会前，支部开展集中学习${page.studies?.length ?? 0}次，征求意见${page.opinions?.length ?? 0}次，`
      + `开展谈心谈话${page.talks?.length ?? 0}人次，${count('analyses').count ?? 0}名党员撰写党性分析材料。`,
    page.reviews?.length
      ? `会上逐项回顾了上年度${page.reviews.length}项整改事项的落实情况（已完成${page.reviews.filter((r) => r.status === 'done').length}项）。`
      : null,
    `${count('criticism').count ?? 0}名党员逐一开展批评和自我批评。`,
    page.rectification?.length ? `会议明确整改事项${page.rectification.length}项：${page.rectification.map((i) => i.problem).join('；')}。` : null,
  ]
  return lines.filter(Boolean).join('\n')
}

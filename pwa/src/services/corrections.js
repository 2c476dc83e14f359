// Correction requests (整改通知, server/corrections) and the committee's filings inbox: lists fetched
// when online and kept on the phone (db.js meta 'view:…') for reading offline; sending, answering
// and deciding are online writes (a committee's decision is not queued: it must see the answer first).
import { request } from '../net.js'
import { loadView } from './compliance.js'
import { syncState } from './syncer.js'
import { nowMs } from '../clock.js'

const online = () => syncState.online
export const DEFAULT_DAYS = 15

export const committeeRequests = (committeeId) => loadView(`corrections:committee:${committeeId}`,
  () => request('GET', `/committees/${committeeId}/correction-requests`), { online: online() })
export const branchRequests = (branchId) => loadView(`corrections:branch:${branchId}`,
  () => request('GET', `/branches/${branchId}/correction-requests`), { online: online() })
export const correctionRequest = (id) => loadView(`corrections:request:${id}`,
  () => request('GET', `/correction-requests/${id}`), { online: online() })

export const sendRequest = (committeeId, body) => request('POST', `/committees/${committeeId}/correction-requests`, { body })
export const answerRequest = (id, text, evidence) => request('POST', `/correction-requests/${id}/answers`, { body: { text, evidence } })
export const decideRequest = (id, accept, reason) =>
  request('POST', `/correction-requests/${id}/decision`, { body: { accept, reason: reason || null } })
export function uploadAttachment(id, blob, filename = 'photo.jpg') {
  const form = new FormData()
  form.set('file', blob, filename)
  return request('POST', `/correction-requests/${id}/attachments`, { formData: form })
}
export const attachmentFile = (id, attachmentId) =>
  request('GET', `/correction-requests/${id}/attachments/${attachmentId}`, { responseType: 'blob', headers: { Accept: '*/*' } })

/** The default deadline of a request sent today ("YYYY-MM-DD"): 15 days on. */
export function defaultDeadline(today, days = DEFAULT_DAYS) {
  const d = new Date(`${today}T00:00:00Z`)
  d.setUTCDate(d.getUTCDate() + days)
  return d.toISOString().slice(0, 10)
}

/** Requests waiting on this side: the branch answers sent and returned ones, the committee decides answered ones. */
export const waitingOn = (rows, side) => (rows ?? []).filter((r) =>
  side === 'committee' ? r.state === 'answered' : r.state === 'sent' || r.state === 'returned')

/** The request's words: the rule's short name (or its id) and period, else the finding's start. */
export function subject(r, t, te) {
  if (r.rule_id) {
    const key = `compliance.short.${r.rule_id.replace(/-/g, '_')}`
    const name = te(key) ? t(key) : r.rule_id
    return r.period ? `${name} · ${r.period}` : name
  }
  return (r.finding ?? '').slice(0, 40)
}

// The committee's filings inbox (server/filings).
export const committeeFilings = (committeeId, query) => loadView(`filings:committee:${committeeId}:${JSON.stringify(query ?? {})}`,
  () => request('GET', `/committees/${committeeId}/filings`, { query }), { online: online() })
export const decideFiling = (id, approve, note) => request('POST', `/filings/${id}/decision`, { body: { approve, note: note || null } })

// The committee's requests not yet accepted, loaded once for all the branch rows of the compliance
// table (a load is reused for a few seconds, and forgotten when a request is sent).
const openLoads = new Map()
const REUSE_MS = 5000
export function openRequestsOf(committeeId) {
  const kept = openLoads.get(committeeId)
  if (kept && nowMs() - kept.at < REUSE_MS) return kept.promise
  const promise = committeeRequests(committeeId).then((view) => (view.data ?? []).filter((r) => r.state !== 'accepted'))
  openLoads.set(committeeId, { promise, at: nowMs() })
  return promise
}
export const forgetOpenRequests = (committeeId) => openLoads.delete(committeeId)

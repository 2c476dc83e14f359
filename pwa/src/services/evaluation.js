// Democratic evaluation (民主评议党员) for the screens: its API, the member's self-assessment
// queued on the phone (db.js 'uploads', sent by the syncer like minutes), and the member's ballot.
//
// The ballot (docs/decisions.md, "Anonymous assessment forms"): the phone makes a token and has it
// blind-signed while logged in (sync/ballot.js); the token, the signature and then the marks stay
// on the phone (a draft per user, kept through logout) until the ballot is cast WITHOUT the login
// (`auth: false`: no token, no device id). Once it is in, the phone forgets the token and the marks
// and keeps only "cast". A ballot that could not be sent (no network) is sent again later.
import { shallowRef } from 'vue'
import * as db from '../db.js'
import { request } from '../net.js'
import { session } from './session.js'
import { queueUpload, syncState } from './syncer.js'
import { loadView } from './compliance.js'
import { newNonce } from '../sync/mutations.js'
import { finishBallot, prepareBallot } from '../sync/ballot.js'

export const STAGES = ['preparing', 'self_assessment', 'peer_assessment', 'balloting', 'grading', 'review', 'feedback', 'closed']
export const HANDLINGS = ['deadline_improvement', 'persuade_to_leave', 'removal', 'education']

export const evaluationApi = {
  mine: () => request('GET', '/me/evaluations'),
  ofBranch: (branchId, query) => request('GET', `/branches/${branchId}/evaluations`, { query }),
  ofCommittee: (committeeId, query) => request('GET', `/committees/${committeeId}/evaluations`, { query }),
  create: (branchId, body) => request('POST', `/branches/${branchId}/evaluations`, { body }),
  get: (id) => request('GET', `/evaluations/${id}`),
  update: (id, body) => request('PATCH', `/evaluations/${id}`, { body }),
  advance: (id, stage) => request('POST', `/evaluations/${id}/stage`, { body: { stage } }),
  sheet: (id, memberId) => request('GET', `/evaluations/${id}/members/${memberId}`),
  grade: (id, memberId, body) => request('PUT', `/evaluations/${id}/members/${memberId}/grade`, { body }),
  handling: (id, memberId, body) => request('PUT', `/evaluations/${id}/members/${memberId}/handling`, { body }),
  feedback: (id, memberId, text) => request('PUT', `/evaluations/${id}/members/${memberId}/feedback`, { body: { text } }),
  handPaper: (id, memberId) => request('POST', `/evaluations/${id}/members/${memberId}/paper-form`),
  sign: (id, blinded) => request('POST', `/evaluations/${id}/ballot-signature`, { body: { blinded } }),
  guestTokens: (id, count) => request('POST', `/evaluations/${id}/guest-tokens`, { body: { count } }),
  paperForms: (id, count) => request('POST', `/evaluations/${id}/paper-forms`, { body: { count } }),
  paperEntries: (id) => request('GET', `/evaluations/${id}/paper-entries`),
  enterPaper: (id, code, marks) => request('POST', `/evaluations/${id}/paper-entries`, { body: { code, marks } }),
  confirmPaper: (id, entryId, code) => request('POST', `/evaluations/${id}/paper-entries/${entryId}/confirm`, { body: { code } }),
  discardPaper: (id, entryId) => request('DELETE', `/evaluations/${id}/paper-entries/${entryId}`),
  tally: (id) => request('GET', `/evaluations/${id}/tally`),
  review: (id, body) => request('POST', `/evaluations/${id}/review`, { body }),
  // No login: the token is the ballot's authority (nothing ties the request to a person).
  cast: (body) => request('POST', '/ballots', { auth: false, body }),
  guestForm: (evaluationId, token) => request('POST', '/ballots/form', { auth: false, body: { evaluation_id: evaluationId, token } }),
}

/** The member's evaluations, or the last copy offline → {source, data, savedMs}. */
export const myEvaluations = () => loadView('evaluation:mine', evaluationApi.mine, { online: syncState.online })

/** A member's marks as the API takes them. */
export const marksList = (marks) => Object.entries(marks).filter(([, g]) => g).map(([m, g]) => ({ member_id: Number(m), grade: g }))

// ------------------------------------------------------------------------------ self-assessment

/** The self-assessments of this user still waiting on the phone for an evaluation. */
export async function queuedSelfAssessments(evaluationId) {
  if (!session.username) return []
  return (await db.uploadsFor(session.username)).filter((u) => u.kind === 'self_assessment' && u.evaluation_id === evaluationId)
}

/** Save the text on the phone and send it when online → 'uploaded' | 'saved' (on the phone, waiting). */
export async function saveSelfAssessment(evaluationId, memberId, text) {
  const item = { id: newNonce(), kind: 'self_assessment', evaluation_id: evaluationId, member_id: memberId, text }
  await queueUpload(item)
  return (await queuedSelfAssessments(evaluationId)).some((u) => u.id === item.id) ? 'saved' : 'uploaded'
}

// ------------------------------------------------------------------------------------ ballot

const ballotName = (evaluationId) => `ballot:${evaluationId}`

/** The ballot kept on this phone: null | {state: 'prepared'|'signed'|'ready'|'cast', …}. */
export async function myBallot(evaluationId) {
  return session.username ? db.loadDraft(session.username, ballotName(evaluationId)) : null
}

async function keep(evaluationId, value) {
  await db.saveDraft(session.username, ballotName(evaluationId), value)
  return value
}

/**
 * Draw the member's ballot: a token made and blind-signed (or the one already on the phone).
 * → {ok: true, ballot} | {ok: false, offline | status, message | invalid}
 */
const drawing = new Map() // evaluation id → the draw under way (two screens never make two tokens)

export function drawBallot(evaluation, deps = {}) {
  if (!drawing.has(evaluation.id)) {
    drawing.set(evaluation.id, draw(evaluation, deps).finally(() => drawing.delete(evaluation.id)))
  }
  return drawing.get(evaluation.id)
}

async function draw(evaluation, deps) {
  const { api = evaluationApi, prepare = prepareBallot, finish = finishBallot } = deps
  let ballot = await myBallot(evaluation.id)
  if (ballot && ballot.state !== 'prepared') return { ok: true, ballot }
  if (!ballot) ballot = await keep(evaluation.id, { state: 'prepared', ...(await prepare(evaluation.ballot_key)) })
  const res = await api.sign(evaluation.id, ballot.blinded)
  if (!res.ok) return res.network ? { ok: false, offline: true } : { ok: false, status: res.status, message: res.body?.message ?? '' }
  const signature = await finish(evaluation.ballot_key, ballot, res.data.signature)
  if (!signature) return { ok: false, invalid: true }
  return { ok: true, ballot: await keep(evaluation.id, { state: 'signed', token: ballot.token, signature }) }
}

/** Cast the ballot with these marks ({member id: grade}); kept on the phone until it is in. */
export async function castBallot(evaluationId, marks, deps = {}) {
  const ballot = await myBallot(evaluationId)
  if (!ballot || !['signed', 'ready'].includes(ballot.state)) return { ok: false, status: 0, message: 'no ballot' }
  return sendBallot(evaluationId, await keep(evaluationId, { state: 'ready', token: ballot.token, signature: ballot.signature, marks }), deps)
}

async function sendBallot(evaluationId, ballot, { api = evaluationApi } = {}) {
  const res = await api.cast({ evaluation_id: evaluationId, token: ballot.token, signature: ballot.signature, marks: marksList(ballot.marks) })
  // A 409 "already cast" after a lost answer means the first attempt went in.
  if (res.ok || (res.status === 409 && /already cast/.test(res.body?.message ?? ''))) {
    await keep(evaluationId, { state: 'cast' })
    return { ok: true }
  }
  if (res.network) return { ok: false, offline: true }
  return { ok: false, status: res.status, message: res.body?.message ?? '' }
}

/** Send a ballot left waiting on the phone (no network when it was cast). → result | null */
export async function sendWaitingBallot(evaluationId, deps = {}) {
  const ballot = await myBallot(evaluationId)
  if (ballot?.state !== 'ready' || !syncState.online) return null
  return sendBallot(evaluationId, ballot, deps)
}

// ------------------------------------------------------------------------------------ printing

/**
 * What the secretary just printed: {kind: 'paper'|'guests', evaluation, forms | tokens}. Held in
 * memory only, for the print screen: the server shows codes and tokens once and keeps only their
 * hashes, so nothing here is stored on the phone either.
 */
export const printing = shallowRef(null)

/** The link an invited non-member opens (the token after '#', never sent to the server as an address). */
export const guestLink = (origin, evaluationId, token) => `${origin}/ballot#${evaluationId}.${token}`

// Read models for the screens, built from the cache and the outbox in db.js. Screens import
// these (and db.js's named functions); none of them touches IndexedDB directly.
import * as db from '../db.js'
import { base64Decode } from '../sync/encoding.js'
import { parseEventQr } from '../sync/eventcode.js'
import { mutationEventId } from '../sync/mutations.js'
import { session } from './session.js'
import * as clock from '../clock.js'

const byStart = (a, b) => String(a.starts_at).localeCompare(String(b.starts_at)) || a.id - b.id

export async function myCard() {
  const me = session.me
  if (!me?.member_id) return null
  const cards = await db.listEntities('card')
  return cards.find((c) => c.member_id === me.member_id && c.status === 'active' && c.qr) ?? null
}

/** Events this member attends: their branch's and (floating) their host branches'. */
export async function myEvents() {
  const me = session.me
  if (!me) return []
  const branches = new Set([me.home_branch_id, ...(me.host_branch_ids ?? [])].filter(Boolean))
  return (await db.listEntities('event')).filter((e) => branches.has(e.branch_id)).sort(byStart)
}

/** Events of the branches this user manages (with their code secrets). */
export async function managedEvents() {
  const managed = new Set(session.me?.managed_branch_ids ?? [])
  return (await db.listEntities('event')).filter((e) => managed.has(e.branch_id)).sort(byStart)
}

export const getEvent = (id) => db.getEntity('event', Number(id))

export function splitUpcoming(events, nowMs = clock.nowMs()) {
  const upcoming = []
  const past = []
  for (const e of events) (Date.parse(e.ends_at) >= nowMs ? upcoming : past).push(e)
  past.reverse()
  return { upcoming, past }
}

export function windowState(event, nowMs = clock.nowMs()) {
  if (!event) return null
  const opens = Date.parse(event.checkin_opens_at ?? event.starts_at)
  const closes = Date.parse(event.checkin_closes_at ?? event.ends_at)
  if (nowMs < opens) return 'notYet'
  if (nowMs > closes) return 'closed'
  return 'open'
}

export async function myRecords() {
  const memberId = session.me?.member_id
  if (!memberId) return []
  return (await db.listEntities('record'))
    .filter((r) => r.member_id === memberId)
    .sort((a, b) => String(b.occurred_on).localeCompare(String(a.occurred_on)) || b.id - a.id)
}

export async function recordsOfEvent(eventId) {
  return (await db.listEntities('record')).filter((r) => r.event_id === Number(eventId))
}

export const myOutbox = () => (session.username ? db.pendingFor(session.username) : [])

export const myRejections = () => (session.username ? db.openRejections(session.username) : [])

/** Event ids with a check-in of mine waiting in the outbox. */
export function queuedEventIds(outbox) {
  return new Set(outbox.filter((i) => i.type === 'checkin_event_code').map((i) => mutationEventId(i.mutation, parseEventQr)))
}

/** Members known on this device, by id (the roster a secretary's phone pulled). */
export async function roster() {
  const members = await db.listEntities('member')
  return new Map(members.map((m) => [m.id, m]))
}

/** Card keys (kid → raw key bytes) and revoked serials, for offline card checks. */
export async function cardTrust() {
  const keys = (await db.getMeta('card_keys')) ?? {}
  const trusted = new Map()
  for (const [kid, b64] of Object.entries(keys)) {
    try {
      trusted.set(kid, base64Decode(b64))
    } catch {
      // a broken key is skipped: cards it signed read as unknown_key
    }
  }
  return { trusted, revoked: await db.revokedSerials() }
}

export async function branchNames() {
  return (await db.getMeta('branch_names')) ?? {}
}

export async function clockOffsetMs() {
  return (await db.getMeta('clock_offset_ms')) ?? 0
}

// Building the mutations a device queues (docs/sync-protocol.md, "Mutations"). Pure.
import { nowMs } from '../clock.js'

export const PROTOCOL_VERSION = 1
export const MAX_BATCH = 500
export const MUTATION_TYPES = ['checkin_event_code', 'checkin_card', 'checkin_manual', 'record_acknowledge', 'record_confirm',
  'dues_payment']
export const CHECKIN_TYPES = MUTATION_TYPES.slice(0, 3)

/** A random nonce: uuid4 without dashes (32 hex characters; the protocol allows 8–64 of A-Za-z0-9_-). */
export function newNonce(cryptoImpl = globalThis.crypto) {
  return cryptoImpl.randomUUID().replace(/-/g, '')
}

const stamp = (now) => (now ?? nowMs)()

export function checkinEventCode(eventQr, { eventId, now, nonce } = {}) {
  const m = { id: nonce ?? newNonce(), type: 'checkin_event_code', event_qr: eventQr, claimed_at_ms: stamp(now) }
  if (Number.isInteger(eventId)) m.event_id = eventId
  return m
}

export function checkinCard(eventId, cardQr, { now, nonce } = {}) {
  return { id: nonce ?? newNonce(), type: 'checkin_card', event_id: eventId, card_qr: cardQr, claimed_at_ms: stamp(now) }
}

export function checkinManual(eventId, memberId, reason, { now, nonce } = {}) {
  return {
    id: nonce ?? newNonce(), type: 'checkin_manual', event_id: eventId, member_id: memberId,
    reason: String(reason).trim(), claimed_at_ms: stamp(now),
  }
}

export function recordAcknowledge(recordId, { nonce } = {}) {
  return { id: nonce ?? newNonce(), type: 'record_acknowledge', record_id: recordId }
}

export function recordConfirm(recordId, { nonce } = {}) {
  return { id: nonce ?? newNonce(), type: 'record_confirm', record_id: recordId }
}

/**
 * Dues a member handed to the secretary (server/dues): the months paid for ("YYYY-MM", 1 to 12)
 * and the amount in fen; `claimed_at_ms` is when it was handed over (the phone's clock).
 */
export function duesPayment(memberId, months, amountFen, { now, nonce } = {}) {
  return {
    id: nonce ?? newNonce(), type: 'dues_payment', member_id: memberId, months: [...months].sort().join(','),
    amount_fen: amountFen, claimed_at_ms: stamp(now),
  }
}

/** An outbox row: the mutation with who queued it and when. Booleans are never stored (0/1 only). */
export function outboxItem(mutation, username, { now = nowMs, eventId = null, memberId = null } = {}) {
  if (!username) throw new Error('an outbox item needs the username that queued it')
  return {
    id: mutation.id, username, type: mutation.type, mutation, created_ms: now(), attempts: 0, last_error: null,
    // What the item is about, for the screens (the event; the member a secretary checked in).
    event_id: eventId, member_id: memberId,
  }
}

/** A device id (8–64 of A-Za-z0-9_-), made once per device. */
export function newDeviceId(cryptoImpl = globalThis.crypto) {
  return 'pwa-' + newNonce(cryptoImpl).slice(0, 24)
}

/** The event a queued check-in is about, or null (parses the ZE1 text of a member's scan). */
export function mutationEventId(mutation, parseEventQr) {
  if (mutation.type === 'checkin_event_code') return parseEventQr(mutation.event_qr)?.eventId ?? null
  return Number.isInteger(mutation.event_id) ? mutation.event_id : null
}

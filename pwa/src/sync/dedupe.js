// The local dedupe rule: "the same scan twice gives one record". Scanning the event code of an
// event the member already has a queued check-in or a record for queues nothing and says
// 'already signed in'. A check-in that came back rejected does not count (the member may retry).
// Pure: takes the state it judges as arguments.
import { parseEventQr } from './eventcode.js'
import { mutationEventId } from './mutations.js'

/**
 * What to do with a text a member's scanner decoded.
 * @returns {{action:'invalid'}|{action:'already', eventId, via:'queued'|'record'}|{action:'queue', eventId}}
 */
export function judgeEventScan(text, { username, memberId, outbox = [], records = [] }) {
  const qr = parseEventQr(text)
  if (!qr) return { action: 'invalid' }
  const eventId = qr.eventId
  const queued = outbox.some((item) => item.username === username && item.type === 'checkin_event_code' &&
    mutationEventId(item.mutation, parseEventQr) === eventId)
  if (queued) return { action: 'already', eventId, via: 'queued' }
  const recorded = records.some((r) => r && r.member_id === memberId && r.event_id === eventId && r.kind === 'attendance')
  if (recorded) return { action: 'already', eventId, via: 'record' }
  return { action: 'queue', eventId }
}

/** Same rule on a secretary's device, for a card or manual check-in of `memberId` at `eventId`. */
export function judgeMemberCheckin(eventId, memberId, { username, outbox = [], records = [] }) {
  const queued = outbox.some((item) => item.username === username &&
    ((item.type === 'checkin_manual' && item.mutation.member_id === memberId && item.mutation.event_id === eventId) ||
     (item.type === 'checkin_card' && item.member_id === memberId && item.mutation.event_id === eventId)))
  if (queued) return { action: 'already', via: 'queued' }
  if (records.some((r) => r && r.member_id === memberId && r.event_id === eventId && r.kind === 'attendance')) {
    return { action: 'already', via: 'record' }
  }
  return { action: 'queue' }
}

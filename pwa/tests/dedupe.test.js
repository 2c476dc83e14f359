import { describe, expect, it } from 'vitest'
import { judgeEventScan, judgeMemberCheckin } from '../src/sync/dedupe.js'
import { checkinEventCode, checkinManual, outboxItem } from '../src/sync/mutations.js'

const QR = 'ZE1.42.56666666.94869750'
const QR_LATER = 'ZE1.42.56666668.12345678'

describe('the same scan twice gives one record', () => {
  it('queues the first scan and answers "already" to the second, even with a later code', () => {
    const outbox = []
    const first = judgeEventScan(QR, { username: 'liming', memberId: 5, outbox })
    expect(first).toEqual({ action: 'queue', eventId: 42 })
    outbox.push(outboxItem(checkinEventCode(QR), 'liming', { eventId: 42 }))
    expect(judgeEventScan(QR, { username: 'liming', memberId: 5, outbox })).toMatchObject({ action: 'already', via: 'queued' })
    expect(judgeEventScan(QR_LATER, { username: 'liming', memberId: 5, outbox })).toMatchObject({ action: 'already' })
    expect(outbox).toHaveLength(1)
  })

  it('answers "already" when the record has synced', () => {
    const records = [{ id: 9, member_id: 5, event_id: 42, kind: 'attendance', status: 'pending' }]
    expect(judgeEventScan(QR, { username: 'liming', memberId: 5, outbox: [], records })).toMatchObject({ action: 'already', via: 'record' })
  })

  it("does not count another user's queued scan, nor another event", () => {
    const outbox = [outboxItem(checkinEventCode(QR), 'wangfang', { eventId: 42 })]
    expect(judgeEventScan(QR, { username: 'liming', memberId: 5, outbox }).action).toBe('queue')
    expect(judgeEventScan('ZE1.43.56666666.94869750', { username: 'wangfang', memberId: 6, outbox }).action).toBe('queue')
  })

  it('refuses what is not an event code', () => {
    expect(judgeEventScan('ZC1.abc.def', { username: 'liming', memberId: 5 }).action).toBe('invalid')
    expect(judgeEventScan('https://example.com', { username: 'liming', memberId: 5 }).action).toBe('invalid')
  })

  it("on a secretary's phone, a member checked in by hand or by card is not queued twice", () => {
    const outbox = [outboxItem(checkinManual(42, 7, '忘带手机'), 'hongqi_shuji', { eventId: 42, memberId: 7 })]
    expect(judgeMemberCheckin(42, 7, { username: 'hongqi_shuji', outbox }).action).toBe('already')
    expect(judgeMemberCheckin(42, 8, { username: 'hongqi_shuji', outbox }).action).toBe('queue')
  })
})

import { describe, expect, it, vi } from 'vitest'
import { ownRecordItem, ownRecordProblem, ownRecordRows, ownRecordsToReview } from '../src/sync/ownRecords.js'
import { pushUploads } from '../src/sync/uploads.js'
import { toConfirm } from '../src/sync/confirmations.js'

const form = (over = {}) => ({ kind: 'study', occurred_on: '2026-10-18', title: ' 学习党章 ', detail: '', service_post_id: null, photo: null, ...over })
const rec = (id, over = {}) => ({ id, member_id: 7, branch_id: 1, kind: 'study', title: `记实${id}`, occurred_on: '2026-10-01', status: 'acknowledged', ...over })
const DAYS = { today: '2026-10-20', yearAgo: '2025-10-20' }

describe("a member's own study and service records", () => {
  it('becomes an upload item keyed by the nonce, with the photo bytes and only a service naming a post', () => {
    const photo = { bytes: new ArrayBuffer(4), type: 'image/png', name: 'p.png' }
    expect(ownRecordItem(form({ photo }), { nonce: 'n1aaaaaaaa' })).toEqual({
      id: 'n1aaaaaaaa', kind: 'own_record', record_kind: 'study', occurred_on: '2026-10-18', title: '学习党章', detail: null,
      service_post_id: null, bytes: photo.bytes, type: 'image/png', name: 'p.png',
    })
    expect(ownRecordItem(form({ kind: 'study', service_post_id: 3 }), { nonce: 'x' }).service_post_id).toBeNull()
    expect(ownRecordItem(form({ kind: 'service', service_post_id: 3 }), { nonce: 'x' }).service_post_id).toBe(3)
  })

  it('is checked on the phone as the server checks it', () => {
    expect(ownRecordProblem(form(), DAYS)).toBeNull()
    expect(ownRecordProblem(form({ title: '  ' }), DAYS)).toBe('title')
    expect(ownRecordProblem(form({ occurred_on: '2026-10-21' }), DAYS)).toBe('future')
    expect(ownRecordProblem(form({ occurred_on: '2025-10-19' }), DAYS)).toBe('tooOld')
    expect(ownRecordProblem(form({ occurred_on: '2025-10-20' }), DAYS)).toBeNull()
    expect(ownRecordProblem(form({ photo: { bytes: new ArrayBuffer(1), type: 'image/gif' } }), DAYS)).toBe('photoType')
    expect(ownRecordProblem(form({ photo: { bytes: new ArrayBuffer(5 * 1024 * 1024 + 1), type: 'image/jpeg' } }), DAYS)).toBe('photoSize')
  })

  it('shows saved, waiting, confirmed and refused rows of the year, and counts only confirmed ones', () => {
    const uploads = [{ id: 'u1', kind: 'own_record', record_kind: 'study', title: '离线学习', occurred_on: '2026-10-19' },
      { id: 'm1', kind: 'minutes_text', event_id: 1, text: 'x' }]
    const records = [rec(1), rec(2, { status: 'confirmed', occurred_on: '2026-10-02' }),
      rec(3, { kind: 'service', status: 'refused', refused_reason: '不符', occurred_on: '2026-10-03' }),
      rec(4, { kind: 'service', status: 'confirmed', occurred_on: '2025-12-30' }), // last year
      rec(5, { kind: 'attendance', status: 'confirmed' }), rec(6, { member_id: 8, status: 'confirmed' })]
    const { rows, counted } = ownRecordRows(records, uploads, 7, 2026)
    expect(rows.map((r) => [r.key, r.state])).toEqual([['u:u1', 'saved'], ['r:3', 'refused'], ['r:2', 'confirmed'], ['r:1', 'waiting']])
    expect(rows[1].reason).toBe('不符')
    expect(counted).toEqual({ study: 1, service: 0 })
  })

  it("lists the branch's waiting own records for the secretary; refused ones leave every confirmation list", () => {
    const records = [rec(1), rec(2, { status: 'refused' }), rec(3, { status: 'confirmed' }), rec(4, { branch_id: 2 }),
      rec(5, { kind: 'attendance', status: 'pending' })]
    expect(ownRecordsToReview(records, [1]).map((r) => r.id)).toEqual([1])
    expect(toConfirm(records, [], [1]).map((r) => r.id)).toEqual([1, 5])
  })

  it('is sent through the upload queue with its photo, kept on the phone offline, stored locally once answered', async () => {
    const item = ownRecordItem(form({ photo: { bytes: new ArrayBuffer(3), type: 'image/jpeg', name: 'a.jpg' } }), { nonce: 'n2aaaaaaaa' })
    const stored = { id: 41, member_id: 7, kind: 'study', status: 'acknowledged' }
    const deps = {
      postOwnRecord: vi.fn(async () => ({ ok: true, status: 201, data: stored })), onOwnRecord: vi.fn(async () => {}),
      remove: vi.fn(async () => {}), noteAttempt: vi.fn(async () => {}), toBlob: (i) => new Blob([i.bytes], { type: i.type }),
    }
    const result = await pushUploads([item], deps)
    expect(result).toMatchObject({ outcome: 'ok', sent: ['n2aaaaaaaa'] })
    expect(deps.postOwnRecord.mock.calls[0][0]).toBe(item)
    expect(deps.postOwnRecord.mock.calls[0][1]).toBeInstanceOf(Blob)
    expect(deps.onOwnRecord).toHaveBeenCalledWith(stored)
    // Offline, or over the day's limit (429): kept for later, nothing stored.
    for (const answer of [{ ok: false, network: true }, { ok: false, status: 429 }]) {
      const d = { ...deps, postOwnRecord: vi.fn(async () => answer), onOwnRecord: vi.fn(), remove: vi.fn() }
      expect((await pushUploads([item], d)).outcome).not.toBe('ok')
      expect(d.remove).not.toHaveBeenCalled()
      expect(d.onOwnRecord).not.toHaveBeenCalled()
    }
  })
})

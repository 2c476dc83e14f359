import { describe, expect, it } from 'vitest'
import { toConfirm } from '../src/sync/confirmations.js'

describe('records to confirm', () => {
  const records = [
    { id: 1, branch_id: 7, event_id: 3, status: 'pending' },
    { id: 2, branch_id: 7, event_id: 3, status: 'acknowledged' },
    { id: 3, branch_id: 7, event_id: 3, status: 'confirmed' },
    { id: 4, branch_id: 8, event_id: 3, status: 'pending' }, // another branch's
    { id: 5, branch_id: 7, event_id: 4, status: 'pending' },
  ]

  it('are the managed branch\'s unconfirmed ones without a queued confirmation', () => {
    const outbox = [{ type: 'record_confirm', mutation: { record_id: 2 } }, { type: 'record_acknowledge', mutation: { record_id: 5 } }]
    expect(toConfirm(records, outbox, [7]).map((r) => r.id)).toEqual([1, 5])
    expect(toConfirm(records, outbox, [7], 3).map((r) => r.id)).toEqual([1])
    expect(toConfirm(records, [], [])).toEqual([])
  })
})

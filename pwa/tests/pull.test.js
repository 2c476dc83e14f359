import { describe, expect, it, vi } from 'vitest'
import { planPage, pullAll } from '../src/sync/pull.js'

const page = (cursor, changes, more = false, extra = {}) => ({ ok: true, data: { cursor, changes, has_more: more, reset: false, card_keys: { k1: 'AA' }, clock_offset_ms: 5, ...extra } })

describe('pulling', () => {
  it('follows has_more and stores each page with its cursor', async () => {
    const stored = []
    const fetchPage = vi.fn()
      .mockResolvedValueOnce(page('c1', [{ entity: 'event', op: 'upsert', id: 1, data: { id: 1 } }], true))
      .mockResolvedValueOnce(page('c2', [{ entity: 'card', op: 'revoke', id: 2, data: { serial: 'X', status: 'revoked' } }]))
    const out = await pullAll({ getCursor: async () => 'c0', fetchPage, storePage: async (p) => stored.push(p), now: () => 123 })
    expect(out).toMatchObject({ outcome: 'ok', pages: 2, changes: 2, clockOffsetMs: 5 })
    expect(fetchPage.mock.calls.map(([q]) => q.cursor)).toEqual(['c0', 'c1'])
    expect(fetchPage.mock.calls[0][0]).toMatchObject({ protocol_version: 1, client_time_ms: 123 })
    expect(stored.map((p) => p.cursor)).toEqual(['c1', 'c2'])
    expect(stored[1].puts[0]).toMatchObject({ key: 'card:2', revoked: 1, deleted: 0 })
  })

  it('names the device on the first page only when it has nothing left to push', async () => {
    const fetchPage = vi.fn()
      .mockResolvedValueOnce(page('c1', [], true))
      .mockResolvedValueOnce(page('c2', []))
    await pullAll({ getCursor: async () => null, fetchPage, storePage: async () => {}, syncedDevice: async () => 'phone-1' })
    expect(fetchPage.mock.calls.map(([q]) => q.device_id)).toEqual(['phone-1', undefined])
    const pending = vi.fn().mockResolvedValue(page('c1', []))
    await pullAll({ getCursor: async () => null, fetchPage: pending, storePage: async () => {}, syncedDevice: async () => null })
    expect(pending.mock.calls[0][0]).not.toHaveProperty('device_id')
  })

  it('omits the cursor at first, and does not advance it when storing fails', async () => {
    const fetchPage = vi.fn().mockResolvedValue(page('c1', []))
    let cursor = null
    const out = await pullAll({ getCursor: async () => cursor, fetchPage, storePage: async () => { throw new Error('disk full') } })
    expect(fetchPage.mock.calls[0][0]).not.toHaveProperty('cursor')
    expect(out.outcome).toBe('error')
    expect(cursor).toBeNull()
  })

  it('maps upsert, delete and revoke; reset and card keys pass through', () => {
    const plan = planPage({ cursor: 'c', reset: true, card_keys: { a: 'b' }, changes: [
      { entity: 'record', op: 'upsert', id: 1, data: { id: 1 } },
      { entity: 'record', op: 'delete', id: 2, data: null },
      { entity: 'card', op: 'upsert', id: 3, data: { status: 'replaced', serial: 'S' } },
      { entity: 'nonsense', op: 'upsert', id: 4, data: {} },
    ] })
    expect(plan.reset).toBe(1)
    expect(plan.cardKeys).toEqual({ a: 'b' })
    expect(plan.puts.map((p) => [p.key, p.deleted, p.revoked])).toEqual([['record:1', 0, 0], ['record:2', 1, 0], ['card:3', 0, 1]])
  })

  it('reports offline, login required and update required', async () => {
    for (const [res, outcome] of [[{ ok: false, network: true }, 'offline'], [{ ok: false, status: 401 }, 'login'], [{ ok: false, status: 426 }, 'update']]) {
      const out = await pullAll({ getCursor: async () => null, fetchPage: async () => res, storePage: async () => {} })
      expect(out.outcome).toBe(outcome)
    }
  })
})

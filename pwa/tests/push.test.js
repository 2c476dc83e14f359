import { describe, expect, it, vi } from 'vitest'
import { applyPushResults, batches, classifyFailure, pushOutbox } from '../src/sync/push.js'
import { checkinEventCode, outboxItem, recordConfirm } from '../src/sync/mutations.js'

function memoryStore(items) {
  const state = { outbox: [...items], rejections: [], attempts: {} }
  return {
    state,
    listPending: async (username) => state.outbox.filter((i) => i.username === username),
    store: {
      applyResults: async ({ remove, rejections }) => {
        state.outbox = state.outbox.filter((i) => !remove.includes(i.id))
        state.rejections.push(...rejections)
      },
      noteAttempt: async (ids, error) => { for (const id of ids) state.attempts[id] = error },
    },
  }
}
const answerAll = (status = 'applied', extra = {}) => vi.fn(async (body) => ({
  ok: true, data: { results: body.mutations.map((m) => ({ id: m.id, status, code: null, message: null, record_id: 1, flags: [], ...extra })) },
}))
const items = (n, username = 'liming') => Array.from({ length: n }, (_, i) =>
  outboxItem(recordConfirm(i + 1, { nonce: `${username}${String(i).padStart(6, '0')}` }), username))
const base = { deviceId: 'pwa-test-device', sleep: async () => {}, random: () => 0 }

describe('pushing the outbox', () => {
  it('sends at most 500 per push, in pages, with progress', async () => {
    const mem = memoryStore(items(1203))
    const push = answerAll()
    const progress = []
    const out = await pushOutbox('liming', { ...base, ...mem, push, onProgress: (p) => progress.push(p) })
    expect(push.mock.calls.map(([b]) => b.mutations.length)).toEqual([500, 500, 203])
    expect(new Set(push.mock.calls.map(([b]) => b.idempotency_key)).size).toBe(3)
    expect(push.mock.calls[0][0]).toMatchObject({ protocol_version: 1, device_id: 'pwa-test-device' })
    expect(progress.at(-1)).toEqual({ done: 1203, total: 1203 })
    expect(progress.map((p) => p.done)).toEqual([0, 500, 1000, 1203])
    expect(out).toMatchObject({ outcome: 'ok', sent: 1203, applied: 1203, remaining: 0 })
    expect(mem.state.outbox).toHaveLength(0)
  })

  it("never sends items queued by another username", async () => {
    const mem = memoryStore([...items(3, 'wangfang'), ...items(2, 'liming')])
    mem.listPending = async () => mem.state.outbox // even if storage handed them over
    const push = answerAll()
    await pushOutbox('liming', { ...base, ...mem, push })
    const sent = push.mock.calls.flatMap(([b]) => b.mutations)
    expect(sent).toHaveLength(2)
    expect(mem.state.outbox.filter((i) => i.username === 'wangfang')).toHaveLength(3)
    expect(await pushOutbox('', { ...base, ...mem, push })).toMatchObject({ outcome: 'login' })
  })

  it('applied, duplicate and rejected leave the outbox; rejections are kept for the user', async () => {
    const its = items(3)
    const mem = memoryStore(its)
    const statuses = ['applied', 'duplicate', 'rejected']
    const push = vi.fn(async (body) => ({
      ok: true,
      data: { clock_offset_ms: 250, results: body.mutations.map((m, i) => ({ id: m.id, status: statuses[i], code: i === 2 ? 'stale_code' : null, message: i === 2 ? 'old photo' : null, flags: i === 0 ? ['late_delivery'] : [] })) },
    }))
    const out = await pushOutbox('liming', { ...base, ...mem, push })
    expect(out).toMatchObject({ outcome: 'ok', applied: 1, duplicate: 1, rejected: 1, clockOffsetMs: 250 })
    expect(out.accepted[0].flags).toEqual(['late_delivery'])
    expect(mem.state.outbox).toHaveLength(0)
    expect(mem.state.rejections).toMatchObject([{ id: its[2].id, code: 'stale_code', message: 'old photo', dismissed: 0, username: 'liming' }])
  })

  it('keeps an item the answer says nothing about', () => {
    const its = items(2)
    const r = applyPushResults(its, { results: [{ id: its[0].id, status: 'applied' }] })
    expect(r.remove).toEqual([its[0].id])
    expect(r.keep).toEqual([its[1]])
  })

  it('retries network failures, 5xx and 429 with the same idempotency key, then keeps the items', async () => {
    for (const failure of [{ ok: false, network: true }, { ok: false, status: 503 }, { ok: false, status: 429, retryAfter: '2' }]) {
      const mem = memoryStore(items(2))
      const push = vi.fn(async () => failure)
      const sleep = vi.fn(async () => {})
      const out = await pushOutbox('liming', { ...base, ...mem, push, sleep, maxAttempts: 3 })
      expect(push).toHaveBeenCalledTimes(3)
      expect(new Set(push.mock.calls.map(([b]) => b.idempotency_key)).size).toBe(1)
      expect(sleep).toHaveBeenCalledTimes(2)
      if (failure.status === 429) expect(sleep.mock.calls[0][0]).toBeGreaterThanOrEqual(2000)
      expect(out.outcome).toBe(failure.network ? 'offline' : 'error')
      expect(out.remaining).toBe(2)
      expect(mem.state.outbox).toHaveLength(2)
      expect(Object.keys(mem.state.attempts)).toHaveLength(2)
    }
  })

  it('recovers when a retry gets through', async () => {
    const mem = memoryStore(items(2))
    const ok = answerAll()
    let calls = 0
    const push = vi.fn(async (body) => (++calls === 1 ? { ok: false, network: true } : ok(body)))
    const out = await pushOutbox('liming', { ...base, ...mem, push })
    expect(out).toMatchObject({ outcome: 'ok', sent: 2 })
    expect(push.mock.calls[0][0].idempotency_key).toBe(push.mock.calls[1][0].idempotency_key)
  })

  it('401 (login required) stops at once and keeps the whole outbox', async () => {
    const mem = memoryStore(items(700))
    const push = vi.fn(async () => ({ ok: false, status: 401, loginRequired: true }))
    const out = await pushOutbox('liming', { ...base, ...mem, push })
    expect(push).toHaveBeenCalledTimes(1)
    expect(out).toMatchObject({ outcome: 'login', remaining: 700 })
    expect(mem.state.outbox).toHaveLength(700)
    expect(mem.state.rejections).toHaveLength(0)
  })

  it('a 422 for the whole request keeps the items and reports it', async () => {
    const mem = memoryStore(items(2))
    const push = vi.fn(async () => ({ ok: false, status: 422, body: { code: 422, message: 'bad envelope' } }))
    const out = await pushOutbox('liming', { ...base, ...mem, push })
    expect(push).toHaveBeenCalledTimes(1)
    expect(out).toMatchObject({ outcome: 'refused', status: 422, message: 'bad envelope', remaining: 2 })
    expect(mem.state.outbox).toHaveLength(2)
  })

  it('a failure in a later page keeps that page and the rest, and counts the earlier ones', async () => {
    const mem = memoryStore(items(1100))
    const ok = answerAll()
    let calls = 0
    const push = vi.fn(async (body) => (++calls === 1 ? ok(body) : { ok: false, network: true }))
    const out = await pushOutbox('liming', { ...base, ...mem, push, maxAttempts: 1 })
    expect(out).toMatchObject({ outcome: 'offline', sent: 500, remaining: 600 })
    expect(mem.state.outbox).toHaveLength(600)
  })

  it('classifies failures as the protocol says', () => {
    expect(classifyFailure({ ok: false, network: true })).toBe('retry')
    expect(classifyFailure({ ok: false, status: 500 })).toBe('retry')
    expect(classifyFailure({ ok: false, status: 429 })).toBe('retry')
    expect(classifyFailure({ ok: false, status: 401 })).toBe('login')
    expect(classifyFailure({ ok: false, status: 413 })).toBe('refused')
    expect(classifyFailure({ ok: false, status: 400 })).toBe('refused')
    expect(batches(items(501)).map((b) => b.length)).toEqual([500, 1])
  })

  it('builds mutations with a dashless uuid nonce and the device clock', () => {
    const m = checkinEventCode('ZE1.1.1.12345678', { now: () => 1790000000123 })
    expect(m.id).toMatch(/^[0-9a-f]{32}$/)
    expect(m.claimed_at_ms).toBe(1790000000123)
  })
})

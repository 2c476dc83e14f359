// The app's sync wiring end to end: db.js (fake-indexeddb) + net.js (a mocked fetch) + the pure
// logic, through services/syncer.js and services/session.js.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import Dexie from 'dexie'
import * as db from '../src/db.js'
import { configureNet } from '../src/net.js'
import { loadSession, session } from '../src/services/session.js'
import { queue, syncNow, syncState } from '../src/services/syncer.js'
import { checkinEventCode, outboxItem } from '../src/sync/mutations.js'

const json = (status, body) => ({ ok: status < 300, status, text: async () => JSON.stringify(body), headers: { get: () => null } })
let name
let server

function fakeServer({ pushStatus = 200, refreshStatus = 200 } = {}) {
  const state = { pushed: [], pulls: 0 }
  const fetch = vi.fn(async (url, init) => {
    const path = url.replace('/api/v1', '').split('?')[0]
    if (path === '/auth/refresh') return refreshStatus === 200 ? json(200, { access_token: 'fresh' }) : json(refreshStatus, { code: refreshStatus })
    if (init.headers.Authorization !== 'Bearer fresh' && pushStatus !== 'expire-once') return json(401, { code: 401 })
    if (path === '/sync/push') {
      const body = JSON.parse(init.body)
      state.pushed.push(...body.mutations)
      return json(200, { results: body.mutations.map((m, i) => ({ id: m.id, status: i === 0 ? 'applied' : 'rejected', code: i === 0 ? null : 'stale_code', message: 'x', flags: [] })) })
    }
    if (path === '/sync/pull') {
      state.pulls += 1
      return json(200, { cursor: `c${state.pulls}`, has_more: false, reset: false, card_keys: {}, clock_offset_ms: 0,
        changes: [{ entity: 'record', op: 'upsert', id: 1, data: { id: 1, member_id: 5, event_id: 1, kind: 'attendance' } }] })
    }
    return json(404, {})
  })
  configureNet({ fetch, isOnline: () => true })
  return { fetch, state }
}

beforeEach(async () => {
  name = `zhibu-app-${Math.random().toString(36).slice(2)}`
  db.useDb(db.createDb(name))
  await db.setMeta('session', { username: 'liming', access_token: 'stale', refresh_token: 'r', me: { member_id: 5, username: 'liming' } })
  await loadSession()
  syncState.online = true
})
afterEach(async () => {
  await db.closeDb()
  await Dexie.delete(name)
  db.useDb(null)
})

describe('the app syncing through db.js and net.js', () => {
  it("sends only the logged-in user's items; others stay queued", async () => {
    server = fakeServer()
    await db.addToOutbox(outboxItem(checkinEventCode('ZE1.1.1.12345678'), 'wangfang'))
    const { item, sent } = await queue(checkinEventCode('ZE1.1.2.12345678', { eventId: 1 }), { eventId: 1 })
    await sent
    expect(server.state.pushed.map((m) => m.id)).toEqual([item.id])
    expect(await db.countPendingByUser()).toEqual({ wangfang: 1 })
    expect(syncState.otherPending).toBe(1)
    expect(await db.getMeta('cursor')).toBe('c1')
    expect((await db.listEntities('record')).map((r) => r.id)).toEqual([1])
  })

  it('an expired login (refresh refused) keeps the whole outbox and asks to log in', async () => {
    server = fakeServer({ refreshStatus: 401 })
    await db.addToOutbox(outboxItem(checkinEventCode('ZE1.1.1.12345678'), 'liming'))
    await db.addToOutbox(outboxItem(checkinEventCode('ZE1.2.1.12345678'), 'liming'))
    const result = await syncNow('test')
    expect(result.outcome).toBe('login')
    expect(session.loginRequired).toBe(true)
    expect(await db.countPending('liming')).toBe(2)
    expect((await db.getMeta('session')).login_required).toBe(true)
    expect(server.state.pushed).toHaveLength(0)
    // Still logged in locally: scanning keeps queuing under the same user.
    await queue(checkinEventCode('ZE1.3.1.12345678'))
    expect(await db.countPending('liming')).toBe(3)
  })

  it('a refreshed token pushes; rejections are kept for the user until dismissed', async () => {
    server = fakeServer()
    await db.addToOutbox(outboxItem(checkinEventCode('ZE1.1.1.12345678'), 'liming'))
    await db.addToOutbox(outboxItem(checkinEventCode('ZE1.2.1.12345678'), 'liming'))
    const result = await syncNow('test')
    expect(result.outcome).toBe('ok')
    expect(await db.countPending('liming')).toBe(0)
    const rejections = await db.openRejections('liming')
    expect(rejections.map((r) => r.code)).toEqual(['stale_code'])
    expect(syncState.rejections).toBe(1)
  })
})

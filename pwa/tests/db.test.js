import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import Dexie from 'dexie'
import * as db from '../src/db.js'
import { checkinEventCode, outboxItem } from '../src/sync/mutations.js'
import { planPage } from '../src/sync/pull.js'

let name
beforeEach(() => {
  name = `zhibu-test-${Math.random().toString(36).slice(2)}`
  db.useDb(db.createDb(name))
})
afterEach(async () => {
  await db.closeDb()
  await Dexie.delete(name)
  db.useDb(null)
})

describe('schema upgrades keep the outbox', () => {
  it('v1 → v2: queued scans survive, with their user, order and attempt counts', async () => {
    await db.closeDb()
    const v1 = db.createDb(name, { upTo: 1 })
    await v1.open()
    expect(v1.verno).toBe(1)
    await v1.outbox.bulkAdd([
      { id: 'n1aaaaaaaa', username: 'liming', type: 'checkin_event_code', mutation: checkinEventCode('ZE1.1.1.12345678', { nonce: 'n1aaaaaaaa' }), created_ms: 1, tries: 2 },
      { id: 'n2bbbbbbbb', username: 'wangfang', type: 'checkin_event_code', mutation: checkinEventCode('ZE1.1.1.12345678', { nonce: 'n2bbbbbbbb' }), created_ms: 2 },
      { id: 'n3cccccccc', username: 'liming', type: 'record_acknowledge', mutation: { id: 'n3cccccccc', type: 'record_acknowledge', record_id: 4 }, created_ms: 3 },
    ])
    await v1.entities.put({ key: 'card:1', entity: 'card', id: 1, data: { serial: 'S1', status: 'revoked' }, revoked: true })
    await v1.rejections.add({ id: 'r1', username: 'liming', code: 'stale_code' })
    v1.close()

    const v2 = db.createDb(name)
    db.useDb(v2)
    await v2.open()
    expect(v2.verno).toBe(db.LATEST_VERSION)
    const liming = await db.pendingFor('liming')
    expect(liming.map((i) => i.id)).toEqual(['n1aaaaaaaa', 'n3cccccccc'])
    expect(liming[0].attempts).toBe(2)
    expect(liming[0].last_error).toBeNull()
    expect(liming[1].attempts).toBe(0)
    expect(await db.pendingFor('wangfang')).toHaveLength(1)
    expect(await db.revokedSerials()).toEqual(new Set(['S1']))
    expect((await db.openRejections('liming')).map((r) => r.id)).toEqual(['r1'])
  })
})

describe('v2 → v3: the uploads store', () => {
  it('adds the uploads store and keeps the outbox, cache and rejections', async () => {
    await db.closeDb()
    const v2 = db.createDb(name, { upTo: 2 })
    await v2.open()
    expect(v2.verno).toBe(2)
    await v2.outbox.bulkAdd([
      outboxItem(checkinEventCode('ZE1.1.1.12345678', { nonce: 'n1aaaaaaaa' }), 'liming'),
      outboxItem(checkinEventCode('ZE1.1.1.12345678', { nonce: 'n2bbbbbbbb' }), 'wangfang'),
    ])
    await v2.meta.put({ key: 'cursor', value: 'c9' })
    await v2.rejections.add({ id: 'r1', username: 'liming', code: 'stale_code', dismissed: 0 })
    v2.close()

    const v3 = db.createDb(name)
    db.useDb(v3)
    await v3.open()
    expect(v3.verno).toBe(3)
    expect((await db.pendingFor('liming')).map((i) => i.id)).toEqual(['n1aaaaaaaa'])
    expect(await db.countPendingByUser()).toEqual({ liming: 1, wangfang: 1 })
    expect(await db.getMeta('cursor')).toBe('c9')
    expect((await db.openRejections('liming')).map((r) => r.id)).toEqual(['r1'])

    await db.addUpload({ id: 'u1aaaaaaaa', username: 'liming', kind: 'minutes_text', event_id: 7, text: '会议记录' })
    await db.addUpload({ id: 'u2bbbbbbbb', username: 'liming', kind: 'minutes_photo', event_id: 7, bytes: new Uint8Array([0xff, 0xd8, 0xff]).buffer, type: 'image/jpeg' })
    await db.clearSessionData()
    const kept = await db.uploadsFor('liming')
    expect(kept.map((u) => [u.id, u.attempts])).toEqual([['u1aaaaaaaa', 0], ['u2bbbbbbbb', 0]])
    expect(new Uint8Array(kept[1].bytes)).toEqual(new Uint8Array([0xff, 0xd8, 0xff]))
    expect(await db.countUploadsByUser()).toEqual({ liming: 2 })
    await db.noteUploadAttempt('u1aaaaaaaa', 'network')
    expect((await db.uploadsOfEvent('liming', 7))[0]).toMatchObject({ attempts: 1, last_error: 'network' })
    await db.removeUpload('u1aaaaaaaa')
    expect((await db.uploadsFor('liming')).map((u) => u.id)).toEqual(['u2bbbbbbbb'])
  })
})

describe('outbox and cache', () => {
  it('keeps each item with the user who queued it; logout keeps the outbox', async () => {
    await db.addToOutbox(outboxItem(checkinEventCode('ZE1.1.1.12345678'), 'liming'))
    await db.addToOutbox(outboxItem(checkinEventCode('ZE1.2.1.12345678'), 'wangfang'))
    await db.setMeta('session', { username: 'liming' })
    await db.storePullPage(planPage({ cursor: 'c1', changes: [{ entity: 'event', op: 'upsert', id: 1, data: { id: 1 } }] }))
    await db.clearSessionData()
    expect(await db.countPending('liming')).toBe(1)
    expect(await db.countPending('wangfang')).toBe(1)
    expect(await db.countPendingByUser()).toEqual({ liming: 1, wangfang: 1 })
    expect(await db.getMeta('session')).toBeNull()
    expect(await db.getMeta('cursor')).toBeNull()
    expect(await db.listEntities('event')).toEqual([])
  })

  it('applies push results in one transaction: final items leave, rejections stay until dismissed', async () => {
    const a = await db.addToOutbox(outboxItem(checkinEventCode('ZE1.1.1.12345678'), 'liming'))
    const b = await db.addToOutbox(outboxItem(checkinEventCode('ZE1.1.1.12345678'), 'liming'))
    await db.applyPushResults({ remove: [a.id, b.id], rejections: [{ id: b.id, username: 'liming', code: 'stale_code' }] })
    expect(await db.countPending('liming')).toBe(0)
    const open = await db.openRejections('liming')
    expect(open.map((r) => [r.id, r.code, r.dismissed])).toEqual([[b.id, 'stale_code', 0]])
    await db.dismissRejection(b.id)
    expect(await db.openRejections('liming')).toEqual([])
  })

  it('stores a pull page and its cursor together; reset drops the cache first; tombstones hide', async () => {
    await db.storePullPage(planPage({
      cursor: '1.1.x', card_keys: { k: 'AAAA' },
      changes: [
        { entity: 'event', op: 'upsert', id: 1, data: { id: 1, title: 'a' } },
        { entity: 'record', op: 'upsert', id: 2, data: { id: 2 } },
        { entity: 'card', op: 'revoke', id: 3, data: { id: 3, serial: 'OLD', status: 'replaced' } },
      ],
    }))
    expect(await db.getMeta('cursor')).toBe('1.1.x')
    expect(await db.getMeta('card_keys')).toEqual({ k: 'AAAA' })
    expect(await db.revokedSerials()).toEqual(new Set(['OLD']))
    await db.storePullPage(planPage({ cursor: '2.1.x', changes: [{ entity: 'record', op: 'delete', id: 2, data: null }] }))
    expect(await db.listEntities('record')).toEqual([])
    expect(await db.getEntity('record', 2)).toBeNull()
    await db.storePullPage(planPage({ cursor: '3.1.y', reset: true, changes: [{ entity: 'event', op: 'upsert', id: 9, data: { id: 9 } }] }))
    expect((await db.listEntities('event')).map((e) => e.id)).toEqual([9])
    expect(await db.revokedSerials()).toEqual(new Set())
  })

  it('makes the device id once', async () => {
    const first = await db.getOrCreateDeviceId(() => 'pwa-first-device')
    const second = await db.getOrCreateDeviceId(() => 'pwa-other-device')
    expect(first).toBe('pwa-first-device')
    expect(second).toBe('pwa-first-device')
  })
})

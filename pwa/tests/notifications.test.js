import { describe, expect, it, vi } from 'vitest'
import {
  disablePush, enablePush, keyBytes, markNoticeRead, markedRead, pushState, pushSupport, subscriptionBody, unreadCount,
} from '../src/services/notifications.js'

// A VAPID application server key as /push/key gives it: 65 bytes, base64url without padding.
const KEY_BYTES = new Uint8Array(65).map((_, i) => (i === 0 ? 4 : (i * 37) % 256))
const KEY = Buffer.from(KEY_BYTES).toString('base64url')
const OTHER_KEY = Buffer.from(new Uint8Array(65).fill(4)).toString('base64url')

function fakeSubscription(endpoint = 'https://fcm.googleapis.com/fcm/send/abc', key = KEY_BYTES) {
  return {
    endpoint,
    options: { applicationServerKey: key.buffer },
    toJSON: () => ({ endpoint, expirationTime: null, keys: { p256dh: 'BP256', auth: 'AUTH' } }),
    unsubscribe: vi.fn(async () => true),
  }
}

function browser({ permission = 'default', answer = 'granted', existing = null, subscribeFails = false } = {}) {
  const pushManager = {
    getSubscription: vi.fn(async () => existing),
    subscribe: vi.fn(async () => {
      if (subscribeFails) throw new DOMException('Registration failed - push service not available', 'AbortError')
      return fakeSubscription()
    }),
  }
  const Notification = { permission, requestPermission: vi.fn(async () => answer) }
  const env = { isSecureContext: true, navigator: { serviceWorker: {} }, PushManager: function PushManager() {}, Notification }
  return { env, pushManager, getRegistration: async () => ({ pushManager }) }
}

function server({ enabled = true, key = KEY, subscribe = { ok: true, data: {} } } = {}) {
  return {
    pushKey: vi.fn(async () => ({ ok: true, data: { enabled, public_key: enabled ? key : null } })),
    subscribePush: vi.fn(async () => subscribe),
    unsubscribePush: vi.fn(async () => ({ ok: true, data: null })),
    readNotice: vi.fn(async () => ({ ok: true, data: null })),
  }
}

describe('Web Push opt-in', () => {
  it('knows when the browser cannot', () => {
    expect(pushSupport({ isSecureContext: true, navigator: { serviceWorker: {} }, PushManager() {}, Notification: {} })).toBe('ok')
    expect(pushSupport({ isSecureContext: true, navigator: {}, PushManager() {}, Notification: {} })).toBe('unsupported')
    expect(pushSupport({ isSecureContext: true, navigator: { serviceWorker: {} }, Notification: {} })).toBe('unsupported')
    expect(pushSupport({ isSecureContext: false, navigator: { serviceWorker: {} }, PushManager() {}, Notification: {} })).toBe('unsupported')
  })

  it('turns the base64url key into the bytes subscribe() takes', () => {
    expect(Array.from(keyBytes(KEY))).toEqual(Array.from(KEY_BYTES))
    expect(Array.from(keyBytes('_-8'))).toEqual([0xff, 0xef])
  })

  it('sends endpoint and keys only (the server refuses unknown fields), with a valid device id', () => {
    expect(subscriptionBody(fakeSubscription(), 'device-123456')).toEqual({
      endpoint: 'https://fcm.googleapis.com/fcm/send/abc', keys: { p256dh: 'BP256', auth: 'AUTH' }, device_id: 'device-123456',
    })
    expect(subscriptionBody(fakeSubscription(), 'x')).not.toHaveProperty('device_id')
  })

  it('asks for permission, subscribes with the server key, and posts the subscription', async () => {
    const b = browser()
    const api = server()
    expect(await enablePush({ env: b.env, api, getRegistration: b.getRegistration, deviceId: 'device-123456' })).toBe('on')
    expect(b.env.Notification.requestPermission).toHaveBeenCalledOnce()
    const [options] = b.pushManager.subscribe.mock.calls[0]
    expect(options.userVisibleOnly).toBe(true)
    expect(Array.from(options.applicationServerKey)).toEqual(Array.from(KEY_BYTES))
    expect(api.subscribePush).toHaveBeenCalledWith(expect.objectContaining({ endpoint: 'https://fcm.googleapis.com/fcm/send/abc' }))
  })

  it('says so honestly when it cannot', async () => {
    let b = browser()
    expect(await enablePush({ env: b.env, api: server({ enabled: false }), getRegistration: b.getRegistration })).toBe('server-off')
    expect(b.env.Notification.requestPermission).not.toHaveBeenCalled() // nobody is asked for nothing
    b = browser({ answer: 'denied' })
    expect(await enablePush({ env: b.env, api: server(), getRegistration: b.getRegistration })).toBe('denied')
    b = browser({ answer: 'default' })
    expect(await enablePush({ env: b.env, api: server(), getRegistration: b.getRegistration })).toBe('off')
    b = browser({ subscribeFails: true })
    expect(await enablePush({ env: b.env, api: server(), getRegistration: b.getRegistration })).toBe('unsupported')
    b = browser()
    const offline = { ...server(), pushKey: async () => ({ ok: false, network: true }) }
    expect(await enablePush({ env: b.env, api: offline, getRegistration: b.getRegistration })).toBe('offline')
    b = browser()
    expect(await enablePush({ env: { ...b.env, PushManager: undefined }, api: server(), getRegistration: b.getRegistration }))
      .toBe('unsupported')
  })

  it('replaces a subscription made with another server key', async () => {
    const old = fakeSubscription('https://fcm.googleapis.com/fcm/send/old', keyBytes(OTHER_KEY))
    const b = browser({ existing: old })
    expect(await enablePush({ env: b.env, api: server(), getRegistration: b.getRegistration })).toBe('on')
    expect(old.unsubscribe).toHaveBeenCalledOnce()
  })

  it('reads the state without asking, re-posting a live subscription', async () => {
    let b = browser({ permission: 'granted', existing: fakeSubscription() })
    let api = server()
    expect(await pushState({ env: b.env, api, getRegistration: b.getRegistration })).toBe('on')
    expect(api.subscribePush).toHaveBeenCalledOnce()
    b = browser({ permission: 'denied' })
    expect(await pushState({ env: b.env, api: server(), getRegistration: b.getRegistration })).toBe('denied')
    b = browser()
    expect(await pushState({ env: b.env, api: server(), getRegistration: b.getRegistration })).toBe('off')
    expect(await pushState({ env: b.env, api: server({ enabled: false }), getRegistration: b.getRegistration })).toBe('server-off')
    b = browser({ permission: 'granted', existing: fakeSubscription('https://x.example/old', keyBytes(OTHER_KEY)) })
    api = server()
    expect(await pushState({ env: b.env, api, getRegistration: b.getRegistration })).toBe('off')
    expect(api.subscribePush).not.toHaveBeenCalled()
  })

  it('turns off on the phone and on the server', async () => {
    const sub = fakeSubscription()
    const b = browser({ existing: sub })
    const api = server()
    expect(await disablePush({ api, getRegistration: b.getRegistration })).toBe('off')
    expect(api.unsubscribePush).toHaveBeenCalledWith(sub.endpoint)
    expect(sub.unsubscribe).toHaveBeenCalledOnce()
  })
})

describe('notices read and the list', () => {
  const me = { member_id: 7 }
  const event = { id: 3, notice: '请准时参加', notice_published_at: '2030-03-01T02:00:00+00:00' }

  it('marks a notice read once per version, only online, only for members', async () => {
    const api = server()
    const seen = new Set()
    expect(await markNoticeRead(event, { me, online: true, api, seen })).toBe(true)
    expect(await markNoticeRead(event, { me, online: true, api, seen })).toBe(false)
    expect(await markNoticeRead({ ...event, notice_published_at: '2030-03-02T02:00:00+00:00' }, { me, online: true, api, seen })).toBe(true)
    expect(api.readNotice).toHaveBeenCalledTimes(2)
    expect(await markNoticeRead(event, { me, online: false, api, seen: new Set() })).toBe(false)
    expect(await markNoticeRead(event, { me: { member_id: null }, online: true, api, seen: new Set() })).toBe(false)
    expect(await markNoticeRead({ id: 4, notice: null }, { me, online: true, api, seen: new Set() })).toBe(false)
    expect(api.readNotice).toHaveBeenCalledTimes(2)
  })

  it('tries again after a network failure', async () => {
    const api = { readNotice: vi.fn(async () => ({ ok: false, network: true })) }
    const seen = new Set()
    expect(await markNoticeRead(event, { me, online: true, api, seen })).toBe(false)
    api.readNotice = vi.fn(async () => ({ ok: true }))
    expect(await markNoticeRead(event, { me, online: true, api, seen })).toBe(true)
  })

  it('counts the unread and marks one read without touching the others', () => {
    const list = [{ id: 2, read_at: null }, { id: 1, read_at: null }, { id: 0, read_at: '2030-01-01T00:00:00Z' }]
    expect(unreadCount(list)).toBe(2)
    const after = markedRead(list, 2, '2030-03-01T00:00:00Z')
    expect(after.map((n) => n.read_at)).toEqual(['2030-03-01T00:00:00Z', null, '2030-01-01T00:00:00Z'])
    expect(unreadCount(after)).toBe(1)
    expect(list[0].read_at).toBeNull()
  })
})

describe('logout', () => {
  it('stops this phone receiving the account\'s pushes, without waiting for a service worker', async () => {
    const { stopPushOnLogout } = await import('../src/services/notifications.js')
    const sub = fakeSubscription()
    const api = server()
    const pushManager = { getSubscription: async () => sub }
    await stopPushOnLogout({ env: { navigator: { serviceWorker: { getRegistration: async () => ({ pushManager }) } } }, api })
    expect(api.unsubscribePush).toHaveBeenCalledWith(sub.endpoint)
    expect(sub.unsubscribe).toHaveBeenCalledOnce()
    await expect(stopPushOnLogout({ env: { navigator: {} }, api })).resolves.toBeUndefined()
    await expect(stopPushOnLogout({ env: { navigator: { serviceWorker: { getRegistration: async () => undefined } } }, api }))
      .resolves.toBeUndefined()
  })
})

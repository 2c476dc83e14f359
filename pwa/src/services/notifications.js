// Notices and reminders that reach the member (server/notifications): the in-app list, marking a
// notice read, and the Web Push opt-in. The service worker only shows what arrives (sw.js); every
// decision is here. Browser objects and the network client are arguments, so tests pass fakes.
import { api as defaultApi } from '../net.js'

/** What this browser offers for Web Push: 'ok' | 'unsupported'. */
export function pushSupport(env = globalThis) {
  const nav = env.navigator ?? {}
  if (!env.isSecureContext || !nav.serviceWorker || !env.PushManager || !env.Notification) {
    return 'unsupported'
  }
  return 'ok'
}

/** A base64url string (the VAPID application server key) as the bytes subscribe() wants. */
export function keyBytes(base64url) {
  const b64 = String(base64url).replace(/-/g, '+').replace(/_/g, '/')
  const padded = b64 + '='.repeat((4 - (b64.length % 4)) % 4)
  const binary = atob(padded)
  const bytes = new Uint8Array(binary.length)
  for (let i = 0; i < binary.length; i += 1) bytes[i] = binary.charCodeAt(i)
  return bytes
}

function sameBytes(a, b) {
  if (!a || !b) return false
  const x = new Uint8Array(a)
  const y = new Uint8Array(b)
  return x.length === y.length && x.every((v, i) => v === y[i])
}

/** The body POST /me/push-subscriptions takes, from a browser PushSubscription. */
export function subscriptionBody(subscription, deviceId) {
  const json = typeof subscription.toJSON === 'function' ? subscription.toJSON() : subscription
  const body = { endpoint: json.endpoint, keys: { p256dh: json.keys?.p256dh, auth: json.keys?.auth } }
  if (deviceId && /^[A-Za-z0-9_-]{8,64}$/.test(deviceId)) body.device_id = deviceId
  return body
}

/**
 * Where the opt-in stands, without asking anything:
 * 'unsupported' | 'offline' | 'failed' | 'server-off' | 'denied' | 'on' | 'off'.
 * When this browser is subscribed, the subscription is posted again (the server may have
 * forgotten it, or another account used this phone before).
 */
export async function pushState({ env = globalThis, api = defaultApi, getRegistration, deviceId } = {}) {
  if (pushSupport(env) !== 'ok') return 'unsupported'
  const key = await api.pushKey()
  if (!key.ok) return key.network ? 'offline' : 'failed'
  if (!key.data?.enabled || !key.data.public_key) return 'server-off'
  if (env.Notification.permission === 'denied') return 'denied'
  const registration = await getRegistration()
  const existing = registration ? await registration.pushManager.getSubscription() : null
  if (!existing || env.Notification.permission !== 'granted') return 'off'
  if (!sameBytes(existing.options?.applicationServerKey, keyBytes(key.data.public_key))) return 'off'
  const res = await api.subscribePush(subscriptionBody(existing, deviceId))
  return res.ok || res.network ? 'on' : 'off'
}

/**
 * Ask for permission, subscribe with the server's key, and send the subscription.
 * → 'on' | 'unsupported' | 'offline' | 'server-off' | 'denied' | 'off' (dismissed) | 'failed'
 */
export async function enablePush({ env = globalThis, api = defaultApi, getRegistration, deviceId } = {}) {
  if (pushSupport(env) !== 'ok') return 'unsupported'
  const key = await api.pushKey()
  if (!key.ok) return key.network ? 'offline' : 'failed'
  if (!key.data?.enabled || !key.data.public_key) return 'server-off'
  let permission
  try {
    permission = await env.Notification.requestPermission()
  } catch {
    return 'unsupported'
  }
  if (permission === 'denied') return 'denied'
  if (permission !== 'granted') return 'off'
  const registration = await getRegistration()
  if (!registration?.pushManager) return 'unsupported'
  const applicationServerKey = keyBytes(key.data.public_key)
  let subscription
  try {
    const existing = await registration.pushManager.getSubscription()
    // A subscription made with another key (the server's key changed) cannot be reused.
    if (existing && !sameBytes(existing.options?.applicationServerKey, applicationServerKey)) await existing.unsubscribe()
    subscription = await registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey })
  } catch {
    return 'unsupported' // no push service reachable from this browser (or it refused)
  }
  const res = await api.subscribePush(subscriptionBody(subscription, deviceId))
  if (res.ok) return 'on'
  return res.network ? 'offline' : 'failed'
}

/** Stop: unsubscribe this browser and tell the server (best effort). → 'off' */
export async function disablePush({ api = defaultApi, getRegistration } = {}) {
  const registration = await getRegistration()
  const existing = registration ? await registration.pushManager.getSubscription() : null
  if (existing) {
    await api.unsubscribePush(existing.endpoint)
    try {
      await existing.unsubscribe()
    } catch {
      // already gone
    }
  }
  return 'off'
}

/** The service worker's registration, or null when there is none within `ms` (dev server, old browser). */
export function swRegistration(env = globalThis, ms = 5000) {
  const container = env.navigator?.serviceWorker
  if (!container?.ready) return Promise.resolve(null)
  return Promise.race([container.ready, new Promise((resolve) => setTimeout(() => resolve(null), ms))])
}

/**
 * On logout: this phone stops receiving the account's pushes (the next person to log in opts in
 * for themselves). Never waits for a service worker that is not there; never throws.
 */
export async function stopPushOnLogout({ env = globalThis, api = defaultApi } = {}) {
  try {
    const getRegistration = async () => (await env.navigator?.serviceWorker?.getRegistration?.()) ?? null
    await disablePush({ api, getRegistration })
  } catch {
    // nothing to stop
  }
}

// ----------------------------------------------------------------------- notices read

const marked = new Set()

/**
 * Tell the server the member opened this event's notice: once per notice version and page
 * life, only when online and only for a member. → true when it was sent now.
 */
export async function markNoticeRead(event, { me, online, api = defaultApi, seen = marked } = {}) {
  if (!event?.notice || !me?.member_id || !online) return false
  const key = `${event.id}@${event.notice_published_at ?? ''}`
  if (seen.has(key)) return false
  seen.add(key)
  const res = await api.readNotice(event.id)
  if (!res.ok && res.network) seen.delete(key) // try again when back online
  return res.ok
}

// ------------------------------------------------------------------ the in-app list

/** How many of a list (newest first, as the server sends it) are unread. */
export function unreadCount(list = []) {
  return list.filter((n) => !n.read_at).length
}

/** The list after one was read (locally, so the screen answers at once). */
export function markedRead(list, id, atIso) {
  return list.map((n) => (n.id === id && !n.read_at ? { ...n, read_at: atIso } : n))
}

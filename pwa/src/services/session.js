// The logged-in user: tokens and profile, kept in db.js (meta 'session') so the app opens
// logged in with no network. Wires net.js's token hooks. An expired login (refresh refused)
// only raises `loginRequired`: the user stays on their screens, scans keep queuing under their
// name, and nothing in the outbox is touched.
import { reactive } from 'vue'
import * as db from '../db.js'
import { api, configureNet } from '../net.js'
import { stopPushOnLogout } from './notifications.js'

export const session = reactive({
  ready: false,
  username: null,
  me: null, // GET /api/v1/auth/me
  loginRequired: false,
})

let tokens = null // {access_token, refresh_token}

export const isManager = () => (session.me?.managed_branch_ids?.length ?? 0) > 0
export const isFloating = () => (session.me?.host_branch_ids?.length ?? 0) > 0

configureNet({
  getTokens: async () => tokens,
  saveAccessToken: async (access) => {
    if (!tokens) return
    tokens = { ...tokens, access_token: access }
    const stored = await db.getMeta('session')
    if (stored) await db.setMeta('session', { ...stored, access_token: access })
  },
  onLoginRequired: () => {
    if (session.username) session.loginRequired = true
  },
})

export async function loadSession() {
  const stored = await db.getMeta('session')
  if (stored?.username) {
    tokens = { access_token: stored.access_token, refresh_token: stored.refresh_token }
    session.username = stored.username
    session.me = stored.me ?? null
    session.loginRequired = Boolean(stored.login_required)
  }
  session.ready = true
  return session
}

/** Log in: → {ok:true} | {ok:false, reason:'wrong'|'rate'|'offline'|'failed'}. */
export async function login(username, password) {
  const name = String(username ?? '').trim()
  const res = await api.login(name, password)
  if (!res.ok) {
    if (res.network) return { ok: false, reason: 'offline' }
    if (res.status === 401 || res.status === 422) return { ok: false, reason: 'wrong' }
    if (res.status === 429) return { ok: false, reason: 'rate' }
    return { ok: false, reason: 'failed' }
  }
  const previous = await db.getMeta('session')
  tokens = { access_token: res.data.access_token, refresh_token: res.data.refresh_token }
  const me = await api.me()
  const profile = me.ok ? me.data : null
  const canonical = profile?.username ?? name
  if (!previous || previous.username !== canonical) {
    // Another user's cache (and event secrets) must not stay visible; the outbox stays.
    await db.clearSessionData()
  }
  await db.setMeta('session', { username: canonical, ...tokens, me: profile, login_required: false })
  await db.setMeta('last_username', canonical)
  session.username = canonical
  session.me = profile
  session.loginRequired = false
  if (profile) await refreshBranchNames(profile)
  await requestPersistentStorage()
  return { ok: true }
}

/** Refresh the profile (roles can change without a new token). */
export async function refreshMe() {
  const me = await api.me()
  if (me.ok && me.data) {
    session.me = me.data
    const stored = await db.getMeta('session')
    if (stored) await db.setMeta('session', { ...stored, me: me.data })
    await refreshBranchNames(me.data)
  }
  return me
}

/** The names of the branches this user belongs to, hosts at or manages (kept for offline use). */
async function refreshBranchNames(me) {
  const ids = new Set([me.home_branch_id, ...(me.host_branch_ids ?? []), ...(me.managed_branch_ids ?? [])].filter(Boolean))
  const names = { ...((await db.getMeta('branch_names')) ?? {}) }
  for (const id of ids) {
    const res = await api.branch(id)
    if (res.ok && res.data?.name) names[id] = res.data.name
  }
  await db.setMeta('branch_names', names)
}

export async function markLoginRequired() {
  session.loginRequired = true
  const stored = await db.getMeta('session')
  if (stored) await db.setMeta('session', { ...stored, login_required: true })
}

/** Log out: end the session on the server when online; forget the cache; the outbox is kept for this user. */
export async function logout() {
  await stopPushOnLogout()
  await api.logout()
  await forgetSession()
}

/** Forget the login on this phone (the server has ended it); the outbox is kept for this user. */
export async function forgetSession() {
  tokens = null
  await db.clearSessionData()
  session.username = null
  session.me = null
  session.loginRequired = false
}

/** navigator.storage.persist(), asked once after the first login on this device. */
export async function requestPersistentStorage() {
  try {
    if (await db.getMeta('persist_requested')) return
    await db.setMeta('persist_requested', 1)
    if (navigator.storage?.persist) await navigator.storage.persist()
  } catch {
    // Not supported: the outbox still lives in IndexedDB.
  }
}

// Runs sync for the app: wires the pure logic (sync/run.js) to storage (db.js) and the network
// (net.js), and keeps the status every screen shows. Triggers: app start, the 'online' event,
// the "sync now" button, each scan when online, the service worker's Background Sync message,
// and a backoff timer while items wait.
import { reactive } from 'vue'
import * as db from '../db.js'
import { api } from '../net.js'
import { runSync } from '../sync/run.js'
import { pushUploads } from '../sync/uploads.js'
import { backoffDelay } from '../sync/backoff.js'
import { newDeviceId, outboxItem } from '../sync/mutations.js'
import { markLoginRequired, session } from './session.js'

export const syncState = reactive({
  online: typeof navigator === 'undefined' ? true : navigator.onLine !== false,
  running: false,
  pending: 0, // the current user's items waiting
  otherPending: 0, // other accounts' items waiting on this device
  lastSyncMs: null,
  progress: null, // {done, total} while pushing
  outcome: null, // last run: ok | offline | login | update | error | refused
  message: null,
  updateRequired: false,
  rejections: 0,
  dataVersion: 0, // bumps whenever cached data or the outbox changes: screens reload on it
})

let deviceId = null
let current = null
let again = false
let retryTimer = null
let retryAttempt = 0

export async function getDeviceId() {
  deviceId ??= await db.getOrCreateDeviceId(() => newDeviceId())
  return deviceId
}

export async function refreshCounts() {
  const counts = await db.countPendingByUser()
  for (const [user, n] of Object.entries(await db.countUploadsByUser())) counts[user] = (counts[user] ?? 0) + n
  const mine = session.username ? counts[session.username] ?? 0 : 0
  syncState.pending = mine
  syncState.otherPending = Object.values(counts).reduce((a, b) => a + b, 0) - mine
  syncState.lastSyncMs = await db.getMeta('last_sync_ms')
  syncState.rejections = session.username ? (await db.openRejections(session.username)).length : 0
  syncState.dataVersion += 1
}

function scheduleRetry() {
  clearTimeout(retryTimer)
  if (!syncState.online || syncState.pending === 0 || session.loginRequired) return
  retryAttempt += 1
  retryTimer = setTimeout(() => syncNow('retry'), backoffDelay(retryAttempt, { baseMs: 2000, capMs: 300000 }))
}

/** One sync run (push, then pull). Concurrent calls share it, and a call during a run runs again after. */
export function syncNow(reason = 'manual') {
  if (current) {
    again = true
    return current
  }
  current = (async () => {
    let result = null
    do {
      again = false
      result = await runOnce(reason)
    } while (again)
    return result
  })().finally(() => {
    current = null
  })
  return current
}

async function runOnce() {
  const username = session.username
  if (!username || session.loginRequired) {
    await refreshCounts()
    return { outcome: session.loginRequired ? 'login' : 'none' }
  }
  syncState.running = true
  syncState.message = null
  try {
    const device = await getDeviceId()
    const result = await runSync(username, {
      push: {
        deviceId: device,
        listPending: db.pendingFor,
        store: { applyResults: (r) => db.applyPushResults(r), noteAttempt: db.noteAttempt },
        push: api.push,
        onProgress: (p) => { syncState.progress = p.total > 0 ? p : null },
        maxAttempts: 2,
      },
      pull: {
        getCursor: () => db.getMeta('cursor'),
        fetchPage: api.pull,
        storePage: (plan) => db.storePullPage(plan),
        limit: 500,
        syncedDevice: async () => ((await db.pendingFor(username)).length === 0 ? device : null),
      },
    })
    if (result.outcome === 'ok') {
      const uploads = await sendUploads(username)
      if (uploads.outcome !== 'ok') result.outcome = uploads.outcome
    }
    syncState.outcome = result.outcome
    syncState.updateRequired = Boolean(result.push?.updateRequired) || result.outcome === 'update'
    syncState.message = result.push?.message ?? result.pull?.message ?? null
    if (result.push?.clockOffsetMs != null) await db.setMeta('clock_offset_ms', result.push.clockOffsetMs)
    if (result.outcome === 'login') await markLoginRequired()
    if (result.outcome === 'ok') retryAttempt = 0
    if (result.outcome === 'offline') syncState.online = typeof navigator === 'undefined' ? false : navigator.onLine !== false
    return result
  } finally {
    syncState.running = false
    syncState.progress = null
    await refreshCounts()
    if (syncState.pending > 0 && syncState.outcome !== 'ok') scheduleRetry()
  }
}

/** Send the user's queued minutes and photos (sync/uploads.js); refused ones become rejections. */
async function sendUploads(username) {
  const items = await db.uploadsFor(username)
  if (!items.length) return { outcome: 'ok' }
  const result = await pushUploads(items, {
    putMinutes: api.putMinutes,
    postPhoto: api.postMinutesPhoto,
    putSelfAssessment: api.putSelfAssessment,
    putAnalysis: api.putOrgLifeAnalysis,
    postOwnRecord: api.postOwnRecord,
    onOwnRecord: (record) => db.putEntity('record', record.id, record),
    remove: db.removeUpload,
    noteAttempt: db.noteUploadAttempt,
    toBlob: (item) => new Blob([item.bytes], { type: item.type || 'image/jpeg' }),
  })
  for (const r of result.refused) {
    const code = r.kind === 'party_analysis' ? 'analysis_refused' : 'upload_refused' // the org-life meeting was held
    await db.addRejection({ id: r.id, username, type: r.kind, code, message: r.message, mutation: null })
  }
  return result
}

/** Queue a minutes upload (text or photo) for the logged-in user, then try to send it. */
export async function queueUpload(item) {
  await db.addUpload({ ...item, username: session.username })
  await refreshCounts()
  if (syncState.online && !session.loginRequired) return syncNow('upload')
  registerBackgroundSync()
  return null
}

/**
 * Queue a mutation for the logged-in user (durable when this resolves), then try to send it
 * when online. Returns the outbox item at once; `sent` resolves after the push attempt.
 */
export async function queue(mutation, { eventId = null, memberId = null } = {}) {
  const item = outboxItem(mutation, session.username, { eventId, memberId })
  await db.addToOutbox(item)
  await refreshCounts()
  let sent = Promise.resolve(null)
  if (syncState.online && !session.loginRequired) sent = syncNow('queued')
  else registerBackgroundSync()
  return { item, sent }
}

/** What became of a queued item after a sync: 'queued' | {status, code, message}. */
export async function fateOf(id, runResult) {
  const accepted = runResult?.push?.accepted?.find((a) => a.id === id)
  if (accepted) return { status: accepted.status, recordId: accepted.record_id, flags: accepted.flags }
  const rejected = runResult?.push?.rejections?.find((r) => r.id === id)
  if (rejected) return { status: 'rejected', code: rejected.code, message: rejected.message }
  const still = (await db.pendingFor(session.username)).some((i) => i.id === id)
  return still ? { status: 'queued' } : { status: 'done' }
}

async function registerBackgroundSync() {
  try {
    const reg = await navigator.serviceWorker?.ready
    await reg?.sync?.register('zhibu-sync')
  } catch {
    // No Background Sync (Safari, Firefox): the app syncs on start and on 'online' instead.
  }
}

/** Hook the triggers up once (main.js). */
export function startSyncTriggers() {
  window.addEventListener('online', () => {
    syncState.online = true
    retryAttempt = 0
    syncNow('online')
  })
  window.addEventListener('offline', () => {
    syncState.online = false
  })
  navigator.serviceWorker?.addEventListener('message', (event) => {
    if (event.data?.type === 'ZHIBU_SYNC') syncNow('background-sync')
  })
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible' && syncState.online && syncState.pending > 0) syncNow('visible')
  })
}

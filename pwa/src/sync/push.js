// Pushing the outbox (docs/sync-protocol.md, "Push" and "Client behaviour"). Pure logic: the
// storage and the network come in as arguments, so it runs the same under Vitest with a mocked
// client as in the app with db.js and net.js.
import { backoffDelay, retryAfterMs } from './backoff.js'
import { MAX_BATCH, PROTOCOL_VERSION, newNonce } from './mutations.js'
import { nowMs } from '../clock.js'

export const FINAL = new Set(['applied', 'duplicate', 'rejected'])

/** How a whole-request failure is handled: retry (temporary), stop for login, or stop and report. */
export function classifyFailure(res) {
  if (res.ok) return 'ok'
  if (res.network) return 'retry'
  const s = res.status
  if (s === 401) return 'login'
  if (s >= 500 || s === 408 || s === 409 || s === 425 || s === 429) return 'retry'
  if (s === 426) return 'update'
  return 'refused' // 400, 403, 413, 422: the request will not succeed as it is; keep the items
}

/** Split items into batches of at most `size` (≤ 500), oldest first. */
export function batches(items, size = MAX_BATCH) {
  const n = Math.min(Math.max(1, size), MAX_BATCH)
  const out = []
  for (let i = 0; i < items.length; i += n) out.push(items.slice(i, i + n))
  return out
}

/** Only the items this login may send: scans queued by one user never go under another's login. */
export function ownItems(items, username) {
  return items.filter((item) => item.username === username)
}

export function pushBody(batch, { deviceId, now = nowMs, idempotencyKey }) {
  return {
    protocol_version: PROTOCOL_VERSION,
    device_id: deviceId,
    client_time_ms: now(),
    idempotency_key: idempotencyKey,
    mutations: batch.map((item) => item.mutation),
  }
}

/**
 * What a 200 answer means for the batch: which items leave the outbox, which rejections the
 * user must see, and which items stay (no final result for them).
 */
export function applyPushResults(batch, response, { username, now = nowMs } = {}) {
  const byId = new Map()
  for (const r of response?.results ?? []) if (r && typeof r.id === 'string') byId.set(r.id, r)
  const remove = []
  const rejections = []
  const keep = []
  const accepted = []
  for (const item of batch) {
    const r = byId.get(item.id)
    if (!r || !FINAL.has(r.status)) {
      keep.push(item)
      continue
    }
    remove.push(item.id)
    if (r.status === 'rejected') {
      rejections.push({
        id: item.id, username: item.username ?? username, type: item.type, mutation: item.mutation,
        event_id: item.event_id ?? null, member_id: item.member_id ?? null,
        code: r.code ?? 'malformed', message: r.message ?? null, errors: r.errors ?? null,
        created_ms: now(), dismissed: 0,
      })
    } else {
      accepted.push({ id: item.id, status: r.status, record_id: r.record_id ?? null, flags: r.flags ?? [] })
    }
  }
  return { remove, rejections, keep, accepted }
}

/**
 * Push every item queued under `username`, in batches of ≤ 500, retrying temporary failures with
 * backoff (same idempotency key for the same batch). Never throws for network or HTTP failures.
 *
 * deps:
 *   listPending(username) → items (oldest first)      store.applyResults({remove, rejections}) → void
 *   store.noteAttempt(ids, error) → void               push(body) → {ok, data} | {ok:false, network|status, body}
 *   deviceId, now(), sleep(ms), random(), onProgress({done, total}), maxAttempts (per batch)
 * Returns {outcome: 'ok'|'offline'|'login'|'refused'|'update'|'error', sent, applied, duplicate,
 *          rejected, remaining, rejections, accepted, status, message, clockOffsetMs, updateRequired}.
 */
export async function pushOutbox(username, deps) {
  const {
    listPending, store, push, deviceId, now = nowMs, sleep = (ms) => new Promise((r) => setTimeout(r, ms)),
    random = Math.random, onProgress = () => {}, maxAttempts = 3, batchSize = MAX_BATCH, newKey = newNonce,
  } = deps
  const summary = {
    outcome: 'ok', sent: 0, applied: 0, duplicate: 0, rejected: 0, remaining: 0, rejections: [], accepted: [],
    status: null, message: null, clockOffsetMs: null, updateRequired: false,
  }
  if (!username) return { ...summary, outcome: 'login' }
  const items = ownItems(await listPending(username), username)
  const total = items.length
  let done = 0
  onProgress({ done, total })
  const all = batches(items, batchSize)
  for (let b = 0; b < all.length; b++) {
    const batch = all[b]
    const idempotencyKey = newKey()
    let attempt = 0
    let answered = false
    while (!answered) {
      attempt += 1
      const res = await push(pushBody(batch, { deviceId, now, idempotencyKey }))
      const kind = classifyFailure(res)
      if (kind === 'ok') {
        const { remove, rejections, keep, accepted } = applyPushResults(batch, res.data, { username, now })
        await store.applyResults({ remove, rejections })
        summary.sent += remove.length
        summary.rejected += rejections.length
        summary.rejections.push(...rejections)
        summary.accepted.push(...accepted)
        for (const a of accepted) summary[a.status] += 1
        if (keep.length) summary.remaining += keep.length
        if (typeof res.data?.clock_offset_ms === 'number') summary.clockOffsetMs = res.data.clock_offset_ms
        if (res.data?.client_update_required) {
          summary.updateRequired = true
          summary.message = res.data.message ?? null
        }
        answered = true
        continue
      }
      const error = res.network ? 'network' : `HTTP ${res.status}`
      await store.noteAttempt(batch.map((i) => i.id), error)
      if (kind === 'retry' && attempt < maxAttempts) {
        const wait = Math.max(backoffDelay(attempt, { random }), retryAfterMs(res.retryAfter) ?? 0)
        await sleep(wait)
        continue
      }
      // Stop here: every item of this batch and of the later batches stays in the outbox.
      summary.outcome = kind === 'retry' ? (res.network ? 'offline' : 'error') : kind
      summary.status = res.status ?? null
      summary.message = res.body?.message ?? null
      if (kind === 'update') summary.updateRequired = true
      summary.remaining += items.length - done
      onProgress({ done, total })
      return summary
    }
    done += batch.length
    onProgress({ done, total })
  }
  return summary
}

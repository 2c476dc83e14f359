// The ONE module that touches IndexedDB (through Dexie). Every read and write the app makes is a
// named export here; changes spanning several stores run in one transaction.
//
// Stores
//   outbox      queued mutations: {seq, id (nonce), username, type, mutation, created_ms, attempts,
//               last_error, event_id, member_id}; survives closing the browser, logout and upgrades
//   entities    the pulled cache: {key 'entity:id', entity, id, data, deleted 0/1, revoked 0/1}
//   meta        {key, value}: cursor, device_id, card_keys, last_sync_ms, session, clock_offset_ms…
//   rejections  push results 'rejected', shown until dismissed: {seq, id, username, code, message,
//               mutation, dismissed 0/1, created_ms}
//   uploads     (v3) REST writes queued on the phone, sent in order when online: minutes text
//               {seq, id (nonce), username, kind 'minutes_text', event_id, text, created_ms, attempts,
//               last_error} and photos {…, kind 'minutes_photo', id (client photo id), bytes
//               (ArrayBuffer), type, name}; kept through logout like the outbox
// IndexedDB cannot index booleans: flags are 0/1.
import Dexie from 'dexie'
import { nowMs } from './clock.js'

export const DB_NAME = 'zhibu'

/**
 * The schema history. Never edit a released version: add one. Version 1 is kept as it shipped so
 * that the upgrade to version 2 (which gave outbox rows their attempt count and last error, and
 * indexed them per user in queue order) is tested on real v1 data (tests/db.test.js).
 */
export const SCHEMA = [
  {
    version: 1,
    stores: {
      outbox: '++seq, &id, username',
      entities: '&key, entity',
      meta: '&key',
      rejections: '++seq, &id, username',
    },
  },
  {
    version: 2,
    stores: {
      outbox: '++seq, &id, username, [username+seq]',
      entities: '&key, entity, [entity+deleted]',
      meta: '&key',
      rejections: '++seq, &id, username, [username+dismissed]',
    },
    upgrade: async (tx) => {
      // v1 rows had `tries` (a count) and no last error; v1 rejections had no `dismissed` flag.
      await tx.table('outbox').toCollection().modify((row) => {
        row.attempts = Number(row.tries ?? 0)
        delete row.tries
        row.last_error ??= null
        row.event_id ??= null
        row.member_id ??= null
      })
      await tx.table('entities').toCollection().modify((row) => {
        row.deleted = row.deleted ? 1 : 0
        row.revoked = row.revoked ? 1 : 0
      })
      await tx.table('rejections').toCollection().modify((row) => {
        row.dismissed = row.dismissed ? 1 : 0
      })
    },
  },
  {
    version: 3,
    stores: {
      outbox: '++seq, &id, username, [username+seq]',
      entities: '&key, entity, [entity+deleted]',
      meta: '&key',
      rejections: '++seq, &id, username, [username+dismissed]',
      uploads: '++seq, &id, username, [username+seq], event_id',
    },
    // A new store only: nothing to rewrite, every existing row (the outbox first) stays as it is.
  },
]

export const LATEST_VERSION = SCHEMA[SCHEMA.length - 1].version

/** A Dexie instance declaring the schema up to `upTo` (tests open older versions on purpose). */
export function createDb(name = DB_NAME, { upTo = LATEST_VERSION, indexedDB, IDBKeyRange } = {}) {
  const db = new Dexie(name, indexedDB ? { indexedDB, IDBKeyRange } : undefined)
  for (const step of SCHEMA) {
    if (step.version > upTo) break
    const v = db.version(step.version).stores(step.stores)
    if (step.upgrade) v.upgrade(step.upgrade)
  }
  return db
}

let current = null
/** The app's database (opened lazily). */
export function getDb() {
  current ??= createDb()
  return current
}
/** Use another database (tests), or reset to the default with null. */
export function useDb(db) {
  current = db
}

// ------------------------------------------------------------------------------------ meta

export async function getMeta(key, fallback = null) {
  const row = await getDb().meta.get(key)
  return row === undefined ? fallback : row.value
}
export async function setMeta(key, value) {
  await getDb().meta.put({ key, value })
}
export async function deleteMeta(key) {
  await getDb().meta.delete(key)
}

/** The device id, made once and kept for the life of the install ("remembers the device"). */
export async function getOrCreateDeviceId(make) {
  const db = getDb()
  return db.transaction('rw', db.meta, async () => {
    const row = await db.meta.get('device_id')
    if (row) return row.value
    const id = make()
    await db.meta.put({ key: 'device_id', value: id })
    return id
  })
}

// ---------------------------------------------------------------------------------- outbox

/** Queue one outbox item (see sync/mutations.js outboxItem). Durable once the promise resolves. */
export async function addToOutbox(item) {
  await getDb().outbox.add(item)
  return item
}

/** The items queued by `username`, oldest first (never anybody else's). */
export async function pendingFor(username, limit = Infinity) {
  const coll = getDb().outbox.where('[username+seq]').between([username, Dexie.minKey], [username, Dexie.maxKey])
  return Number.isFinite(limit) ? coll.limit(limit).toArray() : coll.toArray()
}

export async function countPending(username) {
  return getDb().outbox.where('[username+seq]').between([username, Dexie.minKey], [username, Dexie.maxKey]).count()
}

/** Items waiting per username (a logged-out user's scans stay until they log in again). */
export async function countPendingByUser() {
  const counts = {}
  await getDb().outbox.each((row) => { counts[row.username] = (counts[row.username] ?? 0) + 1 })
  return counts
}

export async function allOutbox() {
  return getDb().outbox.orderBy('seq').toArray()
}

/** A push answered: drop the final items and keep the rejections, in one transaction. */
export async function applyPushResults({ remove = [], rejections = [] }, syncedAtMs = nowMs()) {
  const db = getDb()
  await db.transaction('rw', db.outbox, db.rejections, db.meta, async () => {
    if (remove.length) await db.outbox.where('id').anyOf(remove).delete()
    for (const r of rejections) {
      if (!(await db.rejections.where('id').equals(r.id).count())) await db.rejections.add({ ...r, dismissed: 0 })
    }
    await db.meta.put({ key: 'last_push_ms', value: syncedAtMs })
  })
}

/** A push failed as a whole: count the attempt on each item, keep them all. */
export async function noteAttempt(ids, error) {
  const db = getDb()
  await db.transaction('rw', db.outbox, async () => {
    await db.outbox.where('id').anyOf(ids).modify((row) => {
      row.attempts = (row.attempts ?? 0) + 1
      row.last_error = error
    })
  })
}

// --------------------------------------------------------------------------------- uploads

/** Queue a REST upload (minutes text or photo). Durable once the promise resolves. */
export async function addUpload(item) {
  await getDb().uploads.add({ attempts: 0, last_error: null, created_ms: nowMs(), ...item })
  return item
}

/** `username`'s uploads, oldest first. */
export async function uploadsFor(username) {
  return getDb().uploads.where('[username+seq]').between([username, Dexie.minKey], [username, Dexie.maxKey]).toArray()
}

export async function uploadsOfEvent(username, eventId) {
  return (await uploadsFor(username)).filter((u) => u.event_id === Number(eventId))
}

/** Uploads waiting per username. */
export async function countUploadsByUser() {
  const counts = {}
  await getDb().uploads.each((row) => { counts[row.username] = (counts[row.username] ?? 0) + 1 })
  return counts
}

export async function removeUpload(id) {
  await getDb().uploads.where('id').equals(id).delete()
}

/** An upload the server refused for good: shown with the rejections until dismissed. */
export async function addRejection(r) {
  const db = getDb()
  if (!(await db.rejections.where('id').equals(r.id).count())) await db.rejections.add({ created_ms: nowMs(), ...r, dismissed: 0 })
}

export async function noteUploadAttempt(id, error) {
  await getDb().uploads.where('id').equals(id).modify((row) => {
    row.attempts = (row.attempts ?? 0) + 1
    row.last_error = error
  })
}

// ------------------------------------------------------------------------------ rejections

export async function openRejections(username) {
  return getDb().rejections.where('[username+dismissed]').equals([username, 0]).reverse().sortBy('seq')
}
export async function dismissRejection(id) {
  await getDb().rejections.where('id').equals(id).modify({ dismissed: 1 })
}
export async function dismissAllRejections(username) {
  await getDb().rejections.where('[username+dismissed]').equals([username, 0]).modify({ dismissed: 1 })
}

// -------------------------------------------------------------------------------- entities

/**
 * Store one pull page and its cursor in one transaction: either both are written or neither, so
 * the cursor never gets ahead of the data. `reset` drops the cached entities first.
 */
export async function storePullPage(plan, atMs = nowMs()) {
  const db = getDb()
  await db.transaction('rw', db.entities, db.meta, async () => {
    if (plan.reset) await db.entities.clear()
    if (plan.puts.length) await db.entities.bulkPut(plan.puts)
    if (plan.cardKeys) await db.meta.put({ key: 'card_keys', value: plan.cardKeys })
    if (plan.clockOffsetMs !== null && plan.clockOffsetMs !== undefined) {
      await db.meta.put({ key: 'clock_offset_ms', value: plan.clockOffsetMs })
    }
    await db.meta.put({ key: 'cursor', value: plan.cursor })
    await db.meta.put({ key: 'last_sync_ms', value: atMs })
  })
}

/** Live entities of one kind (tombstones left out), as their data objects. */
export async function listEntities(entity) {
  const rows = await getDb().entities.where('[entity+deleted]').equals([entity, 0]).toArray()
  return rows.map((r) => r.data).filter(Boolean)
}

export async function getEntity(entity, id) {
  const row = await getDb().entities.get(`${entity}:${id}`)
  return row && !row.deleted ? row.data : null
}

/** Serials of every card known revoked or replaced (for offline card checks). */
export async function revokedSerials() {
  const rows = await getDb().entities.where('[entity+deleted]').equals(['card', 0]).toArray()
  return new Set(rows.filter((r) => r.revoked && r.data?.serial).map((r) => r.data.serial))
}

/** Put one entity the app fetched outside pull (e.g. GET /me/card). Does not move the cursor. */
export async function putEntity(entity, id, data) {
  const revoked = entity === 'card' && data?.status && data.status !== 'active' ? 1 : 0
  await getDb().entities.put({ key: `${entity}:${id}`, entity, id, data, deleted: 0, revoked })
}

// ------------------------------------------------------------------------- cached screens

/** The last answer a screen got from the server (compliance views), kept in meta for offline use. */
export async function saveCachedView(key, data, savedMs = nowMs()) {
  await getDb().meta.put({ key: `view:${key}`, value: { data, saved_ms: savedMs } })
}

/** → {data, saved_ms} | null */
export async function getCachedView(key) {
  return (await getDb().meta.get(`view:${key}`))?.value ?? null
}

// -------------------------------------------------------------------------------- drafts

// A form's unsent text (a new event, a notice, a filing…) kept on the phone per user, so that
// nothing typed is lost when the network or the battery goes. Kept through logout like the outbox.
const draftKey = (username, name) => `draft:${username}:${name}`

export async function saveDraft(username, name, value) {
  await getDb().meta.put({ key: draftKey(username, name), value: { value, saved_ms: nowMs() } })
}

/** → the saved value, or null */
export async function loadDraft(username, name) {
  return (await getDb().meta.get(draftKey(username, name)))?.value?.value ?? null
}

export async function clearDraft(username, name) {
  await getDb().meta.delete(draftKey(username, name))
}

// --------------------------------------------------------------------------------- session

/**
 * Log out, or switch users: forget the session and the previous user's cached data (event
 * secrets included) and the pull cursor. The outbox is kept: its items stay with the user who
 * queued them and are sent when that user logs in again.
 */
export async function clearSessionData({ keepLastUsername = true } = {}) {
  const db = getDb()
  await db.transaction('rw', db.entities, db.meta, async () => {
    await db.entities.clear()
    const keep = new Set(['device_id', 'locale', 'large_type', ...(keepLastUsername ? ['last_username'] : [])])
    const keys = await db.meta.toCollection().primaryKeys()
    await db.meta.bulkDelete(keys.filter((k) => !keep.has(k) && !String(k).startsWith('draft:')))
  })
}

export async function closeDb() {
  if (current) current.close()
}

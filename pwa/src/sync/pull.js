// Applying pull pages (docs/sync-protocol.md, "Pull"). Pure: the page comes from the network
// function and goes to the storage function given as arguments.
import { PROTOCOL_VERSION } from './mutations.js'
import { nowMs } from '../clock.js'

export const ENTITIES = ['event', 'record', 'card', 'member']
export const entityKey = (entity, id) => `${entity}:${id}`

/**
 * Turn one pull page into cache writes. Every row keeps entity, id and data; booleans as 0/1:
 * `deleted` (a tombstone for op delete) and `revoked` (a card revoked or replaced).
 */
export function planPage(page) {
  const puts = []
  for (const change of page.changes ?? []) {
    if (!change || !ENTITIES.includes(change.entity) || !Number.isInteger(change.id)) continue
    const key = entityKey(change.entity, change.id)
    if (change.op === 'delete') {
      puts.push({ key, entity: change.entity, id: change.id, data: null, deleted: 1, revoked: 0 })
    } else if (change.op === 'revoke') {
      puts.push({ key, entity: change.entity, id: change.id, data: change.data ?? null, deleted: 0, revoked: 1 })
    } else if (change.op === 'upsert') {
      const revoked = change.entity === 'card' && change.data && change.data.status !== 'active' ? 1 : 0
      puts.push({ key, entity: change.entity, id: change.id, data: change.data ?? null, deleted: 0, revoked })
    }
  }
  return {
    reset: page.reset ? 1 : 0,
    puts,
    cursor: page.cursor,
    cardKeys: page.card_keys ?? null,
    serverTimeMs: page.server_time_ms ?? null,
    clockOffsetMs: typeof page.clock_offset_ms === 'number' ? page.clock_offset_ms : null,
  }
}

/**
 * Pull until has_more is false. The cursor is only ever stored together with (in the same
 * transaction as, hence after) the page's changes: `storePage(plan)` must write both or neither.
 * deps: getCursor() → cursor|null, fetchPage({cursor, limit, client_time_ms, device_id?}) → net result,
 *       storePage(plan) → void, now(), onPage({pages, changes}), maxPages,
 *       syncedDevice() → the device id when this device has nothing left to push for this user, else
 *       null: sent with the first page, it tells the server every scan made before now has been
 *       delivered (a later one claiming an earlier time is then flagged `backdated`).
 */
export async function pullAll(deps) {
  const { getCursor, fetchPage, storePage, now = nowMs, limit = 500, onPage = () => {}, maxPages = 1000,
    syncedDevice = async () => null } = deps
  let cursor = await getCursor()
  let pages = 0
  let changes = 0
  let clockOffsetMs = null
  let reset = false
  while (pages < maxPages) {
    const query = { protocol_version: PROTOCOL_VERSION, limit, client_time_ms: now() }
    if (cursor) query.cursor = cursor
    if (pages === 0) {
      const device = await syncedDevice()
      if (device) query.device_id = device
    }
    const res = await fetchPage(query)
    if (!res.ok) {
      const outcome = res.network ? 'offline' : res.status === 401 ? 'login' : res.status === 426 ? 'update' : 'error'
      return { outcome, pages, changes, status: res.status ?? null, message: res.body?.message ?? null, clockOffsetMs, reset }
    }
    const plan = planPage(res.data)
    try {
      await storePage(plan)
    } catch (err) {
      // Nothing of this page (cursor included) was stored: the next pull starts from the old cursor.
      return { outcome: 'error', pages, changes, status: null, message: String(err?.message ?? err), clockOffsetMs, reset }
    }
    pages += 1
    changes += plan.puts.length
    if (plan.reset) reset = true
    if (plan.clockOffsetMs !== null) clockOffsetMs = plan.clockOffsetMs
    cursor = plan.cursor
    onPage({ pages, changes })
    if (!res.data.has_more) break
  }
  return { outcome: 'ok', pages, changes, status: null, message: null, clockOffsetMs, reset }
}

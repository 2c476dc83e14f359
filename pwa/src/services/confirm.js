// Confirming records (核实确认) in one action: every record of the branches this user manages that
// is not confirmed yet and has no confirmation waiting in the outbox, for one event or for all.
// Each becomes a record_confirm mutation in the outbox (sent at once when online).
import * as db from '../db.js'
import { session } from './session.js'
import { queue } from './syncer.js'
import { recordConfirm } from '../sync/mutations.js'
import { toConfirm } from '../sync/confirmations.js'

/** The records waiting for this secretary's confirmation (of `eventId`, or of every event). */
export async function waitingForConfirmation(eventId = null) {
  const records = await db.listEntities('record')
  const outbox = session.username ? await db.pendingFor(session.username) : []
  return toConfirm(records, outbox, session.me?.managed_branch_ids ?? [], eventId)
}

/** Queue a confirmation for each record; → how many were queued. */
export async function confirmAll(records) {
  for (const r of records) await queue(recordConfirm(r.id), { eventId: r.event_id })
  return records.length
}

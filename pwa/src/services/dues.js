// Dues (党费) for the screens: the branch's collection list and a member's own dues, fetched when
// online and kept on the phone (db.js meta 'view:…') so the secretary can collect with no signal;
// payments go through the outbox as `dues_payment` mutations (sent at once when online), the
// rest (bases, remittances, publication) are online writes.
import * as db from '../db.js'
import { request } from '../net.js'
import { loadView } from './compliance.js'
import { session } from './session.js'
import { fateOf, queue, syncState } from './syncer.js'
import { duesPayment } from '../sync/mutations.js'

const online = () => syncState.online

/** The month's collection list (`month` "YYYY-MM", or this month), or its last copy offline. */
export const collectionView = (branchId, month = null) => loadView(
  `dues:collection:${branchId}${month ? `:${month}` : ''}`,
  () => request('GET', `/branches/${branchId}/dues`, month ? { query: { month } } : {}), { online: online() })

/** The logged-in member's own dues (and the tables their branch published), or the last copy. */
export const myDuesView = () => loadView(`dues:mine:${session.username}`, () => request('GET', '/me/dues'), { online: online() })

export const memberDues = (memberId) => request('GET', `/members/${memberId}/dues`)
export const setBasis = (memberId, body) => request('POST', `/members/${memberId}/dues/bases`, { body })
export const correctPayment = (paymentId, reason, changes) =>
  request('POST', `/dues-payments/${paymentId}/corrections`, { body: { reason, changes } })
export const remittanceBook = (branchId, year) => loadView(`dues:remittances:${branchId}:${year}`,
  () => request('GET', `/branches/${branchId}/dues/remittances`, { query: { year } }), { online: online() })
export const recordRemittance = (branchId, body) => request('POST', `/branches/${branchId}/dues/remittances`, { body })
export const committeeRemittances = (committeeId) => loadView(`dues:committee:${committeeId}`,
  () => request('GET', `/committees/${committeeId}/dues/remittances`), { online: online() })
export const confirmRemittance = (id, note) => request('POST', `/dues-remittances/${id}/confirm`, { body: note ? { note } : {} })
export const publications = (branchId) => loadView(`dues:publications:${branchId}`,
  () => request('GET', `/branches/${branchId}/dues/publications`), { online: online() })
export const publish = (branchId, year, mode) => request('POST', `/branches/${branchId}/dues/publications`, { body: { year, mode } })

/** The dues payments of this user waiting in the outbox (saved on the phone, not yet sent). */
export async function duesOutbox() {
  if (!session.username) return []
  return (await db.pendingFor(session.username)).filter((i) => i.type === 'dues_payment')
}

/**
 * Record a payment at once, on the phone first (LOG-immediate), then send it when there is a
 * network. → {id, fate: promise of 'queued' | {status, code, message}}.
 */
export async function collect(memberId, months, amountFen) {
  const { item, sent } = await queue(duesPayment(memberId, months, amountFen), { memberId })
  return { id: item.id, fate: sent.then((result) => fateOf(item.id, result)) }
}

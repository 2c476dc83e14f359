// The member's archive (党员手册): fetched when online and kept on the phone (db.js meta 'view:…')
// for reading offline; the PDF and the branch's zip are downloads (components/ExportButton.vue).
import { request } from '../net.js'
import { loadView } from './compliance.js'
import { syncState } from './syncer.js'
import { cardTrust } from './data.js'
import { verifyArchivePage } from '../sync/archive.js'

/** A member's archive (`year` or null for all), or its last copy on this phone. */
export const archiveView = (memberId, year = null) => loadView(`archive:${memberId}:${year ?? 'all'}`,
  () => request('GET', `/members/${memberId}/archive`, year ? { query: { year } } : {}), { online: syncState.online })

export const archivePdfPath = (memberId, year = null) => `/members/${memberId}/archive.pdf${year ? `?year=${year}` : ''}`
export const branchZipPath = (branchId, year = null) => `/branches/${branchId}/archives.zip${year ? `?year=${year}` : ''}`
export const branchMembers = (branchId) => loadView(`archive:members:${branchId}`,
  () => request('GET', `/branches/${branchId}/members`), { online: syncState.online })

/** Verify a scanned page with the card keys this phone pulled: works with no network. */
export async function verifyScannedPage(text) {
  const { trusted } = await cardTrust()
  return verifyArchivePage(text, trusted)
}

// Education and service (server/service): the member's own study and service records — queued on
// the phone (db.js 'uploads', kind 'own_record', sent by sync/uploads.js) and read from the pulled
// records — and the service posts: the member's own (GET /me/service) and the branch's
// (secretary), fetched when online and kept for offline reading (db.js cached views).
import * as db from '../db.js'
import { request } from '../net.js'
import { loadView } from './compliance.js'
import { session } from './session.js'
import { queueUpload } from './syncer.js'
import { newNonce } from '../sync/mutations.js'
import { ownRecordItem, ownRecordRows, ownRecordsToReview } from '../sync/ownRecords.js'

export const POST_KINDS = ['responsibility_zone', 'vanguard_post', 'model_household', 'commitment', 'set_post',
  'pairing_support', 'volunteering']
export const CADENCES = ['month', 'quarter', 'year']

export const serviceApi = {
  mine: () => request('GET', '/me/service'),
  posts: (branchId) => request('GET', `/branches/${branchId}/service-posts`),
  createPost: (branchId, body) => request('POST', `/branches/${branchId}/service-posts`, { body }),
  endPost: (id) => request('POST', `/service-posts/${id}/end`, { body: {} }),
  assign: (postId, memberId) => request('POST', `/service-posts/${postId}/assignments`, { body: { member_id: memberId } }),
  endAssignment: (id) => request('POST', `/service-assignments/${id}/end`, { body: {} }),
  refuse: (recordId, reason) => request('POST', `/records/${recordId}/refuse`, { body: { reason } }),
  photo: (recordId) => request('GET', `/records/${recordId}/photo`, { responseType: 'blob' }),
}

export const myServiceView = (online) => loadView(`service:mine:${session.username}`, () => serviceApi.mine(), { online })
export const branchPostsView = (branchId, online) => loadView(`service:branch:${branchId}`, () => serviceApi.posts(branchId), { online })

/** The member's rows of `year` (saved on the phone, waiting, confirmed, refused) and what counts. */
export async function myOwnRecords(year) {
  const uploads = session.username ? await db.uploadsFor(session.username) : []
  return ownRecordRows(await db.listEntities('record'), uploads, session.me?.member_id, year)
}

/** Save a record on the phone (durable), then send it when online. */
export async function saveOwnRecord(form) {
  await queueUpload(ownRecordItem(form, { nonce: newNonce() }))
}

/** The branch's members' own records waiting for the secretary (from the pulled records). */
export async function recordsToReview() {
  return ownRecordsToReview(await db.listEntities('record'), session.me?.managed_branch_ids ?? [])
}

// The secretary's branch: which one (the first the user manages), and its lists fetched when
// online and kept for offline (the groups for the event form, the roster, filings…).
import { api } from '../net.js'
import { session } from './session.js'
import { syncState } from './syncer.js'
import { loadView } from './compliance.js'

/** The branch this secretary or organizer runs (the first of theirs), or null. */
export const myBranchId = () => session.me?.managed_branch_ids?.[0] ?? null

/** GET a branch's list (`/branches/<id>/<what>`), or its last copy offline → {source, data, savedMs, error}. */
export function branchList(branchId, what, query) {
  const key = `branch:${branchId}:${what}${query ? `:${JSON.stringify(query)}` : ''}`
  return loadView(key, () => api.branchList(branchId, what, query), { online: syncState.online })
}

export const EVENT_KINDS = ['branch_committee_meeting', 'group_meeting', 'general_assembly', 'party_lecture', 'activity_day',
  'org_life_meeting', 'evaluation_meeting', 'training', 'lecture', 'report_meeting', 'discussion', 'online_study', 'featured_activity',
  'other']

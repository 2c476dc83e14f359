// The points scheme (积分考核) for the screens: the branch's scheme and a period's points (the
// secretary's, online), and the member's own points, kept on the phone for offline reading.
// Publishing and saving the scheme are online writes. Nothing here sorts by points.
import { request } from '../net.js'
import { loadView } from './compliance.js'
import { session } from './session.js'
import { syncState } from './syncer.js'

const online = () => syncState.online

export const schemeView = (branchId) => loadView(`points:scheme:${branchId}`,
  () => request('GET', `/branches/${branchId}/points/scheme`), { online: online() })
export const saveScheme = (branchId, body) => request('PUT', `/branches/${branchId}/points/scheme`, { body })
export const useSuggested = (branchId) => request('POST', `/branches/${branchId}/points/scheme/suggested`)
export const periodsView = (branchId) => loadView(`points:periods:${branchId}`,
  () => request('GET', `/branches/${branchId}/points/periods`), { online: online() })
export const periodView = (branchId, period) => loadView(`points:period:${branchId}:${period}`,
  () => request('GET', `/branches/${branchId}/points/periods/${period}`), { online: online() })
export const publishPeriod = (branchId, period) => request('POST', `/branches/${branchId}/points/periods/${period}/publish`)
export const myPointsView = () => loadView(`points:mine:${session.username}`, () => request('GET', '/me/points'),
  { online: online() })

/** A rule's key in words: the catalogue's label, else the rule's own title (featured systems). */
export function keyLabel(key, keys = [], fallback = '') {
  return keys.find((k) => k.key === key)?.label ?? (fallback || key)
}

/** A blank rule for the editor: the first key of the catalogue not yet used. */
export function blankRule(keys, rules) {
  const used = new Set(rules.map((r) => r.key))
  const free = keys.find((k) => !used.has(k.key)) ?? keys[0]
  return { key: free?.key ?? '', title: free?.label ?? '', points: 1, cap_per_period: null }
}

/** The scheme editor's body: the branch's own rules only (templates' rules are not the branch's to edit). */
export function schemeBody(form) {
  return {
    publish_every: form.publish_every,
    absence_deduction: Number(form.absence_deduction) || 0,
    rules: form.rules.map((r) => ({
      key: r.key, title: r.title.trim(), points: Number(r.points),
      cap_per_period: r.cap_per_period === '' || r.cap_per_period === null ? null : Number(r.cap_per_period),
    })),
  }
}

/** The sum of a member's lines (the total the server sends is this sum: every point traceable). */
export const linesTotal = (lines = []) => lines.reduce((sum, l) => sum + l.points, 0)

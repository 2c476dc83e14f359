// Featured systems (特色制度, server/featured) and the rulebook (制度手册, server/rulebook): the
// branch's catalogue is fetched when online and kept for reading offline (db.js 'view:…');
// adopting and dropping are sent online only (they put events on the plan and take them off).
// The helpers below are pure (tests/featured.test.js).
import { request } from '../net.js'
import { loadView } from './compliance.js'

export const featuredApi = {
  branch: (branchId, year) => request('GET', `/branches/${branchId}/featured-systems`, { query: year ? { year } : undefined }),
  adopt: (branchId, code) => request('POST', `/branches/${branchId}/featured-systems`, { body: { template_code: code } }),
  drop: (branchId, code) => request('POST', `/branches/${branchId}/featured-systems/${encodeURIComponent(code)}/drop`),
}

export const branchFeatured = (branchId, online) => loadView(`featured:branch:${branchId}`, () => featuredApi.branch(branchId), { online })

export const SECTORS = ['village', 'agency', 'enterprise']

/** The catalogue in sections by sector, the branch's own sector first (as the server orders it). */
export function bySector(rows, ownSector) {
  const order = [ownSector, ...SECTORS.filter((s) => s !== ownSector)].filter(Boolean)
  return order.map((sector) => ({ sector, own: sector === ownSector, rows: rows.filter((r) => r.template.sector === sector) }))
    .filter((g) => g.rows.length)
}

/** What adopting a template puts in place, as i18n keys with their values: events on the plan,
 *  standing posts, points, the rules the compliance view judges. */
export function whatItCreates(template) {
  return [
    ...template.events.map((e) => ({ key: 'featured.creates.event', params: { title: e.title, schedule: e.schedule } })),
    ...template.assignments.map((a) => ({ key: `featured.creates.post.${a.cadence}`, params: { title: a.title } })),
    ...template.points.map((p) => ({ key: 'featured.creates.points', params: { title: p.title, points: p.points } })),
    ...template.rules.map((r) => ({ key: 'featured.creates.rule', params: { title: r.title } })),
  ]
}

/** This year's events of a template still ahead and not cancelled (what the plan holds). */
export const plannedAhead = (events, nowMs) =>
  events.filter((e) => e.status === 'planned' && Date.parse(e.starts_at) >= nowMs)

export const rulebookPath = (branchId) => `/branches/${branchId}/rulebook.pdf`
export const posterPath = (branchId) => `/branches/${branchId}/poster.pdf`

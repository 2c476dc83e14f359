import { describe, expect, it } from 'vitest'
import { bySector, plannedAhead, whatItCreates } from '../src/services/featured.js'
import { i18n } from '../src/i18n/index.js'
import zh from '../src/i18n/zh-CN.js'
import en from '../src/i18n/en.js'

const template = (code, sector, extra = {}) => ({ code, sector, title: code, events: [], assignments: [], points: [], rules: [], ...extra })
const row = (code, sector) => ({ template: template(code, sector), adoption: null, events: [] })

describe('featured systems', () => {
  it("list the branch's own sector first, then the others, leaving out empty ones", () => {
    const rows = [row('a1', 'agency'), row('v1', 'village'), row('v2', 'village')]
    expect(bySector(rows, 'village').map((g) => [g.sector, g.own, g.rows.map((r) => r.template.code)]))
      .toEqual([['village', true, ['v1', 'v2']], ['agency', false, ['a1']]])
    expect(bySector(rows, 'agency')[0].sector).toBe('agency')
  })

  it('say in words what adopting creates', () => {
    const t = i18n.global.t
    const lines = whatItCreates(template('x', 'village', {
      events: [{ title: '远程教育学习日', schedule: '每月20日' }],
      assignments: [{ title: '无职党员岗位', cadence: 'quarter' }],
      points: [{ title: '参加学习日', points: 1 }],
      rules: [{ title: '每月开展一次远程教育学习日' }],
    }))
    expect(lines.map((l) => t(l.key, l.params))).toEqual([
      '活动：远程教育学习日（每月20日）', '服务岗位：无职党员岗位（每季度记实）', '积分：参加学习日，1分', '落实要求：每月开展一次远程教育学习日'])
  })

  it('count only planned events still ahead', () => {
    const now = Date.parse('2026-10-15T00:00:00Z')
    const events = [{ status: 'planned', starts_at: '2026-10-20T06:30:00+00:00' }, { status: 'cancelled', starts_at: '2026-11-20T06:30:00+00:00' },
      { status: 'planned', starts_at: '2026-10-01T06:30:00+00:00' }]
    expect(plannedAhead(events, now)).toHaveLength(1)
  })

  it('have the same keys in both locales', () => {
    const keys = (o, p = '') => Object.entries(o).flatMap(([k, v]) => (typeof v === 'object' ? keys(v, `${p}${k}.`) : [`${p}${k}`]))
    expect(keys(en.featured)).toEqual(keys(zh.featured))
  })
})

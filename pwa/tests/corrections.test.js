import { describe, expect, it } from 'vitest'
import { defaultDeadline, subject, waitingOn } from '../src/services/corrections.js'
import corrections from '../src/i18n/corrections.js'

const keysOf = (o, prefix = '') => Object.entries(o).flatMap(([k, v]) =>
  (v && typeof v === 'object' ? keysOf(v, `${prefix}${k}.`) : [`${prefix}${k}`])).sort()

describe('a correction request sent from the compliance table', () => {
  it('is due 15 days on by default, across month and year ends', () => {
    expect(defaultDeadline('2026-12-02')).toBe('2026-12-17')
    expect(defaultDeadline('2026-12-20')).toBe('2027-01-04')
    expect(defaultDeadline('2028-02-20')).toBe('2028-03-06')
  })
  it('is named by its rule and period, or by its finding', () => {
    const t = (key) => ({ 'compliance.short.3M1_group': '党小组会' }[key])
    const te = (key) => key === 'compliance.short.3M1_group'
    expect(subject({ rule_id: '3M1-group', period: '2026-11' }, t, te)).toBe('党小组会 · 2026-11')
    expect(subject({ rule_id: 'X-new', period: null }, t, te)).toBe('X-new')
    expect(subject({ rule_id: null, finding: '党员档案未及时更新' }, t, te)).toBe('党员档案未及时更新')
  })
})

describe('what waits on whom', () => {
  const rows = ['sent', 'answered', 'returned', 'accepted'].map((state, id) => ({ id, state }))
  it('the branch answers sent and returned requests; the committee reviews answered ones', () => {
    expect(waitingOn(rows, 'branch').map((r) => r.state)).toEqual(['sent', 'returned'])
    expect(waitingOn(rows, 'committee').map((r) => r.state)).toEqual(['answered'])
    expect(waitingOn(null, 'branch')).toEqual([])
  })
})

describe('the catalogue', () => {
  it('has the same keys in both languages', () => {
    expect(keysOf(corrections.en)).toEqual(keysOf(corrections['zh-CN']))
  })
})

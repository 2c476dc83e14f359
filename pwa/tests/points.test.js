import { describe, expect, it } from 'vitest'
import { blankRule, keyLabel, linesTotal, schemeBody } from '../src/services/points.js'
import { stepAction } from '../src/services/compliance.js'
import points from '../src/i18n/points.js'

const keys = [{ key: 'event:activity_day', label: '参加统一活动日' }, { key: 'record:study', label: '学习' }]

describe('the scheme editor', () => {
  it('names keys in Chinese, featured keys by their rule title', () => {
    expect(keyLabel('record:study', keys)).toBe('学习')
    expect(keyLabel('featured:disclosure', keys, '党务公开')).toBe('党务公开')
  })
  it('offers the first unused key for a new rule', () => {
    expect(blankRule(keys, [{ key: 'event:activity_day' }])).toEqual({ key: 'record:study', title: '学习', points: 1, cap_per_period: null })
  })
  it('sends numbers, and an empty cap as no cap', () => {
    const body = schemeBody({ publish_every: 'quarter', absence_deduction: '2', rules: [
      { key: 'record:study', title: ' 学习 ', points: '1', cap_per_period: '' },
      { key: 'record:service', title: '服务', points: 2, cap_per_period: '12' }] })
    expect(body).toEqual({ publish_every: 'quarter', absence_deduction: 2, rules: [
      { key: 'record:study', title: '学习', points: 1, cap_per_period: null },
      { key: 'record:service', title: '服务', points: 2, cap_per_period: 12 }] })
  })
})

describe('a member\'s lines', () => {
  it('sum to the total', () => {
    expect(linesTotal([{ points: 2 }, { points: 0 }, { points: -2 }, { points: 5 }])).toBe(5)
  })
})

describe('LOG-points next steps', () => {
  const result = (key) => ({ state: 'due', next_step: { key, params: {} } })
  it('lead to the scheme or the publication', () => {
    expect(stepAction(result('points.setup'), '2026-10-01').to).toBe('/manage/points')
    expect(stepAction(result('points.publish_by'), '2026-10-01').to).toBe('/manage/points/publish')
  })
})

describe('the words', () => {
  it('have the same keys in both locales and no ranking words', () => {
    const flat = (o, p = '') => Object.entries(o).flatMap(([k, v]) => (typeof v === 'object' ? flat(v, `${p}${k}.`) : [`${p}${k}`]))
    expect(flat(points.en)).toEqual(flat(points['zh-CN']))
    expect(JSON.stringify(points['zh-CN'])).not.toMatch(/排行|名次|前.{0,3}名/) // '不排名' (no ranking) is the only mention
  })
})

import { describe, expect, it } from 'vitest'
import { defaultYear, formDays, lineErrors, previewCounts } from '../src/services/holidays.js'
import holidays from '../src/i18n/holidays.js'

describe('the holiday schedule form', () => {
  it('expands a named range into its days and keeps single make-up days', () => {
    const { days, problems } = formDays(
      [{ name: ' 春节 ', start: '2027-02-06', end: '2027-02-13' }, { name: '元旦', start: '2027-01-01', end: '' }],
      [{ date: '2027-02-20', name: '' }])
    expect(problems).toEqual([])
    expect(days.filter((d) => d.kind === 'rest').map((d) => d.date)).toEqual([
      '2027-02-06', '2027-02-07', '2027-02-08', '2027-02-09', '2027-02-10', '2027-02-11', '2027-02-12', '2027-02-13', '2027-01-01'])
    expect(days[0]).toEqual({ date: '2027-02-06', kind: 'rest', name: '春节' })
    expect(days.at(-1)).toEqual({ date: '2027-02-20', kind: 'work', name: null })
  })

  it('crosses month ends', () => {
    const { days } = formDays([{ name: '国庆节', start: '2027-09-30', end: '2027-10-02' }], [])
    expect(days.map((d) => d.date)).toEqual(['2027-09-30', '2027-10-01', '2027-10-02'])
  })

  it('names each row that cannot be sent', () => {
    const { problems } = formDays(
      [{ name: 'a', start: '', end: '' }, { name: 'b', start: '2027-05-05', end: '2027-05-01' },
        { name: 'c', start: '2027-01-01', end: '2027-03-01' }],
      [{ date: '' }])
    expect(problems).toEqual([
      { key: 'holidays.problem.rangeDate', params: { row: 1 } },
      { key: 'holidays.problem.rangeOrder', params: { row: 2 } },
      { key: 'holidays.problem.rangeLong', params: { row: 3, n: 31 } },
      { key: 'holidays.problem.makeUpDate', params: { row: 1 } }])
    expect(formDays([], []).problems).toEqual([{ key: 'holidays.problem.empty', params: {} }])
  })

  it('loads next year from November on', () => {
    expect(defaultYear('2026-10-31')).toBe(2026)
    expect(defaultYear('2026-11-01')).toBe(2027)
  })
})

describe('the server\'s answers', () => {
  it('lists every bad line in line order', () => {
    const body = { errors: { json: { csv: { 10: ['第10行：x'], 3: ['第3行：y'], 4: ['第4行：z'] } } } }
    expect(lineErrors(body)).toEqual(['第3行：y', '第4行：z', '第10行：x'])
    expect(lineErrors({ errors: { json: { days: { '2027-02-10': ['2027-02-10：w'] } } } })).toEqual(['2027-02-10：w'])
  })

  it('counts what a preview moves and keeps', () => {
    const preview = { branches: [{ events: [{ moved: true }, { moved: false }] }, { events: [{ moved: true }] }] }
    expect(previewCounts(preview)).toEqual({ branches: 2, moved: 2, kept: 1 })
  })

  it('has the same keys in both languages', () => {
    const keys = (o, prefix = '') => Object.entries(o).flatMap(([k, v]) => (typeof v === 'object' ? keys(v, `${prefix}${k}.`) : [`${prefix}${k}`]))
    expect(keys(holidays.en).sort()).toEqual(keys(holidays['zh-CN']).sort())
  })
})

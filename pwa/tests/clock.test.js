// The PWA's one clock: China's calendar whatever the phone's zone, and the screens' dates with it.
import { afterEach, describe, expect, it, vi } from 'vitest'
import { chinaDate, chinaToday, nowMs } from '../src/clock.js'
import { formatDate, formatDateTime, formatTime } from '../src/services/format.js'
import { i18n } from '../src/i18n/index.js'
import { splitUpcoming, windowState } from '../src/services/data.js'

afterEach(() => vi.useRealTimers())

describe('clock', () => {
  it('reads the time the test set', () => {
    vi.useFakeTimers({ now: new Date('2027-10-08T02:00:00Z') })
    expect(nowMs()).toBe(Date.parse('2027-10-08T02:00:00Z'))
    expect(chinaToday()).toBe('2027-10-08')
  })

  it('names China days at the edges of a day, a year and a leap day', () => {
    expect(chinaDate(Date.parse('2026-12-31T15:59:59Z'))).toBe('2026-12-31')
    expect(chinaDate(Date.parse('2026-12-31T16:00:00Z'))).toBe('2027-01-01') // midnight in Beijing
    expect(chinaDate('2028-02-28T16:00:00Z')).toBe('2028-02-29')
    expect(chinaDate(new Date('2028-02-29T15:59:00Z'))).toBe('2028-02-29')
    vi.useFakeTimers({ now: new Date('2027-03-31T16:30:00Z') }) // 00:30 on 1 April in China
    expect(chinaToday()).toBe('2027-04-01')
  })
})

describe('dates on the screens are China time', () => {
  it('shows a meeting at 14:30 Beijing time as 14:30, and a bare date as that day', () => {
    i18n.global.locale.value = 'zh-CN'
    const meeting = '2026-10-14T06:30:00Z' // 14:30 in China
    expect(formatDateTime(meeting)).toContain('14:30')
    expect(formatDate('2026-10-14')).toBe('2026年10月14日')
    expect(formatDate('2026-12-31T16:30:00Z')).toBe('2027年1月1日')
  })

  it('gives the time alone on the same China day, the date too otherwise', () => {
    i18n.global.locale.value = 'zh-CN'
    vi.useFakeTimers({ now: new Date('2026-12-31T15:00:00Z') }) // 23:00 on 31 December in China
    expect(formatTime('2026-12-31T01:00:00Z')).toBe('09:00')
    expect(formatTime('2026-12-31T16:10:00Z')).toMatch(/1月1日/) // already tomorrow in China
  })
})

describe('event windows follow the clock', () => {
  const event = { starts_at: '2027-01-06T06:30:00Z', ends_at: '2027-01-06T08:30:00Z',
    checkin_opens_at: '2027-01-06T06:00:00Z', checkin_closes_at: '2027-01-06T09:00:00Z' }

  it('is not yet open, open, then closed', () => {
    vi.useFakeTimers({ now: new Date('2027-01-06T05:59:00Z') })
    expect(windowState(event)).toBe('notYet')
    vi.setSystemTime(new Date('2027-01-06T07:00:00Z'))
    expect(windowState(event)).toBe('open')
    expect(splitUpcoming([event]).upcoming).toHaveLength(1)
    vi.setSystemTime(new Date('2027-01-06T09:00:01Z'))
    expect(windowState(event)).toBe('closed')
    expect(splitUpcoming([event]).past).toHaveLength(1)
  })
})

describe('form times are China wall time', () => {
  it('round-trips a date and time through the moment the server stores', async () => {
    const { chinaParts, fromChinaParts } = await import('../src/clock.js')
    expect(fromChinaParts('2027-01-06', '14:30')).toBe('2027-01-06T14:30:00+08:00')
    expect(chinaParts('2027-01-06T06:30:00Z')).toEqual({ date: '2027-01-06', time: '14:30' })
    expect(chinaParts('2026-12-31T16:30:00Z')).toEqual({ date: '2027-01-01', time: '00:30' })
    expect(chinaParts(fromChinaParts('2028-02-29', '09:05'))).toEqual({ date: '2028-02-29', time: '09:05' })
  })
})

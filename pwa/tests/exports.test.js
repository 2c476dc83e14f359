import { describe, expect, it } from 'vitest'
import { archivesXlsxPath, attendanceFilename, attendancePath, attendancePeriods, rosterPath } from '../src/services/exports.js'

describe('branch spreadsheets', () => {
  it('offers this and last month, quarter and year, crossing into last year in January', () => {
    const periods = attendancePeriods('2027-01-15')
    expect(periods.map(({ key, year, month, quarter }) => [key, year, month ?? quarter ?? null])).toEqual([
      ['month', 2027, 1], ['month', 2026, 12], ['quarter', 2027, 1], ['quarter', 2026, 4], ['year', 2027, null],
      ['year', 2026, null],
    ])
    expect(new Set(periods.map((p) => p.id)).size).toBe(6)
  })

  it('asks the server for the chosen period only', () => {
    const [month, , quarter, , year] = attendancePeriods('2026-11-20')
    expect(attendancePath(7, month)).toBe('/branches/7/attendance.xlsx?year=2026&month=11')
    expect(attendancePath(7, quarter)).toBe('/branches/7/attendance.xlsx?year=2026&quarter=4')
    expect(attendancePath(7, year)).toBe('/branches/7/attendance.xlsx?year=2026')
    expect(attendanceFilename(7, year)).toBe('attendance-7-2026.xlsx')
    expect(attendanceFilename(7, quarter)).toBe('attendance-7-2026-q4.xlsx')
  })

  it('names the roster and archives workbooks', () => {
    expect(rosterPath(3)).toBe('/branches/3/roster.xlsx')
    expect(archivesXlsxPath(3, 2026)).toBe('/branches/3/archives.xlsx?year=2026')
    expect(archivesXlsxPath(3)).toBe('/branches/3/archives.xlsx')
  })
})

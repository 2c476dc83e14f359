// The spreadsheets a branch office files (server/exports): the roster (花名册), attendance over a
// month, quarter or year, all members' archives. Downloads go through ExportButton (net.js).

export const rosterPath = (branchId) => `/branches/${branchId}/roster.xlsx`
export const archivesXlsxPath = (branchId, year = null) => `/branches/${branchId}/archives.xlsx${year ? `?year=${year}` : ''}`

// The periods a secretary files attendance for, newest first, from today's China date
// ('YYYY-MM-DD'): this and last month, this and last quarter, this and last year.
export function attendancePeriods(today) {
  const year = Number(today.slice(0, 4))
  const month = Number(today.slice(5, 7))
  const quarter = Math.ceil(month / 3)
  const lastMonth = month === 1 ? { year: year - 1, month: 12 } : { year, month: month - 1 }
  const lastQuarter = quarter === 1 ? { year: year - 1, quarter: 4 } : { year, quarter: quarter - 1 }
  return [
    { key: 'month', year, month },
    { key: 'month', ...lastMonth },
    { key: 'quarter', year, quarter },
    { key: 'quarter', ...lastQuarter },
    { key: 'year', year },
    { key: 'year', year: year - 1 },
  ].map((p) => ({ ...p, id: [p.year, p.month ?? '', p.quarter ?? ''].join('-') }))
}

export function attendancePath(branchId, period) {
  const query = new URLSearchParams({ year: String(period.year) })
  if (period.month) query.set('month', String(period.month))
  if (period.quarter) query.set('quarter', String(period.quarter))
  return `/branches/${branchId}/attendance.xlsx?${query}`
}

export const attendanceFilename = (branchId, { year, month, quarter }) =>
  `attendance-${branchId}-${year}${month ? `-${month}` : ''}${quarter ? `-q${quarter}` : ''}.xlsx`

// The branch's spreadsheets (server/exports): { 'zh-CN': { exports: {...} }, en: { exports: {...} } }, same keys.
export default {
  'zh-CN': {
    exports: {
      title: '报表导出',
      roster: '导出党员花名册（Excel）',
      attendance: '导出出勤统计表（Excel）',
      period: '统计期间',
      archives: '导出党员档案（Excel，{year}年）',
      periods: { month: '{year}年{month}月', quarter: '{year}年第{quarter}季度', year: '{year}年度' },
    },
  },
  en: {
    exports: {
      title: 'Spreadsheets',
      roster: 'Export the roster (Excel)',
      attendance: 'Export attendance (Excel)',
      period: 'Period',
      archives: 'Export the archives (Excel, {year})',
      periods: { month: '{month}/{year}', quarter: 'Q{quarter} {year}', year: 'Year {year}' },
    },
  },
}

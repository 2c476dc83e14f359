import { describe, expect, it } from 'vitest'
import { fileProblem, MAX_BYTES, refusedProblems, summaryLines } from '../src/services/imports.js'
import catalogue from '../src/i18n/imports.js'

describe('imports', () => {
  it('refuses a missing, non-xlsx or oversized file before uploading', () => {
    expect(fileProblem(null)).toBe('imports.noFile')
    expect(fileProblem({ name: '花名册.xls', size: 10 })).toBe('imports.notXlsx')
    expect(fileProblem({ name: '花名册.xlsx', size: MAX_BYTES + 1 })).toBe('imports.tooLarge')
    expect(fileProblem({ name: '花名册.XLSX', size: 1000 })).toBeNull()
  })

  it('lists the summary lines that count, in a fixed order', () => {
    const lines = summaryLines({ members_unchanged: 2, members_new: 3, groups_new: 0, branches_new: 1 })
    expect(lines).toEqual([{ key: 'branches_new', n: 1 }, { key: 'members_new', n: 3 }, { key: 'members_unchanged', n: 2 }])
    expect(summaryLines(null)).toEqual([])
  })

  it('reads the problems of a refused import', () => {
    expect(refusedProblems({ errors: { file: ['花名册 第2行「姓名」：必填项为空'] } })).toEqual(['花名册 第2行「姓名」：必填项为空'])
    expect(refusedProblems({ message: 'x' })).toEqual([])
  })

  it('has every summary key in both locales', () => {
    const keys = ['branches_new', 'groups_new', 'members_new', 'members_updated', 'members_unchanged', 'meetings_new', 'meetings_unchanged']
    for (const locale of ['zh-CN', 'en']) {
      expect(Object.keys(catalogue[locale].imports.summary).sort()).toEqual([...keys].sort())
    }
    expect(Object.keys(catalogue.en.imports).sort()).toEqual(Object.keys(catalogue['zh-CN'].imports).sort())
  })
})

import { describe, expect, it } from 'vitest'
import { defaultYear, docxPath, emptySections, pdfPath, textsFor, unsaved } from '../src/services/secretaryReview.js'
import zh from '../src/i18n/zh-CN.js'
import en from '../src/i18n/en.js'

const page = (texts) => ({ sections: Object.entries(texts).map(([key, text]) => ({ key, title: key, generated: [], text })) })

describe('secretary review', () => {
  it('is written for last year by default', () => {
    expect(defaultYear('2027-01-01')).toBe(2026)
    expect(defaultYear('2026-12-31')).toBe(2025)
  })

  it("edits the phone's unsent draft over the server's text, section by section", () => {
    const server = page({ performance: '服务器', problems: '问题', measures: '', plans: '' })
    expect(textsFor(server, null)).toEqual({ performance: '服务器', problems: '问题', measures: '', plans: '' })
    expect(textsFor(server, { performance: '本机草稿' })).toEqual({ performance: '本机草稿', problems: '问题', measures: '', plans: '' })
    expect(textsFor(null, null)).toEqual({ performance: '', problems: '', measures: '', plans: '' })
  })

  it('names the sections still empty and tells a draft from what is saved', () => {
    const texts = { performance: '履职', problems: '  ', measures: '措施', plans: '' }
    expect(emptySections(texts)).toEqual(['problems', 'plans'])
    const server = page({ performance: '履职', problems: '', measures: '措施', plans: '' })
    expect(unsaved(server, texts)).toBe(false)
    expect(unsaved(server, { ...texts, plans: '打算' })).toBe(true)
  })

  it('downloads from the review of the branch and year', () => {
    expect(pdfPath(3, 2025)).toBe('/branches/3/secretary-reviews/2025.pdf')
    expect(docxPath(3, 2025)).toBe('/branches/3/secretary-reviews/2025.docx')
  })

  it('have the same keys in both locales', () => {
    const keys = (o, p = '') => Object.entries(o).flatMap(([k, v]) => (typeof v === 'object' ? keys(v, `${p}${k}.`) : [`${p}${k}`]))
    expect(keys(en.secretaryReview)).toEqual(keys(zh.secretaryReview))
    expect(zh.secretaryReview.grade).toEqual({ good: '好', fairly_good: '较好', average: '一般', poor: '差' })
  })
})

import { describe, expect, it, vi } from 'vitest'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import zh from '../src/i18n/zh-CN.js'
import en from '../src/i18n/en.js'
import {
  CHECKLIST_KEYS, OPINION_METHODS, REVIEW_STATUSES, SECTION_OF, analysisState, currentMeeting, meetingEvents,
  progress, queuedAnalysis, reportDraft, studyCandidates,
} from '../src/services/orgLife.js'
import { pushUploads } from '../src/sync/uploads.js'
import { stepAction } from '../src/services/compliance.js'

// The server's names (server/org_life/models.py and schemas.py): the app words every one of them.
const models = readFileSync(fileURLToPath(new URL('../../server/org_life/models.py', import.meta.url)), 'utf8')
const schemas = readFileSync(fileURLToPath(new URL('../../server/org_life/schemas.py', import.meta.url)), 'utf8')
const classBody = (text, start) => text.slice(text.indexOf(start), text.indexOf('\nclass ', text.indexOf(start) + 1))
const members = (text, start) => [...classBody(text, start).matchAll(/^ {4}([a-z_]+) = "/gm)].map((m) => m[1])
const checklistKeys = JSON.parse(schemas.match(/CHECKLIST_KEYS = (\[[^\]]+\])/)[1].replace(/\s+/g, ' '))

// 18 December 2026, 14:00 in China.
const event = (id, kind, isoDay, extra = {}) => ({ id, kind, starts_at: `${isoDay}T06:00:00Z`, status: 'planned', ...extra })

describe('org-life words', () => {
  it('word every checklist item, opinion method and review status of the server, in both languages', () => {
    expect(checklistKeys).toHaveLength(10)
    expect(CHECKLIST_KEYS).toEqual(checklistKeys)
    expect(Object.keys(SECTION_OF).sort()).toEqual([...checklistKeys].sort())
    expect(OPINION_METHODS).toEqual(members(models, 'class OpinionMethod'))
    expect(REVIEW_STATUSES).toEqual(members(models, 'class ReviewStatus'))
    for (const cat of [zh, en]) {
      expect(Object.keys(cat.orgLife.item).sort()).toEqual([...checklistKeys].sort())
      expect(Object.keys(cat.orgLife.method)).toEqual(OPINION_METHODS)
      expect(Object.keys(cat.orgLife.review.status)).toEqual(REVIEW_STATUSES)
      expect(cat.mutation.party_analysis && cat.reject.analysis_refused && cat.compliance.missing.announcement).toBeTruthy()
    }
  })
})

describe('the checklist and the preparation', () => {
  const checklist = { items: [
    { key: 'theme', phase: 'preparation', done: true }, { key: 'study', phase: 'preparation', done: true },
    { key: 'opinions', phase: 'preparation', done: false }, { key: 'talks', phase: 'preparation', done: false },
    { key: 'analyses', phase: 'preparation', done: true }, { key: 'criticism', phase: 'meeting', done: false },
  ] }

  it('counts the progress of a phase', () => {
    expect(progress(checklist)).toEqual({ done: 3, total: 5, percent: 60 })
    expect(progress(checklist, 'meeting')).toEqual({ done: 0, total: 1, percent: 0 })
    expect(progress(null)).toEqual({ done: 0, total: 0, percent: 0 })
  })

  it('offers as study the events held up to the meeting and today, lectures first, not linked twice', () => {
    const events = [
      event(1, 'activity_day', '2026-12-02'), event(2, 'party_lecture', '2026-11-25'), event(3, 'party_lecture', '2026-12-15'),
      event(4, 'party_lecture', '2026-10-20', { status: 'cancelled' }), event(5, 'org_life_meeting', '2026-12-01'),
      event(6, 'party_lecture', '2026-09-20'),
    ]
    expect(studyCandidates(events, '2026-12-18', '2026-12-10').map((e) => e.id)).toEqual([2, 6, 1])
    expect(studyCandidates(events, '2026-12-18', '2026-12-20', [6]).map((e) => e.id)).toEqual([3, 2, 1])
    expect(studyCandidates(events, '2026-11-30', '2026-12-20').map((e) => e.id)).toEqual([2, 6])
  })

  it("finds the year's meeting events (a postponed one up to 31 March) and the year's meeting", () => {
    const events = [event(1, 'org_life_meeting', '2027-01-15'), event(2, 'org_life_meeting', '2026-12-18'),
      event(3, 'org_life_meeting', '2027-04-01'), event(4, 'org_life_meeting', '2026-12-01', { status: 'cancelled' }),
      event(5, 'general_assembly', '2026-12-03')]
    expect(meetingEvents(events, 2026).map((e) => e.id)).toEqual([2, 1])
    expect(currentMeeting([{ id: 9, year: 2026 }, { id: 8, year: 2025 }], 2026).id).toBe(9)
    expect(currentMeeting([{ id: 8, year: 2025 }], 2026).id).toBe(8)
    expect(currentMeeting([], 2026)).toBeNull()
  })
})

describe("the member's analysis", () => {
  it('is the latest queued on the phone for the meeting, and says where it stands', () => {
    const uploads = [{ id: 'a1', kind: 'party_analysis', meeting_id: 3, text: '一稿' }, { id: 'm1', kind: 'minutes_text', event_id: 3 },
      { id: 'a2', kind: 'party_analysis', meeting_id: 3, text: '二稿' }, { id: 'a3', kind: 'party_analysis', meeting_id: 4, text: '别的会' }]
    expect(queuedAnalysis(uploads, 3).text).toBe('二稿')
    expect(queuedAnalysis(uploads, 5)).toBeNull()
    expect(analysisState({ analysis: null, analysis_open: true }, { id: 'a2' })).toBe('waiting')
    expect(analysisState({ analysis: { text: 'x', on_paper: false } }, null)).toBe('sent')
    expect(analysisState({ analysis: { text: null, on_paper: true } }, null)).toBe('paper')
    expect(analysisState({ analysis: null, analysis_open: false }, null)).toBe('closed')
    expect(analysisState({ analysis: null, analysis_open: true }, null)).toBe('none')
  })

  it('is sent from the upload queue with its nonce; a refusal (the meeting was held) is reported and dropped', async () => {
    const putAnalysis = vi.fn(async () => ({ ok: false, status: 409, body: { message: 'The org-life meeting was held' } }))
    const putMinutes = vi.fn(async () => ({ ok: true, data: {} }))
    const remove = vi.fn(async () => {})
    const item = { id: 'a1aaaaaaaa', kind: 'party_analysis', meeting_id: 7, text: '我的党性分析材料' }
    const result = await pushUploads([item, { id: 'm1aaaaaaaa', kind: 'minutes_text', event_id: 5, text: '记录' }],
      { putMinutes, putAnalysis, postPhoto: vi.fn(), putSelfAssessment: vi.fn(), remove, noteAttempt: vi.fn(), toBlob: vi.fn() })
    expect(putAnalysis).toHaveBeenCalledWith(7, '我的党性分析材料', 'a1aaaaaaaa')
    expect(result.refused).toEqual([{ id: 'a1aaaaaaaa', kind: 'party_analysis', event_id: undefined, status: 409,
      message: 'The org-life meeting was held' }])
    expect(result.sent).toEqual(['m1aaaaaaaa'])
    const offline = vi.fn(async () => ({ ok: false, network: true }))
    const kept = await pushUploads([item], { putAnalysis: offline, remove, noteAttempt: vi.fn(async () => {}) })
    expect(kept.outcome).toBe('offline')
  })
})

describe('the report and the compliance step', () => {
  it('drafts the report from what was recorded', () => {
    const page = { branch_name: '红旗村党支部', year: 2026, theme: '学思想、强党性', problems: ['联系群众不够'],
      event: { day: '2026-12-18' }, studies: [{}], opinions: [{}, {}], talks: [{}, {}, {}],
      checklist: { items: [{ key: 'analyses', count: 9 }, { key: 'criticism', count: 10 }] },
      reviews: [{ status: 'done' }, { status: 'ongoing' }], rectification: [{ problem: '村务公开不及时' }] }
    const draft = reportDraft(page)
    expect(draft).toContain('红旗村党支部于2026-12-18召开2026年度组织生活会，主题：学思想、强党性。')
    expect(draft).toContain('开展谈心谈话3人次，9名党员撰写党性分析材料')
    expect(draft).toContain('上年度2项整改事项的落实情况（已完成1项）')
    expect(draft).toContain('10名党员逐一开展批评和自我批评')
    expect(draft).toContain('明确整改事项1项：村务公开不及时')
  })

  it("sends OLM-report's next step to the org-life meeting's page", () => {
    const result = { state: 'due', next_step: { key: 'olm.report_missing', params: { event_id: 4, missing: ['announcement'] } } }
    expect(stepAction(result, '2026-12-20')).toEqual({ key: 'open', to: '/manage/org-life' })
    expect(stepAction({ ...result, state: 'met' }, '2026-12-20')).toBeNull()
  })
})

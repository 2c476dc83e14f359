import { describe, expect, it, vi } from 'vitest'
import { i18n } from '../src/i18n/index.js'
import { byPeriod, loadView, nextStepText, periodText } from '../src/services/compliance.js'
import zh from '../src/i18n/zh-CN.js'

const memoryCache = () => {
  const store = new Map()
  return {
    saveCachedView: vi.fn(async (k, data, ms) => { store.set(k, { data, saved_ms: ms }) }),
    getCachedView: vi.fn(async (k) => store.get(k) ?? null),
  }
}

describe('compliance views', () => {
  it('keep the last answer and show it offline', async () => {
    const cache = memoryCache()
    const first = await loadView('k', async () => ({ ok: true, data: { a: 1 } }), { cache })
    expect(first).toMatchObject({ source: 'server', data: { a: 1 } })
    const offline = await loadView('k', async () => ({ ok: false, network: true }), { cache })
    expect(offline).toMatchObject({ source: 'cache', data: { a: 1 }, savedMs: first.savedMs, error: null })
    const notAsked = vi.fn()
    expect(await loadView('k', notAsked, { cache, online: false })).toMatchObject({ source: 'cache' })
    expect(notAsked).not.toHaveBeenCalled()
    expect(await loadView('other', async () => ({ ok: false, status: 403, body: {} }), { cache })).toMatchObject({ source: 'failed' })
  })

  it('group results by month, quarter and year', () => {
    const groups = byPeriod([{ rule: 'a', period_kind: 'year' }, { rule: 'b', period_kind: 'month' }])
    expect(groups.map((g) => [g.kind, g.results.map((r) => r.rule)])).toEqual([['month', ['b']], ['quarter', []], ['year', ['a']]])
  })

  it('word next steps from their keys and params, in both languages', () => {
    const step = {
      key: 'meeting.incomplete', text: 'server text',
      params: { current: true, date: '2026-11-02', event_id: 15, missing: ['attendance', 'minutes'], period: '2026-11', what: 'branch_committee_meeting' },
    }
    i18n.global.locale.value = 'zh-CN'
    expect(nextStepText(step)).toBe('2026年11月2日的支委会缺少考勤（签到）、会议记录，补齐后方可作为落实依据')
    expect(nextStepText({ key: 'meeting.none', params: { period: '2026-Q4', current: true, what: 'party_lecture', group: '第一党小组' } }))
      .toBe('第一党小组本季度尚未召开党课')
    expect(nextStepText({ key: 'no.such', params: {}, text: '服务器的话' })).toBe('服务器的话')
    i18n.global.locale.value = 'en'
    expect(nextStepText(step)).toContain('lacks attendance, minutes')
    expect(periodText('2026-11', false)).toBe('11/2026')
    // Recruitment's steps too, not the server's Chinese (names stay as written).
    const talk = { key: 'rec.admission_approval.overdue', text: '服务器的话', params: { name: '王芳', since: '2026-05-01', deadline: '2026-06-30' } }
    expect(nextStepText(talk, { date: (d) => d })).toBe("王芳's admission resolution (2026-05-01) should have been approved by the superior committee by 2026-06-30: overdue")
    i18n.global.locale.value = 'zh-CN'
    expect(nextStepText(talk, { date: (d) => d })).toBe('王芳的接收预备党员决议（2026-05-01）应在2026-06-30前经上级党委审批，现已逾期')
  })

  it('translate every rule, state and next-step key the server has', () => {
    const t = i18n.global.t
    for (const id of ['3M1-committee', 'DAY-plan', 'OLM-report', 'EVAL-held']) expect(t(`compliance.rule.${id.replace(/-/g, '_')}`)).not.toContain('compliance.')
    expect(t('compliance.state.not_applicable')).toBe('不适用')
    expect(Object.keys(zh.compliance.step)).toHaveLength(24 + 11 + 3 + 11 + 27 + 4 + 4 + 5 + 10) // the meeting systems' keys, dues' (server/dues/rules.py), evaluation's, the log's (server/records/rules.py), recruitment's (server/recruitment/rules.py), EDU-posts' (server/service/rules.py), LOG-archive's (server/archive/rules.py), LOG-points' (server/points/rules.py), the featured systems' (server/featured/rules.py)
    expect(t('compliance.rule.EVAL_feedback')).not.toContain('compliance.')
    expect(nextStepText({ key: 'eval.feedback.pending', params: { year: 2026, deadline: '2027-01-31', stage: 'balloting', stage_zh: '民主测评', count: 3 } }))
      .toBe('2026年度民主评议处于“民主测评”阶段，尚有3名党员未获经审核的评议等次，须在2027年1月31日前反馈')
    for (const id of ['LOG-card', 'LOG-immediate', 'LOG-annual', 'LOG-verified', 'LOG-archive', 'LOG-points']) expect(t(`compliance.rule.${id.replace(/-/g, '_')}`)).not.toContain('compliance.')
    for (const id of ['DUES-paid', 'DUES-remit', 'DUES-publish']) expect(t(`compliance.rule.${id.replace(/-/g, '_')}`)).not.toContain('compliance.')
    const minutes = { key: 'minutes.incomplete', params: { date: '2026-11-02', event_id: 15, missing: ['minutes'], what: 'branch_committee_meeting', count: 2 } }
    expect(nextStepText(minutes)).toBe('2026年11月2日的支委会缺少会议记录（共2次会议待补齐）')
  })
})

describe('the next step as one tap', async () => {
  const { stepAction } = await import('../src/services/compliance.js')
  const result = (state, key, params = {}, scope = {}) => ({ state, next_step: { key, params }, scope })

  it('plans a missing meeting with its kind and group, prefilled', () => {
    expect(stepAction(result('due', 'meeting.none', { what: 'group_meeting' }, { group_id: 2 }), '2026-12-02'))
      .toEqual({ key: 'schedule', to: '/manage/events/new?kind=group_meeting&group_id=2&date=2026-12-02' })
    expect(stepAction(result('due', 'day.schedule', { date: '2026-12-02' }), '2026-12-01').to)
      .toBe('/manage/events/new?kind=activity_day&date=2026-12-02')
  })

  it('opens the event concerned, or the plan; nothing for a met rule or a past miss', () => {
    expect(stepAction(result('due', 'meeting.incomplete', { event_id: 9 }), 'x')).toEqual({ key: 'open', to: '/manage/events/9' })
    expect(stepAction(result('late', 'plan.file_by'), 'x').to).toBe('/manage/plan')
    expect(stepAction(result('due', 'log.role_record_by', { count: 2 }), 'x').to).toBe('/manage/roster')
    expect(stepAction(result('met', 'meeting.none', { what: 'party_lecture' }), 'x')).toBeNull()
    expect(stepAction(result('missed', 'meeting.not_held', { what: 'party_lecture' }), 'x')).toBeNull()
  })
})

import { describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { i18n } from '../src/i18n/index.js'
import zh from '../src/i18n/zh-CN.js'
import en from '../src/i18n/en.js'
import { blankStep, byStage, defaultOption, overdueCases, refusalText, stepBody } from '../src/services/recruitment.js'

// The server's own words for the rules and its step kinds and stages (server/recruitment/pipeline.py,
// server/core/enums.py): the app must word every one of them, and the rules as the server does.
const pipeline = readFileSync(fileURLToPath(new URL('../../server/recruitment/pipeline.py', import.meta.url)), 'utf8')
const enums = readFileSync(fileURLToPath(new URL('../../server/core/enums.py', import.meta.url)), 'utf8')
const block = (text, start) => text.slice(text.indexOf(start), text.indexOf('\n\n', text.indexOf(start)))
const classBody = (text, start) => text.slice(text.indexOf(start), text.indexOf('\nclass ', text.indexOf(start) + 1))
const serverRules = Object.fromEntries([...block(pipeline, 'RULES: dict').matchAll(/^ {4}"([a-z_0-9]+)": "([^"]+)",$/gm)]
  .map((m) => [m[1], m[2]]))
const serverKinds = [...classBody(pipeline, 'class StepKind').matchAll(/^ {4}([a-z_]+) = "/gm)].map((m) => m[1])
const serverStages = [...classBody(enums, 'class RecruitmentStage').matchAll(/^ {4}([a-z_]+) = "/gm)].map((m) => m[1])

describe('recruitment words', () => {
  it('word every rule as the server does, and every step and stage, in both languages', () => {
    expect(Object.keys(serverRules).length).toBeGreaterThanOrEqual(20)
    expect(zh.recruitment.rules).toEqual(serverRules)
    expect(Object.keys(en.recruitment.rules).sort()).toEqual(Object.keys(serverRules).sort())
    expect(serverKinds).toContain('conversion_approval')
    expect(Object.keys(zh.recruitment.step).sort()).toEqual([...serverKinds].sort())
    expect(Object.keys(zh.recruitment.stage).sort()).toEqual([...serverStages].sort())
  })
})

const cases = [
  { id: 1, name: '刘洋', stage: 'applicant', active: true, overdue: [] },
  { id: 2, name: '王芳', stage: 'probationary', active: true, overdue: ['王芳的预备期已于11月15日届满…'] },
  { id: 3, name: '张伟', stage: 'activist', active: true, overdue: [] },
  { id: 4, name: '李四', stage: 'full', active: false, overdue: [] },
]

describe('the lists', () => {
  it('put the overdue cases first, then the others by stage, finished ones only when asked', () => {
    expect(overdueCases(cases).map((c) => c.id)).toEqual([2])
    expect(byStage(cases).map((g) => [g.stage, g.cases.map((c) => c.id)])).toEqual([['applicant', [1]], ['activist', [3]]])
    expect(byStage(cases, { finished: true }).map((g) => g.stage)).toEqual(['applicant', 'activist', 'full'])
  })
})

const VOTE = { kind: 'conversion_discussion', yours: true, blocked: null, bodies: ['general_assembly'], votes: true,
  files: true, outcomes: ['convert', 'extend', 'cancel'] }

describe('the next step form', () => {
  it('preselects the first step the user may record now', () => {
    const options = [
      { kind: 'candidate', yours: true, blocked: 'activist_one_year' },
      { kind: 'assessment', yours: true, blocked: null },
      { kind: 'discontinued', yours: true, blocked: null },
    ]
    expect(defaultOption(options).kind).toBe('assessment')
    expect(defaultOption([options[0], options[2]]).kind).toBe('candidate')
    expect(defaultOption([{ kind: 'pre_review', yours: false }])).toBeNull()
  })

  it('prefills a vote with the full members entitled, and sends numbers', () => {
    const form = blankStep(VOTE, '2026-12-02', 9)
    expect(form).toMatchObject({ kind: 'conversion_discussion', on: '2026-12-02', decided_by: 'general_assembly', outcome: 'convert',
      votes: { votes_for: 9, votes_against: 0, abstentions: 0, present: 9, entitled: 9 } })
    form.votes.votes_for = '8'
    form.votes.abstentions = '1'
    form.note = '  同意按期转正 '
    expect(stepBody(form, VOTE)).toEqual({ kind: 'conversion_discussion', on: '2026-12-02', decided_by: 'general_assembly',
      note: '同意按期转正', file: true, outcome: 'convert',
      votes: { votes_for: 8, votes_against: 0, abstentions: 1, present: 9, entitled: 9 } })
    form.outcome = 'extend'
    expect(stepBody(form, VOTE).extension_months).toBe(6)
    const talk = blankStep({ kind: 'talk', bodies: ['branch'] }, '2026-12-02')
    expect(stepBody(talk, { kind: 'talk' })).toEqual({ kind: 'talk', on: '2026-12-02', decided_by: 'branch' })
  })
})

describe('a refusal', () => {
  const body = { code: 409, errors: { rule: 'activist_one_year', rule_text: '…', params: { activist_on: '2026-03-01', earliest: '2027-03-01' } } }

  it('names the rule and the date that decides it', () => {
    i18n.global.locale.value = 'zh-CN'
    expect(refusalText(body)).toBe('入党积极分子经过一年以上培养教育和考察，方可列为发展对象（最早2027年3月1日）')
    i18n.global.locale.value = 'en'
    expect(refusalText(body)).toBe('A candidate has been an activist for at least one year (from March 1, 2027)')
    i18n.global.locale.value = 'zh-CN'
    const vote = { errors: { rule: 'vote_majority', params: { votes_for: 4, entitled: 9, needed: 5 } } }
    expect(refusalText(vote)).toBe('赞成人数须超过应到会有表决权的正式党员的半数（须至少5人，应到9人）')
    expect(refusalText({ errors: { rule: 'new_rule', rule_text: '新规则' } })).toBe('新规则')
    expect(refusalText({ code: 422, errors: { json: { note: ['x'] } } })).toBeNull()
  })
})

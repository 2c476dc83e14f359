import { describe, expect, it } from 'vitest'
import {
  addMonths, arrearsOf, defaultCollection, dueFor, monthOf, nextMonths, openMonths, parseYuan, queuedMonths, rowState, yuan,
} from '../src/sync/dues.js'
import { duesPayment, outboxItem } from '../src/sync/mutations.js'

// A collection row as GET /branches/<id>/dues gives it (October 2026): September and October
// unpaid, November paid ahead, the year to come open.
const schedule = (months) => months.map(([month, due, paid = false]) => ({ month, due_fen: due, paid }))
const row = {
  member_id: 7, name: '李明', has_basis: true, month: '2026-10', due_fen: 4200, owes: true, paid: null,
  arrears: [{ month: '2026-09', due_fen: 4200 }, { month: '2026-10', due_fen: 4200 }],
  schedule: schedule([['2026-09', 4200], ['2026-10', 4200], ['2026-11', 4200, true], ['2026-12', 4200], ['2027-01', 9000]]),
}
const queued = (memberId, months, amount = 4200) => outboxItem(duesPayment(memberId, months, amount, { nonce: `n${months}` }), 'sec')

describe('months', () => {
  it('are counted across years', () => {
    expect(monthOf('2026-10-15')).toBe('2026-10')
    expect(addMonths('2026-11', 3)).toBe('2027-02')
    expect(addMonths('2026-01', -1)).toBe('2025-12')
  })
})

describe('what a member still owes on this phone', () => {
  it('leaves out months paid on the server and months saved in the outbox', () => {
    expect(openMonths(row, [])).toEqual(['2026-09', '2026-10', '2026-12', '2027-01'])
    const outbox = [queued(7, ['2026-09']), queued(8, ['2026-10'])]
    expect(queuedMonths(outbox, 7)).toEqual(new Set(['2026-09']))
    expect(openMonths(row, outbox, '2026-10')).toEqual(['2026-10'])
  })

  it('adds up the server\'s own dues per month', () => {
    expect(dueFor(row, ['2026-12', '2027-01'])).toBe(13200)
    expect(dueFor(row, ['2030-01'])).toBeNull()
  })

  it('takes every open month up to this one in one tap, arrears first', () => {
    expect(defaultCollection(row, [], '2026-10')).toEqual({ months: ['2026-09', '2026-10'], amountFen: 8400 })
    expect(defaultCollection(row, [queued(7, ['2026-09', '2026-10'], 8400)], '2026-10')).toBeNull()
    expect(defaultCollection({ ...row, has_basis: false }, [], '2026-10')).toBeNull()
  })

  it('pays several months ahead, 1 to 12 at a time', () => {
    expect(nextMonths(row, [], 3)).toEqual(['2026-09', '2026-10', '2026-12'])
    expect(nextMonths(row, [], 0)).toEqual(['2026-09'])
  })

  it('says paid (reached the server), queued (saved on the phone), unpaid, exempt or unset', () => {
    expect(rowState(row, [])).toBe('unpaid')
    expect(rowState(row, [queued(7, ['2026-10'])])).toBe('queued')
    expect(rowState({ ...row, paid: { payment_id: 1 } }, [])).toBe('paid')
    expect(rowState({ ...row, due_fen: 0, owes: false }, [])).toBe('exempt')
    expect(rowState({ ...row, has_basis: false }, [])).toBe('unset')
  })

  it('shrinks the arrears as payments are saved', () => {
    expect(arrearsOf(row, [], '2026-10')).toEqual({ months: ['2026-09'], fen: 4200 })
    expect(arrearsOf(row, [queued(7, ['2026-09'])], '2026-10')).toEqual({ months: [], fen: 0 })
  })
})

describe('the dues_payment mutation', () => {
  it('names the member, the months in order and the amount in fen', () => {
    const m = duesPayment(7, ['2026-10', '2026-09'], 8400, { nonce: 'abcdefgh12', now: () => 1790000000000 })
    expect(m).toEqual({ id: 'abcdefgh12', type: 'dues_payment', member_id: 7, months: '2026-09,2026-10', amount_fen: 8400,
      claimed_at_ms: 1790000000000 })
  })
})

describe('money', () => {
  it('is shown from integer fen, never through a float', () => {
    expect(yuan(420000)).toBe('4,200.00')
    expect(yuan(5)).toBe('0.05')
    expect(yuan(-150)).toBe('-1.50')
    expect(yuan(2.5)).toBe('')
  })

  it('is read from what the secretary typed, in yuan', () => {
    expect(parseYuan('42')).toBe(4200)
    expect(parseYuan('42.5')).toBe(4250)
    expect(parseYuan(' 4,200.05 ')).toBe(420005)
    expect(parseYuan('0.1')).toBe(10)
    for (const bad of ['-1', '1.234', 'abc', '', '1e3', '24000.01']) expect(parseYuan(bad), bad).toBeNull()
  })
})

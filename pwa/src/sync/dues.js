// Dues on the phone (党费): which months a member still owes, what some of them come to, what is
// waiting in the outbox. Pure. The phone never computes the standard (server/dues/standard.py
// does, once): it adds up the dues the server gave it per month (a collection row's `schedule`),
// so the amount it proposes offline is the server's own figure.

/** "2026-10-15" (China's date, clock.js chinaToday()) → "2026-10". */
export const monthOf = (day) => String(day).slice(0, 7)

/** "2026-11" + 3 → "2027-02". */
export function addMonths(month, n) {
  const [y, m] = month.split('-').map(Number)
  const index = y * 12 + (m - 1) + n
  return `${Math.floor(index / 12)}-${String((index % 12) + 1).padStart(2, '0')}`
}

/** The dues_payment items of the outbox, for one member or all. */
export function queuedPayments(outbox, memberId = null) {
  return outbox.filter((i) => i.type === 'dues_payment' && (memberId === null || i.mutation.member_id === memberId))
}

/** Months of a member already paid in a payment waiting in the outbox ("saved on the phone"). */
export function queuedMonths(outbox, memberId) {
  return new Set(queuedPayments(outbox, memberId).flatMap((i) => String(i.mutation.months).split(',')))
}

/** The months a payment may still name for this row, oldest first: owed (due > 0 or exempt),
 *  not paid on the server, not waiting in the outbox. `through` (a month) stops the list. */
export function openMonths(row, outbox, through = null) {
  const queued = queuedMonths(outbox, row.member_id)
  return (row.schedule ?? [])
    .filter((s) => !s.paid && !queued.has(s.month) && s.due_fen !== null && s.due_fen !== undefined
      && (through === null || s.month <= through))
    .map((s) => s.month)
    .sort()
}

/** What the months named owe together, in fen (null when one is not in the schedule). */
export function dueFor(row, months) {
  const due = new Map((row.schedule ?? []).map((s) => [s.month, s.due_fen]))
  let sum = 0
  for (const m of months) {
    if (!due.has(m) || due.get(m) === null) return null
    sum += due.get(m)
  }
  return sum
}

/**
 * The one-tap collection: every month still open up to the current one, arrears first (at most
 * 12). → {months, amountFen} | null (nothing owed up to now: paying ahead is `nextMonths`).
 */
export function defaultCollection(row, outbox, currentMonth) {
  if (!row.has_basis) return null
  let months = openMonths(row, outbox, currentMonth).filter((m) => (row.schedule.find((s) => s.month === m)?.due_fen ?? 0) > 0)
  if (!months.length) return null
  months = months.slice(0, 12)
  return { months, amountFen: dueFor(row, months) }
}

/** The first `n` open months (1 to 12), for paying several at once (ahead included). */
export function nextMonths(row, outbox, n) {
  return openMonths(row, outbox).slice(0, Math.max(1, Math.min(12, n)))
}

/**
 * A row's state for `month` on this phone: 'paid' (reached the server), 'queued' (saved on the
 * phone, waiting to be sent), 'unpaid', 'exempt' (owes nothing), 'unset' (no basis), 'none'.
 */
export function rowState(row, outbox, month = row.month) {
  if (!row.has_basis) return 'unset'
  const entry = (row.schedule ?? []).find((s) => s.month === month)
  if (row.paid || entry?.paid) return 'paid'
  if (queuedMonths(outbox, row.member_id).has(month)) return 'queued'
  if (row.due_fen === 0) return 'exempt'
  if (row.due_fen === null || row.due_fen === undefined) return 'none'
  return 'unpaid'
}

/** A member's arrears on this phone: overdue months (before `currentMonth`) not paid nor queued. */
export function arrearsOf(row, outbox, currentMonth) {
  const queued = queuedMonths(outbox, row.member_id)
  const months = (row.arrears ?? []).filter((a) => a.month < currentMonth && !queued.has(a.month))
  return { months: months.map((a) => a.month), fen: months.reduce((sum, a) => sum + a.due_fen, 0) }
}

/** 420000 → "4,200.00": integer arithmetic, never a float. */
export function yuan(fen) {
  if (fen === null || fen === undefined || !Number.isInteger(fen)) return ''
  const sign = fen < 0 ? '-' : ''
  const abs = Math.abs(fen)
  const whole = Math.floor(abs / 100).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',')
  return `${sign}${whole}.${String(abs % 100).padStart(2, '0')}`
}

/** "42" / "42.5" / "42.50" / "4,200.00" (yuan, as typed) → fen; null for anything else (no
 *  negative, at most two decimals, at most `max` fen). */
export function parseYuan(text, max = 2_400_000) {
  const s = String(text ?? '').trim().replace(/[,，\s]/g, '')
  const m = /^(\d{1,9})(?:\.(\d{0,2}))?$/.exec(s)
  if (!m) return null
  const fen = Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0') || 0)
  return fen <= max ? fen : null
}

"""The demo's dues (built relative to today, like the rest of the demo: server/demo/operations.py).

Every member's basis from January of last year (or the month the assembly admitted them), as
their DemoMember says (category, income); one change of income this January (韩梅), an
exemption and a branch-set amount with their decisions recorded. Payments for every month owed up
to last month, on time; this month about half the members have paid; the retired 张桂兰 pays a
quarter at a time; 罗斌 paid extra once; 杨志强 (红旗村) is two months in arrears. Each quarter's
collection remitted in the month after it and confirmed, except 红旗村's last quarter, awaiting
the committee's confirmation. Last year's collection published in January.
"""
from __future__ import annotations

import datetime as dt

from server.audit.operations import log_action
from server.core.db import db
from server.core.enums import DuesCategory
from server.dues import operations, standard
from server.dues.models import DuesBasis, DuesPayment, DuesPaymentMonth, DuesRemittance, PublicationMode
from server.dues.standard import add_months, month_end, month_label, month_of, month_range
from sync.clock import CHINA

IN_ARREARS = "yangzhiqiang"  # unpaid last month and the month before (and this month)
QUARTERLY = "zhangguilan"  # pays each quarter at its start
EXTRA = ("luobin", 30_000)  # paid 300 yuan for last December (220 owed): 80 yuan voluntary extra
INCOME_CHANGE = ("hanmei", 4300)  # last year's income; DemoMember.income from this January
AWAITING = "hongqi"  # its last quarter's remittance awaits the committee's confirmation
PUBLISH_MODE = {"hongqi": PublicationMode.per_member, "caizheng": PublicationMode.totals,
                "xinghuo": PublicationMode.per_member}
DECISIONS = {
    DuesCategory.exempt: "年老体弱、生活困难，经支部委员会研究并报上级党委同意，免交党费（支委会决定）",
    DuesCategory.branch_set: "个体经营、收入不固定，经支部委员会研究核定每月交纳20元（支委会决定）",
}
BRANCH_SET_FEN = 2_000


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=CHINA).astimezone(dt.timezone.utc)


def build_demo(builder) -> None:
    """Called once by the demo builder, after the members, events and filings."""
    from server.demo.operations import BRANCHES

    today, now, rng = builder.today, builder.now, builder.rng
    start = dt.date(today.year - 1, 1, 1)
    this_month = month_of(today)
    seq = 0
    for spec in BRANCHES:
        branch = builder.branches[spec.key]
        organizer = next(builder.users[m.username] for m in spec.members
                         if any(r.value == "organizer" for r in m.roles))
        secretary = builder._secretary(spec.key)
        payments: list[tuple[DuesPayment, list[tuple[dt.date, int, int]]]] = []
        for index, m in enumerate(spec.members):
            member = builder.members[m.username]
            first = max(start, month_of(member.admitted_on)) if member.admitted_on else start
            bases = _bases(builder, member, m, first, secretary.id)
            facts = [standard.BasisFact(b.id, b.effective_from, b.category, b.monthly_fen, b.income_fen) for b in bases]
            book = standard.MemberDues(member.id, member.name, member.admitted_on, member.left_on, facts)
            owed = [x for x in month_range(first, this_month) if book.owes(x)]
            if m.username == IN_ARREARS:
                owed = [x for x in owed if x < add_months(this_month, -2)]
            elif index % 2 == 1:
                owed = [x for x in owed if x < this_month]  # this month: not yet
            if m.username == QUARTERLY:
                groups = _quarters(owed, book, this_month)
            else:
                groups = [[x] for x in owed]
            for months in groups:
                if not months:
                    continue
                dues = [(x, book.due(x)) for x in months]
                due = sum(d for _, d in dues)
                amount = due
                if (m.username, months[-1]) == (EXTRA[0], dt.date(today.year - 1, 12, 1)):
                    amount = max(due, EXTRA[1])
                paid_on = dt.date(months[0].year, months[0].month, rng.randint(5, 20))
                if months[0] == this_month or paid_on > today:
                    paid_on = min(today, dt.date(today.year, today.month, min(month_end(today).day, 3 + index % 5)))
                paid_at = min(now, _at(paid_on, 9 + index % 8, rng.randint(0, 59)))
                seq += 1
                payment = DuesPayment(
                    nonce=f"demo-dues-{branch.id}-{seq}", member_id=member.id, branch_id=branch.id,
                    months=",".join(month_label(x) for x in months), amount_fen=amount, due_fen=due,
                    paid_at=paid_at, paid_on=paid_at.astimezone(CHINA).date(), received_at=paid_at,
                    recorded_by_id=organizer.id, source="app", updated_at=paid_at)
                db.session.add(payment)
                payments.append((payment, [(x, d, d + (amount - due if x == months[-1] else 0)) for x, d in dues]))
        db.session.flush()
        for payment, months in payments:
            for month, due, amount in months:
                db.session.add(DuesPaymentMonth(payment_id=payment.id, member_id=payment.member_id, month=month,
                                                due_fen=due, amount_fen=amount))
            entry = log_action(organizer.id, "dues.paid", payment, branch_id=branch.id, member_id=payment.member_id,
                               months=payment.months, amount_fen=payment.amount_fen, due_fen=payment.due_fen,
                               paid_on=payment.paid_on.isoformat())
            entry.at = payment.paid_at
        db.session.flush()
        _remittances(builder, spec.key, branch, organizer.id, start)
        _publication(builder, spec.key, branch, secretary.id)
    db.session.flush()


def _bases(builder, member, m, first: dt.date, actor_id: int) -> list[DuesBasis]:
    """The member's basis from `first` (their admission month when later than the start: a
    probationary member owes from the month the assembly admitted them)."""
    today = builder.today
    income = m.income * standard.FEN_PER_YUAN if m.dues in standard.INCOME_CATEGORIES else None
    amount = BRANCH_SET_FEN if m.dues == DuesCategory.branch_set else None
    steps = [(first, income)]
    if m.username == INCOME_CHANGE[0] and first < dt.date(today.year, 1, 1):
        steps = [(first, INCOME_CHANGE[1] * standard.FEN_PER_YUAN), (dt.date(today.year, 1, 1), income)]
    rows = []
    for effective_from, step_income in steps:
        assessment = standard.assess(m.dues, income_fen=step_income, amount_fen=amount)
        set_at = min(builder.now, _at(effective_from, 10) - dt.timedelta(days=3))
        basis = DuesBasis(member_id=member.id, category=m.dues, income_fen=assessment.income_fen,
                          monthly_fen=assessment.monthly_fen, effective_from=effective_from,
                          decision_note=DECISIONS.get(m.dues), set_by_id=actor_id, created_at=set_at)
        db.session.add(basis)
        db.session.flush()
        entry = log_action(actor_id, "dues.basis_set", basis, branch_id=member.branch_id, member_id=member.id,
                           category=m.dues.value, income_fen=basis.income_fen, monthly_fen=basis.monthly_fen,
                           effective_from=month_label(effective_from), decision_note=basis.decision_note)
        entry.at = set_at
        rows.append(basis)
    return rows


def _quarters(owed: list[dt.date], book, this_month: dt.date) -> list[list[dt.date]]:
    """A quarter at a time: the owed months of each quarter, the current quarter in full (ahead)."""
    groups: dict[tuple[int, int], list[dt.date]] = {}
    for month in owed:
        groups.setdefault((month.year, (month.month - 1) // 3), []).append(month)
    key = (this_month.year, (this_month.month - 1) // 3)
    current = groups.setdefault(key, [])
    quarter_start = dt.date(this_month.year, 3 * key[1] + 1, 1)
    for month in month_range(quarter_start, add_months(quarter_start, 2)):
        if month > this_month and book.owes(month) and month not in current:
            current.append(month)
    return [sorted(v) for _, v in sorted(groups.items())]


def _remittances(builder, key: str, branch, actor_id: int, start: dt.date) -> None:
    """Each complete quarter's collection remitted on the 10th of the month after it (or today)."""
    today, now = builder.today, builder.now
    current_quarter = dt.date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    quarter = start
    while quarter < current_quarter:
        last = add_months(quarter, 2)
        collected = operations.collected_fen(branch.id, quarter, last)
        if collected:
            remitted_on = min(today, add_months(quarter, 3) + dt.timedelta(days=9))
            remittance = DuesRemittance(
                branch_id=branch.id, first_month=quarter, last_month=last, amount_fen=collected,
                collected_fen=collected, remitted_on=remitted_on, note="通过银行转账上缴镇党委",
                recorded_by_id=actor_id, created_at=min(now, _at(remitted_on, 15)))
            is_last = add_months(quarter, 3) == current_quarter
            if not (is_last and key == AWAITING):
                remittance.confirmed_at = min(now, _at(remitted_on + dt.timedelta(days=3), 10))
                remittance.confirmed_by_id = builder.committee_user.id
            db.session.add(remittance)
            db.session.flush()
            log_action(actor_id, "dues.remitted", remittance, branch_id=branch.id, amount_fen=collected,
                       first_month=month_label(quarter), last_month=month_label(last),
                       collected_fen=collected).at = remittance.created_at
        quarter = add_months(quarter, 3)


def _publication(builder, key: str, branch, actor_id: int) -> None:
    """Last year's collection, published in January (on the 15th, or today if earlier)."""
    publication = operations.publish(branch, builder.today.year - 1, PUBLISH_MODE[key], actor_id)
    publication.published_at = min(builder.now, _at(dt.date(builder.today.year, 1, 15), 10))

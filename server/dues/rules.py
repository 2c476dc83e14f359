"""DUES-paid, DUES-remit and DUES-publish (SPEC system 8), registered in the compliance registry.

The decisions (docs/compliance.md, docs/decisions.md):
- DUES-paid, per month: every member who owes for the month (dues_basis, admission) paid it by
  the month's last day ("on time"; paying ahead counts). `due` while the month is open, with the
  members not yet paid; after it, `missed` while anyone has not paid, `late` once all paid but some
  after the month. Members without a basis are named while the month is open (and keep it `due`):
  the branch cannot collect from them until it sets their basis.
- DUES-remit, per quarter: what the branch collected in the quarter (payments by the day handed
  over) is remitted by the last day of the month after the quarter (Q4: 31 January) and the
  committee confirms receipt. Collected − remitted is shown; anything kept back after the
  deadline is `missed`; remitted in full after the deadline is `late`; remitted in full on time
  and awaiting the committee's confirmation stays `due` (the committee's wait is not the branch's
  lateness).
- DUES-publish, per year: the year's collection published to the members between 1 December and
  31 January of the next year (`late` after it); a publication before December is an interim one
  and does not count. The facts loader loads the year's publications whenever they were made.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict

import sqlalchemy as sa

from server.compliance.messages import add_templates
from server.compliance.registry import MONTH, QUARTER, YEAR, Evidence, NextStep, Period, Result, Scope, State, \
    facts_loader, rule
from server.calendar.days import local_day
from server.core.db import db
from server.dues.models import DuesBasis, DuesPayment, DuesPaymentMonth, DuesPublication, DuesRemittance
from server.dues.standard import BasisFact, MemberDues, PaidFact, month_zh, remit_deadline, yuan
from server.org.models import Member

# DUES-publish: published no earlier than this day of the year (the year's collection is then
# nearly complete) and no later than this day of the next year.
PUBLISH_FROM = (12, 1)
PUBLISH_BY = (1, 31)

add_templates({
    "dues.collect": "{period}尚有{count}名党员未交党费（共{amount}元），须在{deadline}前收齐",
    "dues.basis_missing": "{count}名党员尚未核定党费计缴基数，请先核定",
    "dues.unpaid": "{period}有{count}名党员未交党费（共{amount}元），请及时催缴",
    "dues.paid_late": "{period}有{count}名党员逾期交纳党费",
    "dues.nothing_owed": "{period}没有应交党费的党员",
    "dues.remit_by": "{period}收缴的党费须在{deadline}前全额上缴上级党委（待上缴{amount}元）",
    "dues.remit_unconfirmed": "已上缴{amount}元，待上级党委确认收到",
    "dues.remitted_late": "党费于{remitted_on}才全额上缴，晚于{deadline}",
    "dues.kept_back": "{period}收缴的党费尚有{amount}元未上缴（期限{deadline}），党费不得截留",
    "dues.publish_by": "{year}年度党费收缴情况须在{deadline}前向党员公示",
    "dues.published_late": "{year}年度党费收缴情况于{published_on}公示，晚于{deadline}",
})


@dataclasses.dataclass(frozen=True)
class RemittanceFact:
    id: int
    first_month: dt.date
    last_month: dt.date
    amount_fen: int
    remitted_on: dt.date
    confirmed: bool


@dataclasses.dataclass(frozen=True)
class PublicationFact:
    id: int
    published_on: dt.date
    mode: str


@dataclasses.dataclass
class DuesFacts:
    members: list[MemberDues] = dataclasses.field(default_factory=list)
    collected: dict[int, int] = dataclasses.field(default_factory=dict)  # quarter -> fen received in it
    remittances: list[RemittanceFact] = dataclasses.field(default_factory=list)
    publications: list[PublicationFact] = dataclasses.field(default_factory=list)


@facts_loader("dues")
def load_dues_facts(branch_ids: list[int], year: int, today: dt.date) -> dict[int, DuesFacts]:
    """Six queries for any number of branches: members, bases, the year's paid months, the year's
    receipts, the remittances of the year's quarters and the year's publications (whenever made:
    Q4's remittance and the year's publication come in the next year)."""
    out = {b: DuesFacts() for b in branch_ids}
    if not branch_ids:
        return out
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    members = db.session.execute(sa.select(Member.id, Member.name, Member.branch_id, Member.admitted_on, Member.left_on)
                                 .where(Member.branch_id.in_(branch_ids),
                                        sa.or_(Member.left_on.is_(None), Member.left_on >= first),
                                        sa.or_(Member.admitted_on.is_(None), Member.admitted_on <= last))
                                 .order_by(Member.name, Member.id)).all()
    books = {m.id: MemberDues(m.id, m.name, m.admitted_on, m.left_on) for m in members}
    for m in members:
        out[m.branch_id].members.append(books[m.id])
    if books:
        bases = defaultdict(list)
        for b in db.session.scalars(sa.select(DuesBasis).where(DuesBasis.member_id.in_(list(books)))):
            bases[b.member_id].append(BasisFact(b.id, b.effective_from, b.category, b.monthly_fen, b.income_fen))
        for member_id, rows in bases.items():
            books[member_id].bases = sorted(rows, key=lambda b: (b.effective_from, b.id))
        paid = sa.select(DuesPaymentMonth.member_id, DuesPaymentMonth.month, DuesPaymentMonth.amount_fen,
                         DuesPaymentMonth.due_fen, DuesPayment.id, DuesPayment.paid_on) \
            .join(DuesPayment, DuesPayment.id == DuesPaymentMonth.payment_id) \
            .where(DuesPaymentMonth.member_id.in_(list(books)),
                   DuesPaymentMonth.month.between(first, dt.date(year, 12, 1)))
        for member_id, month, amount, due, payment_id, paid_on in db.session.execute(paid):
            books[member_id].paid[month] = PaidFact(payment_id, paid_on, amount, due)
    receipts = sa.select(DuesPayment.branch_id, DuesPayment.paid_on, DuesPayment.amount_fen).where(
        DuesPayment.branch_id.in_(branch_ids), DuesPayment.voided_at.is_(None),
        DuesPayment.paid_on.between(first, last))
    for branch_id, paid_on, amount in db.session.execute(receipts):
        quarter = (paid_on.month - 1) // 3 + 1
        out[branch_id].collected[quarter] = out[branch_id].collected.get(quarter, 0) + amount
    for r in db.session.scalars(sa.select(DuesRemittance).where(
            DuesRemittance.branch_id.in_(branch_ids), DuesRemittance.first_month.between(first, dt.date(year, 12, 1)))
            .order_by(DuesRemittance.remitted_on, DuesRemittance.id)):
        out[r.branch_id].remittances.append(RemittanceFact(r.id, r.first_month, r.last_month, r.amount_fen,
                                                           r.remitted_on, r.confirmed_at is not None))
    for pub in db.session.scalars(sa.select(DuesPublication).where(
            DuesPublication.branch_id.in_(branch_ids), DuesPublication.year == year)
            .order_by(DuesPublication.published_at, DuesPublication.id)):
        out[pub.branch_id].publications.append(PublicationFact(pub.id, local_day(pub.published_at), pub.mode.value))
    return out


def _facts(facts) -> DuesFacts:
    return facts.extra.get("dues") or DuesFacts()


def _fmt(day: dt.date) -> str:
    return f"{day.month}月{day.day}日"


# --- DUES-paid ----------------------------------------------------------------------------------

@rule("DUES-paid", system=8, period=MONTH, title="党员按月足额交纳党费（预备党员自支部大会通过之月起）")
def dues_paid(scope: Scope, period: Period, today: dt.date, facts) -> Result:
    f = _facts(facts)
    month = period.start
    is_open = today <= period.end
    owing = [m for m in f.members if m.owes(month)]
    unset = [m for m in f.members if not m.bases and m.active_in(month)] if is_open else []
    unpaid = [m for m in owing if month not in m.paid]
    late = [m for m in owing if month in m.paid and not m.paid_on_time(month)]
    details = [f"{m.name}：{month_zh(month)}党费{yuan(m.due(month))}元未交" for m in unpaid]
    details += [f"{m.name}：{month_zh(month)}党费于{_fmt(m.paid[month].paid_on)}交纳，逾期" for m in late]
    details += [f"{m.name}：未核定党费计缴基数" for m in unset]
    evidence = Evidence(members=[m.member_id for m in unpaid + late + unset],
                        dues_payments=sorted({m.paid[month].payment_id for m in owing if month in m.paid}),
                        details=details)
    amount = yuan(sum(m.due(month) for m in unpaid))
    params = {"period": period.label, "current": period.contains(today), "deadline": period.end,
              "count": len(unpaid), "amount": amount}
    if not owing and not unset:
        return Result(State.not_applicable, evidence, NextStep("dues.nothing_owed", params))
    if is_open:
        if unpaid:
            return Result(State.due, evidence, NextStep("dues.collect", params), period.end)
        if unset:
            return Result(State.due, evidence, NextStep("dues.basis_missing", {"count": len(unset)}), period.end)
        return Result(State.met, evidence, deadline=period.end)
    if unpaid:
        return Result(State.missed, evidence, NextStep("dues.unpaid", params), period.end)
    if late:
        return Result(State.late, evidence, NextStep("dues.paid_late", {**params, "count": len(late)}), period.end)
    return Result(State.met, evidence, deadline=period.end)


# --- DUES-remit ---------------------------------------------------------------------------------

@rule("DUES-remit", system=8, period=QUARTER, title="按季度将收缴的党费全额上缴上级党委，不得截留")
def dues_remit(scope: Scope, period: Period, today: dt.date, facts) -> Result:
    f = _facts(facts)
    deadline = remit_deadline(period.year, period.index)
    collected = f.collected.get(period.index, 0)
    mine = [r for r in f.remittances if period.start <= r.first_month <= period.end]
    remitted = sum(r.amount_fen for r in mine)
    difference = collected - remitted
    details = [f"{period.label_zh}收缴党费{yuan(collected)}元，已上缴{yuan(remitted)}元，差额{yuan(difference)}元"]
    details += [f"{_fmt(r.remitted_on)}上缴{yuan(r.amount_fen)}元（{month_zh(r.first_month)}至{month_zh(r.last_month)}），"
                + ("上级党委已确认收到" if r.confirmed else "待上级党委确认") for r in mine]
    evidence = Evidence(remittances=[r.id for r in mine], details=details)
    params = {"period": period.label, "current": period.contains(today), "deadline": deadline,
              "amount": yuan(max(difference, 0))}
    if today <= period.end:
        return Result(State.due, evidence, NextStep("dues.remit_by", {**params, "amount": yuan(collected)}), deadline)
    if collected == 0 and not mine:
        evidence.details = [f"{period.label_zh}未收缴党费，无需上缴"]
        return Result(State.met, evidence, deadline=deadline)
    if difference <= 0:
        on_time = sum(r.amount_fen for r in mine if r.remitted_on <= deadline) >= collected
        if not on_time:
            # The day the remittances first covered the whole collection.
            total, completed = 0, None
            for r in sorted(mine, key=lambda r: (r.remitted_on, r.id)):
                total += r.amount_fen
                if total >= collected:
                    completed = r.remitted_on
                    break
            return Result(State.late, evidence, NextStep("dues.remitted_late", {**params, "remitted_on": completed}),
                          deadline)
        if all(r.confirmed for r in mine):
            return Result(State.met, evidence, deadline=deadline)
        return Result(State.due, evidence, NextStep("dues.remit_unconfirmed", {**params, "amount": yuan(remitted)}),
                      deadline)
    if today <= deadline:
        return Result(State.due, evidence, NextStep("dues.remit_by", params), deadline)
    return Result(State.missed, evidence, NextStep("dues.kept_back", params), deadline)


# --- DUES-publish -------------------------------------------------------------------------------

@rule("DUES-publish", system=8, period=YEAR, title="每年至少向党员公布一次党费收缴情况")
def dues_publish(scope: Scope, period: Period, today: dt.date, facts) -> Result:
    f = _facts(facts)
    year = period.year
    opens, deadline = dt.date(year, *PUBLISH_FROM), dt.date(year + 1, *PUBLISH_BY)
    counted = [p for p in f.publications if p.published_on >= opens]
    interim = [p for p in f.publications if p.published_on < opens]
    mode_zh = {"per_member": "逐人公示", "totals": "公示总数"}
    details = [f"{p.published_on.year}年{_fmt(p.published_on)}{mode_zh.get(p.mode, p.mode)}"
               + ("（年中公示，不计入年度公示）" if p in interim else "") for p in f.publications]
    evidence = Evidence(publications=[p.id for p in f.publications], details=details)
    params = {"year": year, "deadline": deadline}
    if counted:
        first = counted[0]
        if first.published_on <= deadline:
            return Result(State.met, evidence, deadline=deadline)
        step = NextStep("dues.published_late", {**params, "published_on": first.published_on})
        return Result(State.late, evidence, step, deadline)
    if today <= deadline:
        return Result(State.due, evidence, NextStep("dues.publish_by", params), deadline)
    return Result(State.missed, evidence, NextStep("dues.publish_by", params), deadline)

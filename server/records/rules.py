"""LOG-card, LOG-immediate, LOG-annual and LOG-verified (SPEC system 7, 党员记实管理), registered in the compliance registry.

The decisions (docs/compliance.md, docs/decisions.md):
- LOG-card, per month: every member on the roll (probationary included; not left, admitted and
  registered in Zhibu by the day judged) holds exactly one valid card on that day: issued by then,
  not revoked or replaced by then, not expired. A member floating to a host branch on that day
  holds a floating card. The day judged is today for the current month and the month's last day for
  a past month (a card's issued_at/revoked_at keep its history). `due` while the month is open,
  `missed` after it.
- LOG-immediate, per month: an attendance record is entered within IMMEDIATE_DAYS of its day (the
  moment entered is the scan's time for a scanned check-in, else when the server created it); a
  dues payment is received by the server within IMMEDIATE_DAYS of the day it was handed over
  (payments converted from old records are not judged). `late` when any of the month's entries
  was late, `met` otherwise, `not_applicable` when nothing was entered.
- LOG-annual, per year: every member on the roll during the year (not left before it, registered
  and admitted by its end, or by today while it is open) has a role_performance record (发挥作用)
  of a day in the year kept by the branch; rewards and punishments are recorded when they happen
  (their absence is no miss) and are only counted. An outstanding_deed entered more than
  IMMEDIATE_DAYS after its day makes the year `late` (when nobody lacks a role record). `due`
  while the year is open, `missed` after it.
- LOG-verified, per month: each record of the month (by the day it records) is acknowledged by
  the member and confirmed by the branch within VERIFY_DAYS of the later of its day and its entry.
  `due` while every open record is within its time, `late` once one is past it, `met` when all are
  both acknowledged and confirmed.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict

import sqlalchemy as sa

from server.calendar.days import local_day
from server.cards.models import Card
from server.compliance.messages import add_templates
from server.compliance.registry import MONTH, YEAR, Evidence, NextStep, Period, Result, Scope, State, facts_loader, rule
from server.core.db import db
from server.core.enums import CardKind, CheckinMethod, RecordKind
from server.dues.models import DuesPayment
from server.org.models import FloatingMembership, Member
from server.records.models import Record

# LOG-immediate: an entry made this many days after its day is still "at once" (7 days: on time; 8: late).
IMMEDIATE_DAYS = 7
# LOG-verified: a record is acknowledged and confirmed within this many days of its day (or its entry, if later).
VERIFY_DAYS = 14
# Evidence lines named before the rest are summed up as "等N条".
DETAIL_CAP = 10

add_templates({
    "log.card_issue": "{count}名党员没有有效的活动证，请在{deadline}前发证或补办",
    "log.card_missing": "{period}有{count}名党员没有有效的活动证",
    "log.no_members": "本支部尚无在册党员",
    "log.entered_late": "{period}有{count}条组织生活或党费记实未及时录入（应在{days}天内录入）",
    "log.nothing_entered": "{period}没有组织生活或党费记实",
    "log.verify_by": "{period}有{count}条记实待党员本人核实、支部确认，最早须在{deadline}前完成",
    "log.verify_overdue": "{period}有{count}条记实超过{days}天未经党员本人核实、支部确认",
    "log.nothing_recorded": "{period}没有记实",
    "log.role_record_by": "{count}名党员本年度尚无发挥作用情况记实，请在{deadline}前记实",
    "log.role_missing": "{year}年度有{count}名党员没有发挥作用情况记实",
    "log.deed_late": "{year}年度有{count}条突出事迹未及时记实（应在{days}天内录入）",
})


@dataclasses.dataclass(frozen=True)
class CardFact:
    id: int
    kind: str
    issued_on: dt.date
    revoked_on: dt.date | None
    expires_on: dt.date

    def valid_on(self, day: dt.date) -> bool:
        return self.issued_on <= day and (self.revoked_on is None or self.revoked_on > day) and self.expires_on >= day


@dataclasses.dataclass
class MemberCards:
    member_id: int
    name: str
    registered_on: dt.date
    admitted_on: dt.date | None = None
    left_on: dt.date | None = None
    cards: list[CardFact] = dataclasses.field(default_factory=list)
    floating: list[tuple[dt.date, dt.date | None]] = dataclasses.field(default_factory=list)  # (starts, ends)

    def on_roll(self, day: dt.date) -> bool:
        return (self.registered_on <= day and (self.left_on is None or self.left_on > day)
                and (self.admitted_on is None or self.admitted_on <= day))

    def floating_on(self, day: dt.date) -> bool:
        return any(s <= day and (e is None or day <= e) for s, e in self.floating)


@dataclasses.dataclass(frozen=True)
class EntryFact:
    """An attendance record or a dues payment: the day it records and the day it was entered."""

    id: int
    kind: str  # "record" or "dues_payment"
    member_id: int
    name: str
    day: dt.date
    entered_on: dt.date
    title: str

    @property
    def days_late(self) -> int:
        return (self.entered_on - self.day).days


@dataclasses.dataclass(frozen=True)
class RecordFact:
    id: int
    member_id: int
    name: str
    occurred_on: dt.date
    created_on: dt.date
    title: str
    acknowledged: bool
    confirmed: bool
    kind: str = RecordKind.attendance.value

    @property
    def days_late(self) -> int:
        return (self.created_on - self.occurred_on).days

    @property
    def verify_by(self) -> dt.date:
        return max(self.occurred_on, self.created_on) + dt.timedelta(days=VERIFY_DAYS)


@dataclasses.dataclass
class LogFacts:
    members: list[MemberCards] = dataclasses.field(default_factory=list)
    entries: list[EntryFact] = dataclasses.field(default_factory=list)  # attendance and dues payments
    records: list[RecordFact] = dataclasses.field(default_factory=list)  # every record of the year, any kind


@facts_loader("records_log")
def load_log_facts(branch_ids: list[int], year: int, today: dt.date) -> dict[int, LogFacts]:
    """Five queries for any number of branches: the members, their cards, their floating
    memberships, the year's records kept by the branches and the year's dues payments."""
    out = {b: LogFacts() for b in branch_ids}
    if not branch_ids:
        return out
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    members = {}
    for m in db.session.execute(sa.select(Member.id, Member.name, Member.branch_id, Member.admitted_on,
                                          Member.left_on, Member.created_at)
                                .where(Member.branch_id.in_(branch_ids),
                                       sa.or_(Member.left_on.is_(None), Member.left_on >= first))
                                .order_by(Member.name, Member.id)):
        members[m.id] = MemberCards(m.id, m.name, local_day(m.created_at), m.admitted_on, m.left_on)
        out[m.branch_id].members.append(members[m.id])
    if members:
        ids = list(members)
        for c in db.session.execute(sa.select(Card.id, Card.member_id, Card.kind, Card.issued_at, Card.revoked_at,
                                              Card.expires_on).where(Card.member_id.in_(ids)).order_by(Card.id)):
            members[c.member_id].cards.append(CardFact(c.id, CardKind(c.kind).value, local_day(c.issued_at),
                                                       local_day(c.revoked_at) if c.revoked_at else None, c.expires_on))
        for f in db.session.execute(sa.select(FloatingMembership.member_id, FloatingMembership.starts_on,
                                              FloatingMembership.ends_on).where(FloatingMembership.member_id.in_(ids))):
            members[f.member_id].floating.append((f.starts_on, f.ends_on))
    # This loop runs for every record of the year of every branch judged (228 per branch in
    # bench/compliance.py), the larger part of a committee's judgement: the acknowledgement and
    # confirmation are asked as booleans, the kinds compared as the enum members the column
    # returns, and the rows read through the session's connection (the same transaction and types,
    # without the ORM's per-row step; the session is flushed first, as its own execute would).
    records = sa.select(Record.id, Record.branch_id, Record.member_id, Member.name, Record.kind, Record.occurred_on,
                        Record.title, Record.created_at, Record.checked_in_at, Record.checkin_method,
                        Record.acknowledged_at.is_not(None), Record.confirmed_at.is_not(None)) \
        .join(Member, Member.id == Record.member_id) \
        .where(Record.branch_id.in_(branch_ids), Record.occurred_on.between(first, last),
               Record.refused_at.is_(None)) \
        .order_by(Record.occurred_on, Record.id)  # a record the branch refused (server/service) awaits nothing
    attendance, manual = RecordKind.attendance, CheckinMethod.manual
    for (record_id, branch_id, member_id, name, kind, occurred_on, title, created_at, checked_in_at, method,
         acknowledged, confirmed) in _rows(records).all():
        created_on = local_day(created_at)
        facts = out[branch_id]
        facts.records.append(RecordFact(record_id, member_id, name, occurred_on, created_on, title,
                                        bool(acknowledged), bool(confirmed), kind.value))
        if kind is attendance:
            entered = created_on
            if checked_in_at is not None and method is not None and method is not manual:
                # A scan is recorded on the phone at once, even when it reaches the server later.
                entered = min(entered, local_day(checked_in_at))
            facts.entries.append(EntryFact(record_id, "record", member_id, name, occurred_on, entered, title))
    payments = sa.select(DuesPayment.id, DuesPayment.branch_id, DuesPayment.member_id, Member.name,
                         DuesPayment.paid_on, DuesPayment.received_at) \
        .join(Member, Member.id == DuesPayment.member_id) \
        .where(DuesPayment.branch_id.in_(branch_ids), DuesPayment.voided_at.is_(None), DuesPayment.source == "app",
               DuesPayment.paid_on.between(first, last)) \
        .order_by(DuesPayment.paid_on, DuesPayment.id)
    for p in db.session.execute(payments):
        out[p.branch_id].entries.append(EntryFact(p.id, "dues_payment", p.member_id, p.name, p.paid_on,
                                                  local_day(p.received_at), "交纳党费"))
    return out


def _rows(statement):
    """The rows of a select of columns, read through the session's connection after its autoflush."""
    session = db.session()
    if session.autoflush:
        session.flush()
    return session.connection().execute(statement)


def _facts(facts) -> LogFacts:
    return facts.extra.get("records_log") or LogFacts()


def _fmt(day: dt.date) -> str:
    return f"{day.month}月{day.day}日"


def _capped(lines: list[str]) -> list[str]:
    if len(lines) <= DETAIL_CAP:
        return lines
    return lines[:DETAIL_CAP] + [f"等{len(lines)}条"]


# --- LOG-card -----------------------------------------------------------------------------------

def card_problem(m: MemberCards, day: dt.date) -> str | None:
    """Why a member on the roll on `day` does not hold exactly one valid card (None when they do)."""
    valid = [c for c in m.cards if c.valid_on(day)]
    if len(valid) > 1:
        return f"{m.name}：持有{len(valid)}张有效活动证"
    if not valid:
        expired = [c for c in m.cards if c.issued_on <= day and (c.revoked_on is None or c.revoked_on > day)]
        if expired:
            return f"{m.name}：活动证已于{expired[-1].expires_on.year}年{_fmt(expired[-1].expires_on)}过期"
        return f"{m.name}：无有效活动证"
    if m.floating_on(day) and valid[0].kind != CardKind.floating.value:
        return f"{m.name}：流动党员未持流动党员活动证"
    return None


@rule("LOG-card", system=7, period=MONTH, title="党员（含预备党员）一人一证，流动党员持流动党员活动证")
def log_card(scope: Scope, period: Period, today: dt.date, facts) -> Result:
    f = _facts(facts)
    is_open = not period.is_over(today)
    day = today if is_open else period.end
    roll = [m for m in f.members if m.on_roll(day)]
    lacking = [(m, problem) for m in roll if (problem := card_problem(m, day))]
    evidence = Evidence(members=[m.member_id for m, _ in lacking], details=[p for _, p in lacking])
    params = {"period": period.label, "current": period.contains(today), "deadline": period.end,
              "count": len(lacking)}
    if not roll:
        return Result(State.not_applicable, evidence, NextStep("log.no_members", params))
    if not lacking:
        return Result(State.met, evidence, deadline=period.end)
    if is_open:
        return Result(State.due, evidence, NextStep("log.card_issue", params), period.end)
    return Result(State.missed, evidence, NextStep("log.card_missing", params), period.end)


# --- LOG-immediate ------------------------------------------------------------------------------

@rule("LOG-immediate", system=7, period=MONTH, title="参加组织生活和交纳党费情况及时记实")
def log_immediate(scope: Scope, period: Period, today: dt.date, facts) -> Result:
    f = _facts(facts)
    entries = [e for e in f.entries if period.contains(e.day)]
    late = [e for e in entries if e.days_late > IMMEDIATE_DAYS]
    details = [f"{e.day.isoformat()} {e.title}：{e.name}的{'党费交纳' if e.kind == 'dues_payment' else '记实'}"
               f"于{e.entered_on.year}年{_fmt(e.entered_on)}录入（晚{e.days_late}天）" for e in late]
    evidence = Evidence(records=sum(1 for e in entries if e.kind == "record"),
                        members=sorted({e.member_id for e in late}),
                        dues_payments=[e.id for e in entries if e.kind == "dues_payment"],
                        details=_capped(details))
    params = {"period": period.label, "current": period.contains(today), "count": len(late), "days": IMMEDIATE_DAYS}
    if not entries:
        return Result(State.not_applicable, evidence, NextStep("log.nothing_entered", params))
    if late:
        return Result(State.late, evidence, NextStep("log.entered_late", params))
    return Result(State.met, evidence)


# --- LOG-annual ---------------------------------------------------------------------------------

ANNUAL_KINDS = {RecordKind.role_performance.value, RecordKind.reward.value, RecordKind.punishment.value,
                RecordKind.outstanding_deed.value}


def on_roll_during(m: MemberCards, start: dt.date, last: dt.date) -> bool:
    """On the roll on some day from `start` to `last`: not left before it, registered and admitted by `last`."""
    return (m.registered_on <= last and (m.left_on is None or m.left_on > start)
            and (m.admitted_on is None or m.admitted_on <= last))


@rule("LOG-annual", system=7, period=YEAR, title="奖惩情况、发挥作用情况至少每年记实一次，突出事迹随时记实")
def log_annual(scope: Scope, period: Period, today: dt.date, facts) -> Result:
    f = _facts(facts)
    is_open = not period.is_over(today)
    last = min(today, period.end) if is_open else period.end
    roll = [m for m in f.members if on_roll_during(m, period.start, last)]
    records = [r for r in f.records if r.kind in ANNUAL_KINDS and period.contains(r.occurred_on)]
    with_role = {r.member_id for r in records if r.kind == RecordKind.role_performance.value}
    lacking = [m for m in roll if m.member_id not in with_role]
    late = [r for r in records if r.kind == RecordKind.outstanding_deed.value and r.days_late > IMMEDIATE_DAYS]
    details = [f"{m.name}：本年度尚无发挥作用情况记实" for m in lacking] + [
        f"{r.occurred_on.isoformat()} {r.title}：{r.name}的突出事迹于{r.created_on.year}年{_fmt(r.created_on)}录入"
        f"（晚{r.days_late}天）" for r in late]
    members = [m.member_id for m in lacking]
    members += sorted({r.member_id for r in late} - set(members))
    evidence = Evidence(records=len(records), members=members, details=_capped(details))
    params = {"period": period.label, "year": period.year, "current": period.contains(today),
              "deadline": period.end, "count": len(lacking), "days": IMMEDIATE_DAYS}
    if not roll:
        return Result(State.not_applicable, evidence, NextStep("log.no_members", params))
    if lacking:
        if is_open:
            return Result(State.due, evidence, NextStep("log.role_record_by", params), period.end)
        return Result(State.missed, evidence, NextStep("log.role_missing", params), period.end)
    if late:
        return Result(State.late, evidence, NextStep("log.deed_late", {**params, "count": len(late)}), period.end)
    return Result(State.met, evidence, deadline=period.end)


# --- LOG-verified -------------------------------------------------------------------------------

@rule("LOG-verified", system=7, period=MONTH, title="记实经党员本人核实、支部确认")
def log_verified(scope: Scope, period: Period, today: dt.date, facts) -> Result:
    f = _facts(facts)
    records = [r for r in f.records if period.contains(r.occurred_on)]
    open_ = sorted((r for r in records if not (r.acknowledged and r.confirmed)),
                   key=lambda r: (r.verify_by, r.occurred_on, r.id))
    missing = {(False, False): "未经本人核实、支部确认", (True, False): "支部未确认", (False, True): "未经本人核实"}
    details = [f"{r.occurred_on.isoformat()} {r.title}：{r.name}的记实{missing[(r.acknowledged, r.confirmed)]}"
               + ("（已超期）" if today > r.verify_by else f"（须在{_fmt(r.verify_by)}前）") for r in open_]
    evidence = Evidence(records=len(records), members=sorted({r.member_id for r in open_}), details=_capped(details))
    params = {"period": period.label, "current": period.contains(today), "count": len(open_), "days": VERIFY_DAYS}
    if not records:
        return Result(State.not_applicable, evidence, NextStep("log.nothing_recorded", params))
    if not open_:
        return Result(State.met, evidence)
    overdue = [r for r in open_ if today > r.verify_by]
    if overdue:
        return Result(State.late, evidence, NextStep("log.verify_overdue", {**params, "count": len(overdue)}),
                      overdue[0].verify_by)
    return Result(State.due, evidence, NextStep("log.verify_by", {**params, "deadline": open_[0].verify_by}),
                  open_[0].verify_by)

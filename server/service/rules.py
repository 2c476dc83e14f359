"""EDU-posts (SPEC system 6), registered in the compliance registry.

Every member assigned to a service post records at least one service record of that post, confirmed
by the branch, in each period of the post's cadence (a month, a quarter or a year).

The rule is judged per MONTH; a month judges the assignments whose cadence period ENDS in it: monthly
posts every month, quarterly posts in March, June, September and December (over the quarter),
yearly posts in December (over the year). So each cadence period is judged exactly once, in the
month its deadline falls in, and a quarter's or a year's gap is not reported three or twelve times.
An assignment counts when it overlapped the cadence period (its member not gone before it began).
- `not-applicable`: no assignment is judged this month;
- `met`: each has a confirmed record of the post dated in the period, confirmed by the period's end;
- `due`: the period is still open and some have none confirmed yet (deadline: the period's end);
- `late`: the period is over and every one has a confirmed record, but some were confirmed after it;
- `missed`: the period is over and some have no confirmed record of the period.
Evidence: the members concerned and one line per assignment lacking a record (with "待确认" when
the member's record waits for the branch).
"""
from __future__ import annotations

import dataclasses
import datetime as dt

import sqlalchemy as sa

from server.calendar.days import local_day
from server.compliance.messages import add_templates
from server.compliance.registry import MONTH, Evidence, NextStep, Period, Result, Scope, State, facts_loader, rule
from server.core.db import db
from server.core.enums import RecordKind, ServiceCadence, ServicePostKind
from server.org.models import Member
from server.records.models import Record
from server.service.models import ServiceAssignment, ServicePost
from server.service.operations import cadence_period

KIND_ZH = {"responsibility_zone": "党员责任区", "vanguard_post": "先锋岗", "model_household": "示范户",
           "commitment": "承诺践诺", "set_post": "设岗定责", "pairing_support": "结对帮扶", "volunteering": "志愿服务"}

add_templates({
    "edu.posts_due": "{period}尚有{count}名在岗党员没有经确认的服务记实，须在{deadline}前记实并确认",
    "edu.posts_missed": "{period}有{count}名在岗党员没有经确认的服务记实",
    "edu.posts_late": "{period}有{count}条服务记实逾期才确认",
    "edu.no_posts": "{period}没有需要记实的服务岗位",
})


@dataclasses.dataclass(frozen=True)
class AssignmentFact:
    id: int
    post_id: int
    post_title: str
    post_kind: str
    cadence: str
    member_id: int
    member_name: str
    starts_on: dt.date
    ends_on: dt.date | None
    member_left_on: dt.date | None


@dataclasses.dataclass(frozen=True)
class ServiceRecordFact:
    id: int
    post_id: int
    member_id: int
    occurred_on: dt.date
    confirmed_on: dt.date | None  # China's day of the branch's confirmation


@dataclasses.dataclass
class ServiceFacts:
    assignments: list[AssignmentFact] = dataclasses.field(default_factory=list)
    records: list[ServiceRecordFact] = dataclasses.field(default_factory=list)


@facts_loader("service")
def load_service_facts(branch_ids: list[int], year: int, today: dt.date) -> dict[int, ServiceFacts]:
    """Two queries for any number of branches: the assignments overlapping the year, and the year's
    service records naming a post (not refused)."""
    out = {b: ServiceFacts() for b in branch_ids}
    if not branch_ids:
        return out
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    rows = db.session.execute(
        sa.select(ServiceAssignment.id, ServiceAssignment.post_id, ServicePost.title, ServicePost.kind,
                  ServicePost.cadence, ServicePost.branch_id, ServiceAssignment.member_id, Member.name,
                  ServiceAssignment.starts_on, ServiceAssignment.ends_on, Member.left_on)
        .join(ServicePost, ServicePost.id == ServiceAssignment.post_id)
        .join(Member, Member.id == ServiceAssignment.member_id)
        .where(ServicePost.branch_id.in_(branch_ids), ServiceAssignment.starts_on <= last,
               sa.or_(ServiceAssignment.ends_on.is_(None), ServiceAssignment.ends_on >= first))
        .order_by(Member.name, ServiceAssignment.id))
    for r in rows:
        out[r.branch_id].assignments.append(AssignmentFact(
            r.id, r.post_id, r.title, ServicePostKind(r.kind).value,
            ServiceCadence(r.cadence).value, r.member_id, r.name, r.starts_on, r.ends_on, r.left_on))
    records = sa.select(Record.id, Record.service_post_id, Record.member_id, Record.occurred_on, Record.confirmed_at,
                        ServicePost.branch_id) \
        .join(ServicePost, ServicePost.id == Record.service_post_id) \
        .where(ServicePost.branch_id.in_(branch_ids), Record.kind == RecordKind.service,
               Record.occurred_on.between(first, last), Record.refused_at.is_(None)) \
        .order_by(Record.occurred_on, Record.id)
    for r in db.session.execute(records):
        out[r.branch_id].records.append(ServiceRecordFact(
            r.id, r.service_post_id, r.member_id, r.occurred_on,
            local_day(r.confirmed_at) if r.confirmed_at is not None else None))
    return out


def _judged(a: AssignmentFact, month: Period) -> Period | None:
    """The cadence period of `a` judged in `month` (the one ending in it), if `a` overlapped it."""
    period = cadence_period(a.cadence, month.end)
    if period.end != month.end:
        return None
    gone = min(d for d in (a.ends_on, a.member_left_on, period.end) if d is not None)
    if a.starts_on > period.end or gone < period.start:
        return None
    return period


@rule("EDU-posts", system=6, period=MONTH, title="党员责任区、先锋岗、示范户等服务岗位按期记实")
def edu_posts(scope: Scope, period: Period, today: dt.date, facts) -> Result:
    f: ServiceFacts = facts.extra.get("service") or ServiceFacts()
    judged = [(a, p) for a in f.assignments if (p := _judged(a, period)) is not None]
    lacking, late, waiting, met_records = [], [], set(), []
    for a, p in judged:
        mine = [r for r in f.records if r.post_id == a.post_id and r.member_id == a.member_id
                and p.contains(r.occurred_on)]
        confirmed = [r for r in mine if r.confirmed_on is not None]
        if not confirmed:
            lacking.append((a, p))
            if mine:
                waiting.add(a.id)
        elif min(r.confirmed_on for r in confirmed) > p.end:
            late.append((a, p))
        met_records += [r.id for r in confirmed]
    details = [f"{a.member_name}：{KIND_ZH.get(a.post_kind, '')}「{a.post_title}」{p.label_zh}尚无经确认的服务记实"
               + ("（有待确认的记实）" if a.id in waiting else "") for a, p in lacking]
    details += [f"{a.member_name}：{KIND_ZH.get(a.post_kind, '')}「{a.post_title}」{p.label_zh}的服务记实逾期才确认"
                for a, p in late]
    evidence = Evidence(records=len(met_records), members=sorted({a.member_id for a, _ in lacking + late}),
                        details=details)
    params = {"period": period.label, "current": period.contains(today), "deadline": period.end}
    if not judged:
        return Result(State.not_applicable, evidence, NextStep("edu.no_posts", params))
    if today <= period.end:
        if lacking:
            return Result(State.due, evidence, NextStep("edu.posts_due", {**params, "count": len(lacking)}),
                          period.end)
        return Result(State.met, evidence, deadline=period.end)
    if lacking:
        return Result(State.missed, evidence, NextStep("edu.posts_missed", {**params, "count": len(lacking)}),
                      period.end)
    if late:
        return Result(State.late, evidence, NextStep("edu.posts_late", {**params, "count": len(late)}), period.end)
    return Result(State.met, evidence, deadline=period.end)

"""The featured systems' rules (X), registered from the templates' data with one generic evaluator.

Each template states its rules (server/featured/templates/*.toml, `[[rules]]`) in a small
vocabulary, judged here alike for every template (docs/compliance.md, "X"):
- `events_held` (min N): at least N of the template's events (Event.featured_system = its code)
  held in the period, an event counting once attendance was taken there. `met`; `due` while the
  period is open; `missed` once it is over.
- `service_records`: every member assigned (during the period) to one of the posts the template
  created has at least one service record on such a post, of a day in the period and confirmed by
  the branch. `met`; `due` while open; `missed` once over (also when nobody was assigned).
A period is judged when the branch had the template adopted during it, `not_applicable` otherwise;
the period in which it was adopted only when something of the template is already in it (an event
on the plan, an assignment): a branch adopting late in a month is not failed for that month.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable

import sqlalchemy as sa

from server.calendar.days import CHINA, local_day
from server.compliance.messages import add_templates
from server.compliance.registry import REGISTRY, Evidence, NextStep, Period, Result, Scope, State, facts_loader, rule
from server.core.db import db
from server.core.enums import EventStatus, RecordKind
from server.events.models import Event
from server.featured.loader import EVENTS_HELD, RuleSpec, Template, builtin_templates
from server.featured.models import BranchFeaturedSystem
from server.org.models import Member
from server.records.models import Record
from server.service.models import ServiceAssignment, ServicePost

SYSTEM = 9  # X, after SPEC's eight basic systems (registry.SYSTEM_NAMES)
DETAIL_CAP = 10

add_templates({
    "featured.not_adopted": "本支部未采用“{template}”",
    "featured.adopted_in_period": "本支部于{adopted_on}采用“{template}”，本期尚无安排，不作评判",
    "featured.events_planned": "“{event}”已安排在{date}",
    "featured.events_schedule": "{period}须开展“{event}”（{schedule}），请安排",
    "featured.events_not_held": "{period}未开展“{event}”",
    "featured.events_no_attendance": "{date}的“{event}”尚未签到，签到后方可作为落实依据",
    "featured.assign": "“{post}”尚未安排党员，请在服务岗位中分配",
    "featured.unassigned": "{period}“{post}”没有安排党员",
    "featured.records_due": "{count}名党员{period}尚无经确认的“{post}”记实，须在{deadline}前记实并确认",
    "featured.records_missing": "{period}有{count}名党员没有经确认的“{post}”记实",
})


@dataclasses.dataclass(frozen=True)
class AdoptionFact:
    code: str
    adopted_on: dt.date
    dropped_on: dt.date | None

    def open_during(self, start: dt.date, end: dt.date) -> bool:
        return self.adopted_on <= end and (self.dropped_on is None or self.dropped_on > start)


@dataclasses.dataclass(frozen=True)
class FeaturedEventFact:
    id: int
    code: str
    title: str
    day: dt.date
    status: EventStatus
    attendance: int


@dataclasses.dataclass(frozen=True)
class AssignmentFact:
    post_id: int
    code: str
    post_title: str
    member_id: int
    name: str
    starts_on: dt.date
    ends_on: dt.date | None

    def open_during(self, start: dt.date, end: dt.date) -> bool:
        return self.starts_on <= end and (self.ends_on is None or self.ends_on >= start)


@dataclasses.dataclass(frozen=True)
class ServiceRecordFact:
    id: int
    post_id: int
    member_id: int
    occurred_on: dt.date


@dataclasses.dataclass
class FeaturedFacts:
    adoptions: list[AdoptionFact] = dataclasses.field(default_factory=list)
    events: list[FeaturedEventFact] = dataclasses.field(default_factory=list)
    assignments: list[AssignmentFact] = dataclasses.field(default_factory=list)
    records: list[ServiceRecordFact] = dataclasses.field(default_factory=list)


def _source_code(source: str | None) -> str | None:
    return source.removeprefix("template:") if source and source.startswith("template:") else None


@facts_loader("featured")
def load_featured_facts(branch_ids: list[int], year: int, today: dt.date) -> dict[int, FeaturedFacts]:
    """Five queries for any number of branches: adoptions, the templates' events with their
    attendance, the templates' posts' assignments, and the confirmed service records on them."""
    out = {b: FeaturedFacts() for b in branch_ids}
    if not branch_ids:
        return out
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    for a in db.session.scalars(sa.select(BranchFeaturedSystem).where(
            BranchFeaturedSystem.branch_id.in_(branch_ids), BranchFeaturedSystem.adopted_on <= last,
            sa.or_(BranchFeaturedSystem.dropped_on.is_(None), BranchFeaturedSystem.dropped_on >= first))):
        out[a.branch_id].adoptions.append(AdoptionFact(a.template_code, a.adopted_on, a.dropped_on))

    lo = dt.datetime(year, 1, 1, tzinfo=CHINA).astimezone(dt.timezone.utc)
    hi = dt.datetime(year + 1, 1, 1, tzinfo=CHINA).astimezone(dt.timezone.utc)
    in_year = sa.and_(Event.branch_id.in_(branch_ids), Event.featured_system.is_not(None),
                      Event.starts_at >= lo, Event.starts_at < hi)
    attendance = dict(db.session.execute(
        sa.select(Record.event_id, sa.func.count()).join(Event, Event.id == Record.event_id)
        .where(in_year, Record.kind == RecordKind.attendance).group_by(Record.event_id)).all())
    for e in db.session.execute(sa.select(Event.id, Event.branch_id, Event.featured_system, Event.title,
                                          Event.starts_at, Event.status).where(in_year)):
        out[e.branch_id].events.append(FeaturedEventFact(e.id, e.featured_system, e.title, local_day(e.starts_at),
                                                         e.status, attendance.get(e.id, 0)))

    posts = {}
    for row in db.session.execute(
            sa.select(ServiceAssignment.post_id, ServicePost.branch_id, ServicePost.source, ServicePost.title,
                      ServiceAssignment.member_id, Member.name, ServiceAssignment.starts_on, ServiceAssignment.ends_on)
            .join(ServicePost, ServicePost.id == ServiceAssignment.post_id)
            .join(Member, Member.id == ServiceAssignment.member_id)
            .where(ServicePost.branch_id.in_(branch_ids), ServicePost.source.like("template:%"),
                   ServiceAssignment.starts_on <= last,
                   sa.or_(ServiceAssignment.ends_on.is_(None), ServiceAssignment.ends_on >= first))
            .order_by(ServiceAssignment.post_id, Member.id)):
        code = _source_code(row.source)
        posts[row.post_id] = row.branch_id
        out[row.branch_id].assignments.append(AssignmentFact(row.post_id, code, row.title, row.member_id, row.name,
                                                             row.starts_on, row.ends_on))
    if posts:
        for r in db.session.execute(sa.select(Record.id, Record.service_post_id, Record.member_id, Record.occurred_on)
                                    .where(Record.service_post_id.in_(list(posts)), Record.kind == RecordKind.service,
                                           Record.confirmed_at.is_not(None), Record.occurred_on >= first,
                                           Record.occurred_on <= last)):
            out[posts[r.service_post_id]].records.append(ServiceRecordFact(r.id, r.service_post_id, r.member_id,
                                                                           r.occurred_on))
    return out


def _facts(facts) -> FeaturedFacts:
    return facts.extra.get("featured") or FeaturedFacts()


def _details(lines: list[str]) -> list[str]:
    return lines[:DETAIL_CAP] + ([f"等{len(lines)}人"] if len(lines) > DETAIL_CAP else [])


def judge(template: Template, spec: RuleSpec, period: Period, today: dt.date, f: FeaturedFacts) -> Result:
    """The generic evaluator of a template's rule (pure: facts in, result out)."""
    code = template.code
    adoptions = [a for a in f.adoptions if a.code == code and a.open_during(period.start, period.end)]
    params = {"template": template.title, "period": period.label, "current": period.contains(today),
              "deadline": period.end}
    if not adoptions:
        return Result(State.not_applicable, next_step=NextStep("featured.not_adopted", params))
    events = [e for e in f.events if e.code == code and period.contains(e.day) and e.status != EventStatus.cancelled]
    assignments = [a for a in f.assignments if a.code == code and a.open_during(period.start, period.end)]
    adopted_on = min(a.adopted_on for a in adoptions)
    if adopted_on > period.start and not (events if spec.requirement == EVENTS_HELD else assignments):
        return Result(State.not_applicable, next_step=NextStep("featured.adopted_in_period",
                                                                {**params, "adopted_on": adopted_on}))
    is_open = not period.is_over(today)
    if spec.requirement == EVENTS_HELD:
        return _events_held(template, spec, period, today, events, params, is_open)
    return _service_records(template, assignments, period, f, params, is_open)


def _events_held(template, spec, period, today, events, params, is_open) -> Result:
    held = [e for e in events if e.attendance > 0]
    evidence = Evidence(events=[e.id for e in held], records=sum(e.attendance for e in held),
                        details=[f"{e.day.month}月{e.day.day}日{e.title}：签到{e.attendance}人" for e in held])
    if len(held) >= spec.min:
        return Result(State.met, evidence, deadline=period.end)
    title = template.events[0].title
    waiting = [e for e in events if e.attendance == 0]
    past = [e for e in waiting if e.day <= today]
    ahead = [e for e in waiting if e.day > today]
    if not is_open:
        return Result(State.missed, evidence, NextStep("featured.events_not_held", {**params, "event": title}), period.end)
    if past:
        e = past[0]
        evidence.events += [e.id]
        return Result(State.due, evidence, NextStep("featured.events_no_attendance",
                                                    {**params, "event": e.title, "date": e.day, "event_id": e.id}),
                      period.end)
    if ahead:
        e = ahead[0]
        return Result(State.due, evidence, NextStep("featured.events_planned",
                                                    {**params, "event": e.title, "date": e.day, "event_id": e.id}),
                      period.end)
    schedule = template.events[0].schedule.describe_zh()
    return Result(State.due, evidence, NextStep("featured.events_schedule", {**params, "event": title, "schedule": schedule}),
                  period.end)


def _service_records(template, assignments, period, f, params, is_open) -> Result:
    post = template.assignments[0].title
    params = {**params, "post": post}
    if not assignments:
        key = "featured.assign" if is_open else "featured.unassigned"
        return Result(State.due if is_open else State.missed, Evidence(), NextStep(key, params), period.end)
    done: dict[int, list[int]] = {}
    posts = {a.post_id for a in assignments}
    for r in f.records:
        if r.post_id in posts and period.contains(r.occurred_on):
            done.setdefault(r.member_id, []).append(r.id)
    members: dict[int, str] = {}
    for a in assignments:
        members.setdefault(a.member_id, a.name)
    lacking = [(m, name) for m, name in members.items() if m not in done]
    evidence = Evidence(members=sorted(members),
                        details=_details([f"{name}：{period.label_zh}尚无经确认的记实" for _, name in lacking]))
    if not lacking:
        evidence.details = [f"{members[m]}：{len(ids)}条经确认的记实" for m, ids in done.items() if m in members][:DETAIL_CAP]
        return Result(State.met, evidence, deadline=period.end)
    params["count"] = len(lacking)
    if is_open:
        return Result(State.due, evidence, NextStep("featured.records_due", params), period.end)
    return Result(State.missed, evidence, NextStep("featured.records_missing", params), period.end)


def _evaluator(template: Template, spec: RuleSpec):
    def evaluate(scope: Scope, period: Period, today: dt.date, facts) -> Result:
        return judge(template, spec, period, today, _facts(facts))
    evaluate.__name__ = f"featured_{spec.id}"
    return evaluate


def register_templates(templates: Iterable[Template]) -> list[str]:
    """Register the templates' rules (once each; a rule id already registered by the same template
    is kept). Returns the ids registered now."""
    added = []
    for template in templates:
        for spec in template.rules:
            if spec.id in REGISTRY:
                continue
            rule(spec.id, system=SYSTEM, period=spec.period, title=spec.title)(_evaluator(template, spec))
            added.append(spec.id)
    return added


register_templates(builtin_templates().values())

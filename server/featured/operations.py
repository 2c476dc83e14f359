"""Adopting and dropping featured-system templates (X): what each puts on the plan and takes off.

Adopting puts the template's events for the rest of the year on the branch's plan (planned events
with `featured_system` = the template's code, at least NOTICE_DAYS ahead so that the notice can
go out in time), creates its service posts and adds its points rules (source "template:<code>").
Dropping cancels its planned events still ahead (members are told why), ends its posts and
removes its points rules; what happened stays (events held, records, points earned).
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask import current_app

from server.audit.operations import log_action
from server.calendar.days import CHINA, local_day
from server.calendar.operations import current_calendar
from server.compliance.rules import NOTICE_DAYS
from server.core.api import abort
from server.core.db import db
from server.core.enums import EventStatus, Sector
from server.events.models import Event
from server.events.operations import cancel_event, create_event
from server.featured.loader import Template, catalogue
from server.featured.models import BranchFeaturedSystem
from server.org.models import Branch
from server.points import operations as points
from server.service import operations as service
from server.service.models import ServicePost
from sync import clock

DROP_REASON = "不再采用该特色制度"


def templates() -> dict[str, Template]:
    return catalogue(current_app.config)


def template_or_404(code: str) -> Template:
    template = templates().get(code)
    if template is None:
        abort(404, message="No such featured-system template.")
    return template


def ordered_for(sector: Sector | None) -> list[Template]:
    """The catalogue with the branch's own sector first, then the others in SPEC's order."""
    order = [s for s in Sector]
    return sorted(templates().values(),
                  key=lambda t: (t.sector != sector, order.index(t.sector), not t.builtin, t.code))


def open_adoption(branch_id: int, code: str) -> BranchFeaturedSystem | None:
    return db.session.scalar(sa.select(BranchFeaturedSystem).where(
        BranchFeaturedSystem.branch_id == branch_id, BranchFeaturedSystem.template_code == code,
        BranchFeaturedSystem.dropped_on.is_(None)))


def adopted_templates(branch_id: int) -> list[tuple[BranchFeaturedSystem, Template]]:
    """The branch's open adoptions of templates this installation still offers, in adoption order."""
    known = templates()
    rows = db.session.scalars(sa.select(BranchFeaturedSystem).where(
        BranchFeaturedSystem.branch_id == branch_id, BranchFeaturedSystem.dropped_on.is_(None))
        .order_by(BranchFeaturedSystem.adopted_on, BranchFeaturedSystem.id)).all()
    return [(row, known[row.template_code]) for row in rows if row.template_code in known]


def event_dates(template: Template, year: int, not_before: dt.date) -> list[tuple[int, dt.date]]:
    """(index of the template's event, date) of the year from `not_before` on; a date on a rest day
    moves to the next working day unless the event keeps rest days."""
    calendar = current_calendar()
    out = []
    for index, spec in enumerate(template.events):
        for day in spec.schedule.dates(year):
            while not spec.keep_rest_days and calendar.is_rest_day(day):
                day += dt.timedelta(days=1)
            if day >= not_before and day.year == year:
                out.append((index, day))
    return sorted(out, key=lambda x: (x[1], x[0]))


def _planned_days(branch_id: int, code: str, year: int) -> set[tuple[str, dt.date]]:
    lo = dt.datetime(year, 1, 1, tzinfo=CHINA)
    hi = dt.datetime(year + 1, 1, 1, tzinfo=CHINA)
    rows = db.session.execute(sa.select(Event.title, Event.starts_at).where(
        Event.branch_id == branch_id, Event.featured_system == code, Event.status != EventStatus.cancelled,
        Event.starts_at >= lo, Event.starts_at < hi)).all()
    return {(title, local_day(starts_at)) for title, starts_at in rows}


def plan_year(branch: Branch, template: Template, year: int, actor_id: int | None) -> list[Event]:
    """Put the template's events of `year` on the plan, from NOTICE_DAYS after today on (never into
    the past, and never so close that the notice cannot be given). Idempotent: a date that already
    has the event (not cancelled) keeps it."""
    not_before = clock.today() + dt.timedelta(days=NOTICE_DAYS)
    existing = _planned_days(branch.id, template.code, year)
    created = []
    for index, day in event_dates(template, year, not_before):
        spec = template.events[index]
        if (spec.title, day) in existing:
            continue
        hour, minute = map(int, spec.time.split(":"))
        starts_at = dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=CHINA).astimezone(dt.timezone.utc)
        created.append(create_event(branch, {
            "kind": spec.kind, "title": spec.title, "place": spec.place, "starts_at": starts_at,
            "ends_at": starts_at + dt.timedelta(minutes=spec.duration_minutes), "featured_system": template.code,
        }, actor_id))
    return created


def adopt(branch: Branch, code: str, actor_id: int | None) -> dict:
    template = template_or_404(code)
    if open_adoption(branch.id, code) is not None:
        abort(409, message="The branch has already adopted this featured system.")
    today = clock.today()
    adoption = BranchFeaturedSystem(branch_id=branch.id, template_code=code, adopted_on=today, adopted_by_id=actor_id)
    db.session.add(adoption)
    db.session.flush()
    events = plan_year(branch, template, today.year, actor_id)
    posts = [service.create_service_post(branch.id, kind=a.kind, title=a.title, description=a.description,
                                         cadence=a.cadence, source=template.source, created_by_id=actor_id,
                                         starts_on=today)
             for a in template.assignments]
    if template.points:
        points.add_points_rules(branch.id, [{"key": p.key_for(code), "title": p.title, "points": p.points,
                                             "cap_per_period": p.cap_per_period} for p in template.points],
                                template.source)
    log_action(actor_id, "featured.adopted", adoption, branch_id=branch.id, code=code,
               events=[e.id for e in events], posts=[p.id for p in posts])
    return {"adoption": adoption, "template": template, "events": events, "posts": [p.title for p in posts],
            "cancelled_events": 0}


def drop(branch: Branch, code: str, actor_id: int | None) -> dict:
    template = template_or_404(code)
    adoption = open_adoption(branch.id, code)
    if adoption is None:
        abort(409, message="The branch has not adopted this featured system.")
    today = clock.today()
    adoption.dropped_on = today
    adoption.dropped_by_id = actor_id
    ahead = db.session.scalars(sa.select(Event).where(
        Event.branch_id == branch.id, Event.featured_system == code, Event.status == EventStatus.planned,
        Event.starts_at > clock.now()).order_by(Event.starts_at, Event.id)).all()
    for event in ahead:
        cancel_event(event, DROP_REASON, actor_id)
    ended = service.end_service_posts(branch.id, template.source, today)
    removed = points.remove_points_rules(branch.id, template.source)
    log_action(actor_id, "featured.dropped", adoption, branch_id=branch.id, code=code,
               cancelled=[e.id for e in ahead], posts_ended=ended, points_rules_removed=removed)
    db.session.flush()
    return {"adoption": adoption, "template": template, "events": [], "posts": [],
            "cancelled_events": len(ahead)}


def posts_of(branch_id: int, source: str) -> list[ServicePost]:
    """The open service posts a template created for the branch."""
    return list(db.session.scalars(sa.select(ServicePost).where(
        ServicePost.branch_id == branch_id, ServicePost.source == source, ServicePost.ends_on.is_(None))
        .order_by(ServicePost.id)))


def plan(branch: Branch, code: str, year: int, actor_id: int | None) -> dict:
    """Plan another year of an adopted template (next year's events, once its dates are known)."""
    template = template_or_404(code)
    adoption = open_adoption(branch.id, code)
    if adoption is None:
        abort(409, message="The branch has not adopted this featured system.")
    events = plan_year(branch, template, year, actor_id)
    log_action(actor_id, "featured.planned", adoption, branch_id=branch.id, code=code, year=year,
               events=[e.id for e in events])
    return {"adoption": adoption, "template": template, "events": events, "posts": [], "cancelled_events": 0}


def branch_view(branch: Branch, year: int) -> dict:
    """The catalogue as the branch sees it: its sector first, each template with its open adoption
    and this year's events of it on the plan."""
    lo = dt.datetime(year, 1, 1, tzinfo=CHINA)
    hi = dt.datetime(year + 1, 1, 1, tzinfo=CHINA)
    events: dict[str, list[Event]] = {}
    for event in db.session.scalars(sa.select(Event).where(
            Event.branch_id == branch.id, Event.featured_system.is_not(None), Event.starts_at >= lo,
            Event.starts_at < hi).order_by(Event.starts_at, Event.id)):
        events.setdefault(event.featured_system, []).append(event)
    adoptions = {a.template_code: a for a in db.session.scalars(sa.select(BranchFeaturedSystem).where(
        BranchFeaturedSystem.branch_id == branch.id, BranchFeaturedSystem.dropped_on.is_(None)))}
    return {"branch_id": branch.id, "sector": branch.sector, "year": year, "templates": [
        {"template": t, "adoption": adoptions.get(t.code), "events": events.get(t.code, [])}
        for t in ordered_for(branch.sector)]}

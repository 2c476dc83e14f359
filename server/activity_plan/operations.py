from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from server.calendar.days import CHINA, local_day
from server.calendar.operations import current_calendar
from server.core.api import abort
from server.core.db import db
from server.core.enums import EventKind, EventStatus, FilingKind
from server.events.models import Event
from server.events.operations import create_event
from server.filings.models import Filing
from server.filings.operations import submit_filing
from server.org.models import Branch
from sync import clock


def _year_events(branch: Branch, year: int) -> dict[int, Event]:
    lo = dt.datetime(year, 1, 1, tzinfo=CHINA).astimezone(dt.timezone.utc)
    hi = dt.datetime(year + 1, 1, 1, tzinfo=CHINA).astimezone(dt.timezone.utc)
    events = db.session.scalars(sa.select(Event).where(
        Event.branch_id == branch.id, Event.kind == EventKind.activity_day, Event.status != EventStatus.cancelled,
        Event.starts_at >= lo, Event.starts_at < hi).order_by(Event.starts_at, Event.id)).all()
    calendar = current_calendar()
    grouped: dict[int, list[Event]] = {}
    for event in events:
        grouped.setdefault(local_day(event.starts_at).month, []).append(event)
    by_month: dict[int, Event] = {}
    for month, candidates in grouped.items():
        rule_date = calendar.activity_day_for(year, month)
        by_month[month] = next((e for e in candidates if local_day(e.starts_at) == rule_date), candidates[0])
    return by_month


def plan_view(branch: Branch, year: int) -> dict:
    calendar = current_calendar()
    events = _year_events(branch, year)
    months = []
    for month in range(1, 13):
        rule_date = calendar.activity_day_for(year, month)
        event = events.get(month)
        months.append({"month": month, "rule_date": rule_date, "event": event,
                       "on_rule_date": local_day(event.starts_at) == rule_date if event else None})
    filings = db.session.scalars(sa.select(Filing).where(
        Filing.branch_id == branch.id, Filing.kind == FilingKind.activity_day_plan, Filing.year == year)
        .order_by(Filing.filed_at, Filing.id)).all()
    return {"branch_id": branch.id, "year": year, "calendar_source": calendar.source(year), "months": months,
            "filings": filings}


def generate_plan(branch: Branch, data: dict, actor_id: int) -> dict:
    """Create a planned activity day on its rule date for every month from today on that has none.
    Idempotent: months with an activity day keep theirs (edit them as events)."""
    year = data["year"]
    calendar = current_calendar()
    existing = _year_events(branch, year)
    hour, minute = map(int, data["start_time"].split(":"))
    today = clock.today()
    themes = data["themes"]
    for month in range(1, 13):
        day = calendar.activity_day_for(year, month)
        if month in existing or day < today:
            continue  # never plan into the past: a past planned event would look held
        starts_at = dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=CHINA).astimezone(dt.timezone.utc)
        create_event(branch, {
            "kind": EventKind.activity_day, "title": f"{month}月主题党日活动",
            "theme": themes[month - 1] if month <= len(themes) and themes[month - 1] else None,
            "place": data["place"], "starts_at": starts_at,
            "ends_at": starts_at + dt.timedelta(minutes=data["duration_minutes"]),
        }, actor_id)
    return plan_view(branch, year)


def file_plan(branch: Branch, year: int, body: str | None, actor_id: int) -> Filing:
    """File the year's plan with the committee: a snapshot of its dates, with the filing's date."""
    view = plan_view(branch, year)
    plan_days = [{"month": m["month"], "rule_date": m["rule_date"].isoformat(),
             "date": local_day(m["event"].starts_at).isoformat(), "title": m["event"].title,
             "theme": m["event"].theme, "place": m["event"].place, "event_id": m["event"].id}
            for m in view["months"] if m["event"] is not None]
    if not plan_days:
        abort(409, message="The plan has no activity day yet; generate it first.")
    data = {"kind": FilingKind.activity_day_plan, "year": year, "period": str(year),
            "title": f"{branch.name}{year}年度统一活动日计划", "body": body, "event_id": None, "requested_on": None}
    return submit_filing(branch, data, actor_id, details={"days": plan_days})

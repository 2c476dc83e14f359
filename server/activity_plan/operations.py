from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from server.audit.models import AuditEntry
from server.audit.operations import log_action
from server.calendar.days import CHINA, local_day
from server.calendar.operations import current_calendar
from server.core.api import abort
from server.core.db import db
from server.core.enums import EventKind, EventStatus, FilingKind
from server.events.models import Event
from server.events.operations import create_event
from server.filings.models import Filing
from server.filings.operations import submit_filing
from server.notifications import operations as notifications
from server.org.models import Branch
from sync import clock

# The audit actions of `follow_calendar`, which the branch's compliance view lists (calendar_changes)
# for this many days.
MOVED, NOT_MOVED = "event.moved_by_calendar", "event.not_moved_by_calendar"
CALENDAR_CHANGES_DAYS = 30


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
            "ends_at": starts_at + dt.timedelta(minutes=data["duration_minutes"]), "rule_date": day,
        }, actor_id)
    return plan_view(branch, year)


def calendar_moves(year: int, calendar, now: dt.datetime) -> list[dict]:
    """What `follow_calendar` does under `calendar`, without doing it (the preview of a schedule
    uses this, so that it shows exactly what saving does): one entry per planned activity day of
    the year, still ahead, whose month's rule date changes, as `{event, rule_date, from, to, moved,
    reason, shift}`; `from == to` when it already is on the new date (only its rule date changes)."""
    events = db.session.scalars(sa.select(Event).where(
        Event.kind == EventKind.activity_day, Event.status == EventStatus.planned, Event.starts_at > now,
        Event.rule_date >= dt.date(year, 1, 1), Event.rule_date <= dt.date(year, 12, 31))
        .order_by(Event.branch_id, Event.starts_at, Event.id)).all()
    moves = []
    for event in events:
        rule_date = calendar.activity_day_for(event.rule_date.year, event.rule_date.month)
        if rule_date == event.rule_date:
            continue
        day = local_day(event.starts_at)
        shift = dt.timedelta(days=(rule_date - day).days)  # whole days: China keeps no daylight saving
        reason = None
        if day != rule_date and event.edited_by_hand:
            reason = "edited_by_hand"
        elif day != rule_date and event.starts_at + shift <= now:
            reason = "past"  # a past planned event would look held
        moves.append({"event": event, "rule_date": rule_date, "from": day, "to": rule_date,
                      "moved": day != rule_date and reason is None, "reason": reason, "shift": shift})
    return moves


def follow_calendar(year: int, actor_id: int | None) -> dict:
    """After the year's official schedule was loaded or removed: move every activity day the plan
    generated for the year (any branch) to its month's rule date under the calendar now in force,
    at the same time of day, its check-in window shifted alike: those still planned and ahead whose
    date and time nobody changed by hand. One edited by hand stays and is reported "not moved,
    check it", as is one whose new date is already past (a past planned event would look held).
    Each is audited; the branch's compliance view lists them (`calendar_changes`).
    → `{moved, not_moved, changes}`, `changes` one `{branch_id, event_id, title, from, to, moved, reason}` each."""
    changes = []
    for move in calendar_moves(year, current_calendar(), clock.now()):
        event, shift = move["event"], move["shift"]
        event.rule_date = move["rule_date"]
        if move["from"] == move["to"]:
            continue  # already there (moved by hand to the date the rule now says)
        change = {"year": year, "title": event.title, "from": move["from"].isoformat(), "to": move["to"].isoformat()}
        changes.append({"branch_id": event.branch_id, "event_id": event.id, "title": event.title, "from": move["from"],
                        "to": move["to"], "moved": move["moved"], "reason": move["reason"]})
        if not move["moved"]:
            log_action(actor_id, NOT_MOVED, event, branch_id=event.branch_id, moved=False, reason=move["reason"], **change)
            continue
        event.starts_at += shift
        event.ends_at += shift
        event.checkin_opens_at += shift
        event.checkin_closes_at += shift
        log_action(actor_id, MOVED, event, branch_id=event.branch_id, moved=True, reason=None, **change)
        # Its members are told, as for any reschedule (the notice's text still names the old date:
        # the secretary sees the move in the compliance view and re-publishes it).
        notifications.notify_expected(event, notifications.NotificationKind.rescheduled, actor_id)
    db.session.flush()
    moved = sum(1 for c in changes if c["moved"])
    return {"moved": moved, "not_moved": len(changes) - moved, "changes": changes}


def calendar_changes(branch_id: int, today: dt.date) -> list[dict]:
    """What the holiday calendar moved (and did not move) of the branch's plan in the last 30 days."""
    since = dt.datetime.combine(today - dt.timedelta(days=CALENDAR_CHANGES_DAYS), dt.time(), CHINA)
    entries = db.session.scalars(sa.select(AuditEntry).where(
        AuditEntry.branch_id == branch_id, AuditEntry.action.in_((MOVED, NOT_MOVED)),
        AuditEntry.at >= since.astimezone(dt.timezone.utc)).order_by(AuditEntry.at, AuditEntry.id)).all()
    return [{"event_id": e.target_id, "title": e.data["title"], "from": dt.date.fromisoformat(e.data["from"]),
             "to": dt.date.fromisoformat(e.data["to"]), "moved": e.data["moved"], "reason": e.data.get("reason"),
             "at": e.at} for e in entries]


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

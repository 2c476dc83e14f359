"""The holiday calendar backed by the database (official schedules), and members' calendar feeds."""
from __future__ import annotations

import base64
import csv
import datetime as dt
import hashlib
import hmac
import io
import re
import secrets

import sqlalchemy as sa
from flask import current_app, g, has_app_context

from server.audit.operations import log_action
from server.calendar import ical
from server.calendar.days import HolidayCalendar, Override
from server.calendar.models import CalendarFeed, OfficialSchedule, OfficialScheduleDay
from server.core.api import abort
from server.core.db import db
from server.core.enums import CalendarDayKind, EventKind, EventStatus
from server.events.attendance import events_expected_for
from server.org.models import Member
from sync import clock

# How far the feed reaches: recent past and the coming year.
FEED_PAST = dt.timedelta(days=90)
FEED_FUTURE = dt.timedelta(days=400)

TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{43}")  # base64url of 32 bytes, unpadded

KIND_NAMES = {
    EventKind.branch_committee_meeting: "支委会", EventKind.group_meeting: "党小组会",
    EventKind.general_assembly: "党员大会", EventKind.party_lecture: "党课", EventKind.activity_day: "主题党日",
    EventKind.org_life_meeting: "组织生活会", EventKind.evaluation_meeting: "民主评议党员大会",
    EventKind.training: "培训班", EventKind.lecture: "专题讲座", EventKind.report_meeting: "报告会",
    EventKind.discussion: "专题研讨", EventKind.online_study: "网上学习", EventKind.featured_activity: "特色活动", EventKind.other: "活动",
}

# --- the calendar --------------------------------------------------------------------------------


def load_calendar() -> HolidayCalendar:
    """Every loaded official schedule (a few dozen rows a year) over the package's calendar."""
    overrides = []
    for schedule in db.session.scalars(sa.select(OfficialSchedule).options(sa.orm.selectinload(OfficialSchedule.days))):
        rest = {d.day: d.name or "休息日" for d in schedule.days if d.kind == CalendarDayKind.rest}
        work = {d.day: d.name or "调休上班" for d in schedule.days if d.kind == CalendarDayKind.work}
        overrides.append(Override(schedule.year, rest, work))
    return HolidayCalendar(overrides)


def current_calendar() -> HolidayCalendar:
    """The calendar for this request (loaded once per request)."""
    if has_app_context() and "holiday_calendar" in g:
        return g.holiday_calendar
    calendar = load_calendar()
    if has_app_context():
        g.holiday_calendar = calendar
    return calendar


def is_rest_day(day: dt.date) -> bool:
    return current_calendar().is_rest_day(day)


def activity_day_for(year: int, month: int) -> dt.date:
    """DAY-date: the first Wednesday of the month, or the next week's when that is a statutory rest day."""
    return current_calendar().activity_day_for(year, month)


def parse_schedule_csv(text: str) -> list[dict]:
    """`date,kind,name` lines (a header line is optional); kind is rest/work or 休/班."""
    kinds = {"rest": CalendarDayKind.rest, "休": CalendarDayKind.rest, "放假": CalendarDayKind.rest,
             "work": CalendarDayKind.work, "班": CalendarDayKind.work, "上班": CalendarDayKind.work}
    days, errors = [], {}
    for number, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        if not row or not "".join(row).strip() or row[0].strip().lower() in {"date", "日期"}:
            continue
        try:
            day = dt.date.fromisoformat(row[0].strip())
            kind = kinds[row[1].strip().lower()] if len(row) > 1 else None
        except (ValueError, KeyError):
            day = kind = None
        if kind is None:
            errors[str(number)] = ["Expected `YYYY-MM-DD,rest|work[,name]`."]
            continue
        days.append({"date": day, "kind": kind, "name": row[2].strip()[:100] if len(row) > 2 and row[2].strip() else None})
    if errors:
        abort(422, message="The schedule has lines that cannot be read.", errors={"json": {"csv": errors}})
    return days


def _check_days(year: int, days: list[dict]) -> None:
    errors, seen = {}, set()
    earliest = dt.date(year, 1, 1) - dt.timedelta(days=14)  # a late-December make-up day for New Year
    for day in days:
        d = day["date"]
        if not earliest <= d <= dt.date(year, 12, 31):
            errors[d.isoformat()] = [f"Not a day of the {year} schedule."]
        elif day["kind"] == CalendarDayKind.work and d.weekday() < 5:
            errors[d.isoformat()] = ["A make-up working day falls on a weekend."]
        elif d in seen:
            errors[d.isoformat()] = ["Listed twice."]
        seen.add(d)
    if errors:
        abort(422, message="The schedule is not valid; see errors.", errors={"json": {"days": errors}})


def load_schedule(year: int, data: dict, actor_id: int) -> tuple[OfficialSchedule, dict]:
    """Replace the year's official schedule (idempotent: the same body gives the same schedule), and
    move the plans' activity days of the year to their new rule dates: `(schedule, {moved, not_moved})`."""
    days = parse_schedule_csv(data["csv"]) if data.get("csv") is not None else data.get("days", [])
    if not days:
        abort(422, message="The schedule lists no day.", errors={"json": {"days": ["At least one day."]}})
    _check_days(year, days)
    schedule = db.session.scalar(sa.select(OfficialSchedule).where(OfficialSchedule.year == year))
    if schedule is None:
        schedule = OfficialSchedule(year=year)
        db.session.add(schedule)
    else:
        schedule.days.clear()
        db.session.flush()  # the old days go before the new ones take their (schedule, day) keys
    schedule.note = data.get("note")
    schedule.loaded_at = clock.now()
    schedule.loaded_by_id = actor_id
    schedule.days = [OfficialScheduleDay(day=d["date"], kind=d["kind"], name=d.get("name")) for d in days]
    db.session.flush()
    log_action(actor_id, "calendar.schedule_loaded", schedule, branch_id=None, year=year, days=len(days))
    g.pop("holiday_calendar", None)
    return schedule, _follow_calendar(year, actor_id)


def remove_schedule(schedule: OfficialSchedule, actor_id: int) -> dict:
    """The year returns to the package's calendar; the plans' activity days follow: `{moved, not_moved}`."""
    log_action(actor_id, "calendar.schedule_removed", schedule, branch_id=None, year=schedule.year)
    year = schedule.year
    db.session.delete(schedule)
    db.session.flush()
    g.pop("holiday_calendar", None)
    return _follow_calendar(year, actor_id)


def _follow_calendar(year: int, actor_id: int | None) -> dict:
    from server.activity_plan.operations import follow_calendar  # the plan builds on this module

    return follow_calendar(year, actor_id)


def year_view(year: int) -> dict:
    calendar = current_calendar()
    schedule = db.session.scalar(sa.select(OfficialSchedule).where(OfficialSchedule.year == year))
    return {
        "year": year,
        "source": calendar.source(year),
        "loaded_at": schedule.loaded_at if schedule else None,
        "note": schedule.note if schedule else None,
        **calendar.year_days(year),
        "activity_days": [calendar.activity_day_for(year, m) for m in range(1, 13)],
    }


def status_view(today: dt.date) -> dict:
    calendar = current_calendar()
    return {
        "today": today,
        "years": [{"year": y, "source": calendar.source(y)} for y in (today.year, today.year + 1)],
        "warning": calendar.schedule_warning(today),
    }


# --- calendar feeds ------------------------------------------------------------------------------


def _token(salt: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    mac = hmac.new(key, f"zhibu-calendar-feed|{salt}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def feed_token(feed: CalendarFeed) -> str:
    return _token(feed.salt)


def regenerate_feed(member: Member, actor_id: int) -> CalendarFeed:
    """Create the member's feed, or give it a new URL (the old one stops working at once)."""
    feed = db.session.scalar(sa.select(CalendarFeed).where(CalendarFeed.member_id == member.id))
    if feed is None:
        feed = CalendarFeed(member_id=member.id)
        db.session.add(feed)
    feed.salt = secrets.token_hex(16)
    feed.token_digest = _digest(_token(feed.salt))
    feed.created_at = clock.now()
    db.session.flush()
    log_action(actor_id, "calendar.feed_regenerated", feed, branch_id=member.branch_id, member_id=member.id)
    return feed


def feed_by_token(token: str) -> CalendarFeed | None:
    if not TOKEN_SHAPE.fullmatch(token):
        return None
    feed = db.session.scalar(sa.select(CalendarFeed).where(CalendarFeed.token_digest == _digest(token)))
    if feed is None or not hmac.compare_digest(_token(feed.salt), token):
        return None
    return feed


def feed_ics(feed: CalendarFeed) -> bytes:
    member = db.session.get(Member, feed.member_id)
    now = clock.now().replace(microsecond=0)
    events = events_expected_for(member, now - FEED_PAST, now + FEED_FUTURE)
    host = current_app.config.get("SERVER_NAME") or "zhibu"
    items = []
    for event in events:
        status = {EventStatus.cancelled: "CANCELLED", EventStatus.held: "CONFIRMED"}.get(event.status, "CONFIRMED")
        description = event.notice or event.theme
        kind = KIND_NAMES.get(event.kind, "活动")
        items.append(ical.VEvent(
            uid=f"event-{event.id}@{host}", starts_at=event.starts_at, ends_at=event.ends_at,
            summary=f"【{kind}】{event.title}", location=event.place,
            description=f"{event.branch.name}\n{description}" if description else event.branch.name,
            status=status,
        ))
    return ical.calendar(f"支部活动 · {member.name}", items, now)

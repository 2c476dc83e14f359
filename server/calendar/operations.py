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
from server.calendar.days import HolidayCalendar, Override, zh_date
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


def _override(year: int, days) -> Override:
    """An official schedule's days (rows or dicts with `date`/`day`, `kind`, `name`) as an `Override`."""
    rows = [(d["date"], d["kind"], d.get("name")) if isinstance(d, dict) else (d.day, d.kind, d.name) for d in days]
    rest = {day: name or "休息日" for day, kind, name in rows if kind == CalendarDayKind.rest}
    work = {day: name or "调休上班" for day, kind, name in rows if kind == CalendarDayKind.work}
    return Override(year, rest, work)


def load_calendar(replace: tuple[int, list[dict]] | None = None) -> HolidayCalendar:
    """Every loaded official schedule (a few dozen rows a year) over the package's calendar; with
    `replace=(year, days)`, the calendar as it would be with that year's schedule loaded instead."""
    overrides = []
    for schedule in db.session.scalars(sa.select(OfficialSchedule).options(sa.orm.selectinload(OfficialSchedule.days))):
        if replace is None or schedule.year != replace[0]:
            overrides.append(_override(schedule.year, schedule.days))
    if replace is not None:
        overrides.append(_override(*replace))
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


KINDS = {"rest": CalendarDayKind.rest, "休": CalendarDayKind.rest, "放假": CalendarDayKind.rest,
         "休息": CalendarDayKind.rest, "work": CalendarDayKind.work, "班": CalendarDayKind.work,
         "上班": CalendarDayKind.work}
DATE_SHAPE = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})")  # 2027-02-06, 2027/2/6 (a spreadsheet's CSV)
WEEKDAY_NAMES = "一二三四五六日"


def _refuse(field: str, errors: dict) -> None:
    abort(422, message="节假日安排有误，未保存任何内容；请按提示修改后重试。", errors={"json": {field: errors}})


def parse_schedule_csv(text: str) -> list[dict]:
    """`日期,类型,名称` lines (a header line is optional): the date as 2027-02-06 (or 2027/2/6), the
    kind 休 or 班 (rest/work), the name optional. Every line that cannot be read is named (422)."""
    days, errors = [], {}
    for number, row in enumerate(csv.reader(io.StringIO(text.lstrip("\ufeff"))), start=1):
        cells = [cell.strip() for cell in row]
        if not any(cells) or cells[0].lower() in {"date", "日期"}:
            continue
        shape = DATE_SHAPE.fullmatch(cells[0])
        try:
            day = dt.date(*map(int, shape.groups())) if shape else None
        except ValueError:
            day = None
        kind = KINDS.get(cells[1].lower()) if len(cells) > 1 else None
        if day is None:
            errors[str(number)] = [f"第{number}行：日期“{cells[0][:20]}”无法识别，应写作 2027-02-06 这样的日期。"]
        elif kind is None:
            errors[str(number)] = [f"第{number}行：类型应为“休”（放假）或“班”（调休上班）。"]
        elif len(cells) > 2 and len(cells[2]) > 100:
            errors[str(number)] = [f"第{number}行：名称太长（最多100个字）。"]
        else:
            days.append({"date": day, "kind": kind, "name": cells[2] if len(cells) > 2 and cells[2] else None,
                         "line": number})
    if errors:
        _refuse("csv", errors)
    return days


def _check_days(year: int, days: list[dict], field: str) -> None:
    """Every day belongs to the year (or to its last two weeks before, a make-up day for New Year),
    a make-up working day is a Saturday or Sunday, no day is listed twice; errors named by line."""
    errors, seen = {}, {}
    earliest = dt.date(year, 1, 1) - dt.timedelta(days=14)
    for day in days:
        d = day["date"]
        key = str(day["line"]) if "line" in day else d.isoformat()
        where = f"第{day['line']}行" if "line" in day else d.isoformat()
        if not earliest <= d <= dt.date(year, 12, 31):
            errors[key] = [f"{where}：{d.isoformat()}不在{year}年的安排内（只可含上一年12月最后两周的调休上班日）。"]
        elif day["kind"] == CalendarDayKind.work and d.weekday() < 5:
            errors[key] = [f"{where}：{d.isoformat()}是星期{WEEKDAY_NAMES[d.weekday()]}，调休上班日应是周六或周日。"]
        elif d in seen:
            first = f"第{seen[d]['line']}行" if "line" in seen[d] else "前面"
            errors[key] = [f"{where}：{d.isoformat()}与{first}重复。"]
        seen.setdefault(d, day)
    if errors:
        _refuse(field, errors)


def schedule_days(year: int, data: dict) -> list[dict]:
    """The days of a schedule body (`days` or `csv`), validated: 422 naming every bad line, nothing saved."""
    field = "csv" if data.get("csv") is not None else "days"
    days = parse_schedule_csv(data["csv"]) if field == "csv" else data.get("days", [])
    if not days:
        _refuse(field, {"0": ["安排中没有任何日期。"]})
    _check_days(year, days, field)
    return days


def load_schedule(year: int, data: dict, actor_id: int) -> tuple[OfficialSchedule, dict]:
    """Replace the year's official schedule (idempotent: the same body gives the same schedule), and
    move the plans' activity days of the year to their new rule dates: `(schedule, {moved, not_moved})`."""
    days = schedule_days(year, data)
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

    moves = follow_calendar(year, actor_id)
    tell_branches(year, moves["changes"])
    return moves


def _change_line(change: dict) -> str:
    line = f"{change['title']}：{zh_date(change['from'])}→{zh_date(change['to'])}"
    if change["moved"]:
        return line
    return line + ("（已手动改过时间，未移动，请核对）" if change["reason"] == "edited_by_hand" else "（新日期已过，未移动，请核对）")


def tell_branches(year: int, changes: list[dict]) -> None:
    """Each branch's managers (secretary, deputy, organizer) get one notification listing what the
    new schedule moved of their plan, and what it did not move (to check)."""
    from server.notifications.operations import NotificationKind, notify_members
    from server.org.operations import current_managers

    by_branch: dict[int, list[dict]] = {}
    for change in changes:
        by_branch.setdefault(change["branch_id"], []).append(change)
    today = clock.today()
    for branch_id, items in sorted(by_branch.items()):
        managers = {role.member_id for role in current_managers(branch_id, today)}
        moved = sum(1 for c in items if c["moved"])
        title = f"{year}年节假日安排调整：{moved}个统一活动日已移动" if moved else f"{year}年节假日安排调整：请核对统一活动日"
        body = "；".join(_change_line(c) for c in items)
        notify_members(managers, NotificationKind.calendar, title, body, lambda _member: "/manage/plan")


def preview_schedule(year: int, data: dict, visible_branch_ids) -> dict:
    """What saving this schedule would do, changing nothing: the months whose activity day moves,
    and per branch the planned activity days that would move (or stay, to check), computed by the
    very function saving applies (`calendar_moves`). Branches outside `visible_branch_ids` are
    only counted."""
    from server.activity_plan.operations import calendar_moves
    from server.org.models import Branch

    days = schedule_days(year, data)
    before, after = current_calendar(), load_calendar(replace=(year, days))
    months = [{"month": m, "from": before.activity_day_for(year, m), "to": after.activity_day_for(year, m)}
              for m in range(1, 13)]
    moves = [m for m in calendar_moves(year, after, clock.now()) if m["from"] != m["to"]]
    branches: dict[int, list[dict]] = {}
    others = set()
    for move in moves:
        event = move["event"]
        if event.branch_id not in visible_branch_ids:
            others.add(event.branch_id)
            continue
        branches.setdefault(event.branch_id, []).append({
            "event_id": event.id, "title": event.title, "from": move["from"], "to": move["to"],
            "starts_at": event.starts_at + (move["shift"] if move["moved"] else dt.timedelta()),
            "moved": move["moved"], "reason": move["reason"]})
    names = dict(db.session.execute(sa.select(Branch.id, Branch.name).where(Branch.id.in_(branches))).all())
    return {
        "year": year,
        "source": before.source(year),
        "rest_days": len([d for d in days if d["kind"] == CalendarDayKind.rest]),
        "workdays": len([d for d in days if d["kind"] == CalendarDayKind.work]),
        "activity_days": [m for m in months if m["from"] != m["to"]],
        "branches": [{"branch_id": b, "branch_name": names.get(b), "events": items}
                     for b, items in sorted(branches.items(), key=lambda kv: (names.get(kv[0]) or "", kv[0]))],
        "moved": sum(1 for m in moves if m["moved"]),
        "not_moved": sum(1 for m in moves if not m["moved"]),
        "other_branches": len(others),
    }


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

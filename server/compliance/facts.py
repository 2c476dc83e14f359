"""What the rules judge: plain facts about a branch, loaded in bulk for any number of branches.

The rules never query the database. `load_facts` runs a fixed number of queries whatever the
number of branches (events, attendance counts, minutes, filings, rectification items, groups,
the last event of each branch), so a committee with a hundred branches costs the same handful
of round trips as one branch.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from typing import Any

import sqlalchemy as sa

from server.calendar.days import CHINA, HolidayCalendar, local_day
from server.compliance.registry import FACT_LOADERS
from server.core.collector import collector_paused
from server.core.db import db
from server.core.enums import EventKind, EventStatus, FilingDecision, FilingKind, RecordKind
from server.events.models import Event
from server.filings.models import Filing, RectificationItem
from server.minutes.models import Minutes, MinutesPhoto
from server.org.models import Branch, Group
from server.records.models import Record


@dataclasses.dataclass(frozen=True)
class EventFact:
    id: int
    kind: EventKind
    day: dt.date  # local (China) date of the start
    status: EventStatus = EventStatus.held
    group_id: int | None = None
    attendance: int = 0  # attendance records
    minutes_id: int | None = None  # set when the minutes have text or a photo
    notice_published_on: dt.date | None = None  # local date

    def happened(self, today: dt.date) -> bool:
        """Held: marked held, or its day is past (or today, with attendance taken); never when cancelled."""
        if self.status == EventStatus.cancelled:
            return False
        return self.status == EventStatus.held or self.day < today or (self.day == today and self.attendance > 0)

    def counts(self, today: dt.date, *, minutes: bool = True) -> bool:
        """Evidence: held and attendance taken, and minutes kept unless `minutes=False` (the meeting
        rules of 3M1 leave minutes to 3M1-minutes)."""
        return self.happened(today) and not self.missing(minutes=minutes)

    def missing(self, *, minutes: bool = True) -> list[str]:
        return [what for what, ok in (("attendance", self.attendance > 0), ("minutes", self.minutes_id is not None))
                if not ok and (minutes or what != "minutes")]


@dataclasses.dataclass(frozen=True)
class FilingFact:
    id: int
    kind: FilingKind
    year: int
    filed_on: dt.date  # local date
    event_id: int | None = None
    requested_on: dt.date | None = None
    decision: FilingDecision | None = None
    decided_on: dt.date | None = None

    @property
    def approved(self) -> bool:
        return self.decision == FilingDecision.approved


@dataclasses.dataclass(frozen=True)
class GroupFact:
    id: int
    name: str


@dataclasses.dataclass
class BranchFacts:
    id: int
    name: str
    since: dt.date  # the day the branch was registered: earlier periods are not judged
    calendar: HolidayCalendar
    groups: list[GroupFact] = dataclasses.field(default_factory=list)
    events: list[EventFact] = dataclasses.field(default_factory=list)
    filings: list[FilingFact] = dataclasses.field(default_factory=list)
    rectification: dict[int, list[int]] = dataclasses.field(default_factory=dict)  # year -> item ids
    last_event_on: dt.date | None = None
    # Facts of the features' rules (recruitment, dues...), by loader name (registry.facts_loader).
    extra: dict[str, Any] = dataclasses.field(default_factory=dict)

    def events_of(self, kinds, start: dt.date, end: dt.date, group_id: int | None = None) -> list[EventFact]:
        kinds = {kinds} if isinstance(kinds, EventKind) else set(kinds)
        return sorted((e for e in self.events if e.kind in kinds and start <= e.day <= end
                       and (group_id is None or e.group_id == group_id)), key=lambda e: (e.day, e.id))

    def filings_of(self, kind: FilingKind, year: int) -> list[FilingFact]:
        return sorted((f for f in self.filings if f.kind == kind and f.year == year), key=lambda f: (f.filed_on, f.id))


def _utc_start(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, tzinfo=CHINA).astimezone(dt.timezone.utc)


def load_facts(branches: list[Branch], year: int, calendar: HolidayCalendar, today: dt.date) -> dict[int, BranchFacts]:
    """Facts for judging `year` (and its month and quarter) for each branch: events from the start of
    the year to the end of March after it (a postponed org-life meeting), filings of the year and
    the one before, rectification items of the year. The garbage collector is paused meanwhile
    (server/core/collector.py: it cost about two fifths of a committee's judgement)."""
    with collector_paused():
        return _load_facts(branches, year, calendar, today)


def _load_facts(branches: list[Branch], year: int, calendar: HolidayCalendar, today: dt.date) -> dict[int, BranchFacts]:
    ids = [b.id for b in branches]
    facts = {b.id: BranchFacts(b.id, b.name, local_day(b.created_at), calendar) for b in branches}
    if not ids:
        return facts
    lo, hi = _utc_start(dt.date(year, 1, 1)), _utc_start(dt.date(year + 1, 4, 1))
    in_window = sa.and_(Event.branch_id.in_(ids), Event.starts_at >= lo, Event.starts_at < hi)

    for group in db.session.scalars(sa.select(Group).where(Group.branch_id.in_(ids)).order_by(Group.id)):
        facts[group.branch_id].groups.append(GroupFact(group.id, group.name))

    attendance = dict(db.session.execute(
        sa.select(Record.event_id, sa.func.count()).join(Event, Event.id == Record.event_id)
        .where(in_window, Record.kind == RecordKind.attendance).group_by(Record.event_id)).all())
    with_photos = set(db.session.scalars(
        sa.select(Minutes.event_id).join(Event, Event.id == Minutes.event_id).join(MinutesPhoto)
        .where(in_window).distinct()))
    minutes = {}
    for minutes_id, event_id, has_text in db.session.execute(
            sa.select(Minutes.id, Minutes.event_id, sa.func.length(sa.func.trim(Minutes.text)) > 0)
            .join(Event, Event.id == Minutes.event_id).where(in_window)):
        if has_text or event_id in with_photos:
            minutes[event_id] = minutes_id
    for e in db.session.execute(
            sa.select(Event.id, Event.branch_id, Event.kind, Event.starts_at, Event.status, Event.group_id,
                      Event.notice_published_at).where(in_window)):
        facts[e.branch_id].events.append(EventFact(
            id=e.id, kind=e.kind, day=local_day(e.starts_at), status=e.status, group_id=e.group_id,
            attendance=attendance.get(e.id, 0), minutes_id=minutes.get(e.id),
            notice_published_on=local_day(e.notice_published_at) if e.notice_published_at else None))

    for f in db.session.scalars(sa.select(Filing).where(Filing.branch_id.in_(ids),
                                                        Filing.year.in_([year - 1, year]))):
        facts[f.branch_id].filings.append(FilingFact(
            id=f.id, kind=f.kind, year=f.year, filed_on=local_day(f.filed_at), event_id=f.event_id,
            requested_on=f.requested_on, decision=f.decision,
            decided_on=local_day(f.decided_at) if f.decided_at else None))

    items = defaultdict(list)
    for item_id, branch_id, item_year in db.session.execute(
            sa.select(RectificationItem.id, RectificationItem.branch_id, RectificationItem.year)
            .where(RectificationItem.branch_id.in_(ids), RectificationItem.year == year)
            .order_by(RectificationItem.id)):
        items[(branch_id, item_year)].append(item_id)
    for (branch_id, item_year), item_ids in items.items():
        facts[branch_id].rectification[item_year] = item_ids

    # The silent-branch warning looks at any event up to today, whatever the year asked for, that
    # happened: marked held, or with attendance taken (a planned event nobody came to is no activity).
    attended = sa.select(Record.id).where(Record.event_id == Event.id, Record.kind == RecordKind.attendance).exists()
    last = db.session.execute(
        sa.select(Event.branch_id, sa.func.max(Event.starts_at))
        .where(Event.branch_id.in_(ids), Event.status != EventStatus.cancelled,
               Event.starts_at < _utc_start(today + dt.timedelta(days=1)),
               sa.or_(Event.status == EventStatus.held, attended))
        .group_by(Event.branch_id)).all()
    for branch_id, starts_at in last:
        if starts_at is not None:
            if starts_at.tzinfo is None:  # SQLite's max() returns the stored naive UTC text
                starts_at = starts_at.replace(tzinfo=dt.timezone.utc)
            facts[branch_id].last_event_on = local_day(starts_at)

    for name, loader in FACT_LOADERS.items():
        loaded = loader(ids, year, today)
        for branch_id in ids:
            facts[branch_id].extra[name] = loaded.get(branch_id)
    return facts

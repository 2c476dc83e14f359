from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.core.db import UTCDateTime, db
from server.core.enums import EventKind, EventStatus, LeaveStatus, enum_column_type
from server.org.models import Branch, Group, Member
from sync import clock


class Event(db.Model):
    __tablename__ = "event"

    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(sa.ForeignKey("branch.id"), index=True)
    # Set for group meetings (3M1-group) and other group-level events.
    group_id: Mapped[int | None] = mapped_column(sa.ForeignKey("party_group.id"), index=True)
    kind: Mapped[EventKind] = mapped_column(enum_column_type(EventKind))
    title: Mapped[str] = mapped_column(sa.String(200))
    theme: Mapped[str | None] = mapped_column(sa.String(200))
    place: Mapped[str | None] = mapped_column(sa.String(200))
    starts_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    ends_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    # Scans whose claimed time falls outside this window are rejected (SPEC invariants).
    checkin_opens_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    checkin_closes_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    status: Mapped[EventStatus] = mapped_column(enum_column_type(EventStatus), default=EventStatus.planned)
    notice: Mapped[str | None] = mapped_column(sa.Text)
    # When the notice went out; DAY-notice needs it 3 days ahead.
    notice_published_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # Set by POST /events/<id>/cancel (server/notifications tells the members).
    cancel_reason: Mapped[str | None] = mapped_column(sa.String(500))
    cancelled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # Seed of the rotating event code; only devices of people who may run the event receive it.
    code_secret: Mapped[str] = mapped_column(sa.String(64))
    # Featured-system template (X) the event belongs to, when any.
    featured_system: Mapped[str | None] = mapped_column(sa.String(64))
    # The activity-day plan's rule date this event was generated for (DAY-date; null for events not
    # from the plan); a newly loaded or removed holiday schedule moves it with the rule
    # (server/activity_plan/operations.py follow_calendar) unless a person changed its date or time.
    rule_date: Mapped[dt.date | None] = mapped_column(sa.Date)
    edited_by_hand: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)

    branch: Mapped[Branch] = relationship()
    group: Mapped[Group | None] = relationship()


class LeaveRequest(db.Model):
    """A member's request to be excused (请假) from an event; approval makes an absence excused."""

    __tablename__ = "leave_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("event.id"), index=True)
    member_id: Mapped[int] = mapped_column(sa.ForeignKey("member.id"), index=True)
    reason: Mapped[str] = mapped_column(sa.String(500))
    status: Mapped[LeaveStatus] = mapped_column(enum_column_type(LeaveStatus), default=LeaveStatus.requested)
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # Why the secretary decided so: required when refusing, shown to the member.
    decision_reason: Mapped[str | None] = mapped_column(sa.String(500))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)

    event: Mapped[Event] = relationship()
    member: Mapped[Member] = relationship()

    __table_args__ = (sa.UniqueConstraint("event_id", "member_id"),)

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.core.db import UTCDateTime, db
from server.core.enums import CalendarDayKind, enum_column_type
from sync import clock


class OfficialSchedule(db.Model):
    """The State Council's holiday schedule for one year, loaded by an administrator; it overrides
    the `holidays` package for that year (rest days and make-up working days)."""

    __tablename__ = "official_schedule"

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(unique=True)
    # Where it comes from, e.g. "国办发明电〔2026〕X号".
    note: Mapped[str | None] = mapped_column(sa.String(500))
    loaded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)
    loaded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))

    days: Mapped[list[OfficialScheduleDay]] = relationship(
        back_populates="schedule", order_by="OfficialScheduleDay.day", cascade="all, delete-orphan"
    )


class OfficialScheduleDay(db.Model):
    __tablename__ = "official_schedule_day"

    id: Mapped[int] = mapped_column(primary_key=True)
    schedule_id: Mapped[int] = mapped_column(sa.ForeignKey("official_schedule.id", ondelete="CASCADE"), index=True)
    day: Mapped[dt.date] = mapped_column(sa.Date)
    kind: Mapped[CalendarDayKind] = mapped_column(enum_column_type(CalendarDayKind))
    name: Mapped[str | None] = mapped_column(sa.String(100))

    schedule: Mapped[OfficialSchedule] = relationship(back_populates="days")

    __table_args__ = (sa.UniqueConstraint("schedule_id", "day"),)


class CalendarFeed(db.Model):
    """A member's private iCalendar feed. The URL's token is derived from the server's secret key
    and this row's salt (so its owner can be shown it again); only its SHA-256 digest is stored,
    for the lookup. A new salt (regenerating) invalidates the old URL."""

    __tablename__ = "calendar_feed"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(sa.ForeignKey("member.id"), unique=True)
    salt: Mapped[str] = mapped_column(sa.String(64))
    token_digest: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)

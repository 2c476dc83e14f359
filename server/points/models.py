"""The points scheme (积分考核): the branch's rules, its scheme settings, and published results.

Points are never stored per record: they are computed from confirmed records (server/points/scheme.py)
each time, except in a publication, which keeps the result as it was published (a snapshot), so a
published result never changes afterwards.
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from server.core.db import UTCDateTime, db
from server.core.enums import StrEnum, enum_column_type
from server.points.scheme import BRANCH_SOURCE
from sync import clock


class PublishEvery(StrEnum):
    quarter = "quarter"
    year = "year"


class PointsRule(db.Model):
    """What one key (`event:activity_day`, `record:study`, `dues:month`, `featured:<code>`) earns in
    a branch, in the branch's words. `source` is "branch" (the branch's own rule) or
    "template:<code>" (added by a featured system it adopted); the branch's own rule of a key wins."""

    __tablename__ = "points_rule"

    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(sa.ForeignKey("branch.id"), index=True)
    key: Mapped[str] = mapped_column(sa.String(64))
    title: Mapped[str] = mapped_column(sa.String(100))
    points: Mapped[int] = mapped_column(sa.Integer)  # negative for deductions
    # The most points (in absolute value) this key adds per member per publication period.
    cap_per_period: Mapped[int | None] = mapped_column(sa.Integer)
    source: Mapped[str] = mapped_column(sa.String(64), default=BRANCH_SOURCE)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now, onupdate=clock.now)

    __table_args__ = (sa.UniqueConstraint("branch_id", "key", "source"),)


class PointsScheme(db.Model):
    """A branch's scheme: how often it publishes, and the deduction per unexcused absence."""

    __tablename__ = "points_scheme"

    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(sa.ForeignKey("branch.id"), unique=True)
    publish_every: Mapped[PublishEvery] = mapped_column(enum_column_type(PublishEvery))
    absence_deduction: Mapped[int] = mapped_column(sa.Integer, default=0)
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now, onupdate=clock.now)


class PointsPublication(db.Model):
    """A period's points published to the members: each member's total and lines as they were."""

    __tablename__ = "points_publication"

    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(sa.ForeignKey("branch.id"), index=True)
    period: Mapped[str] = mapped_column(sa.String(16))  # "2026-Q3" or "2026" (compliance Period labels)
    starts_on: Mapped[dt.date] = mapped_column(sa.Date)
    ends_on: Mapped[dt.date] = mapped_column(sa.Date)
    published_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)
    published_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    # {"rules": [...], "absence_deduction": n, "members": {"<member id>": {"name", "total", "lines"}}}
    snapshot: Mapped[dict] = mapped_column(sa.JSON)

    __table_args__ = (sa.UniqueConstraint("branch_id", "period"),)

from __future__ import annotations

import datetime as dt
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.auth.models import User
from server.core.db import UTCDateTime, db
from server.core.enums import enum_column_type
from server.events.models import Event
from server.org.models import Member
from sync import clock


class NotificationKind(StrEnum):
    notice = "notice"  # the event's notice was published (or published again)
    rescheduled = "rescheduled"  # its start or end moved
    cancelled = "cancelled"
    reminder = "reminder"  # the day before (`flask --app server reminders`)
    recruitment = "recruitment"  # an activist's assessment is due (server/recruitment; about no event)
    evaluation = "evaluation"  # the member's reviewed evaluation result is ready (server/evaluation)
    points = "points"  # a period's points were published (server/points; the message carries no points)
    calendar = "calendar"  # a loaded holiday schedule moved the branch's activity days (to its managers; server/calendar)
    correction = "correction"  # a correction request arrived or its answer was returned (server/corrections)


class Notification(db.Model):
    """One message to one member, shown in the app; also sent by Web Push when it is enabled.

    Title and body are written when it is made (in Chinese, like the push), so the list reads
    the same later whatever happens to the event. A reminder is made at most once per member and
    event: the partial unique index is the record of what was sent.
    """

    __tablename__ = "notification"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(sa.ForeignKey("member.id"), index=True)
    event_id: Mapped[int | None] = mapped_column(sa.ForeignKey("event.id"), index=True)
    kind: Mapped[NotificationKind] = mapped_column(enum_column_type(NotificationKind))
    title: Mapped[str] = mapped_column(sa.String(250))
    body: Mapped[str] = mapped_column(sa.String(600))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)
    read_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    member: Mapped[Member] = relationship()
    event: Mapped[Event | None] = relationship()

    __table_args__ = (
        sa.Index(
            "uq_notification_one_reminder",
            "event_id",
            "member_id",
            unique=True,
            sqlite_where=sa.text("kind = 'reminder'"),
            postgresql_where=sa.text("kind = 'reminder'"),
        ),
    )


class NoticeRead(db.Model):
    """A member opened an event's notice. It counts for the notice published at or before
    `read_at`: a notice published again is unread until opened again."""

    __tablename__ = "notice_read"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("event.id"))
    member_id: Mapped[int] = mapped_column(sa.ForeignKey("member.id"), index=True)
    read_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)

    __table_args__ = (sa.UniqueConstraint("event_id", "member_id"),)


class PushSubscription(db.Model):
    """A browser's Web Push subscription (PushManager.subscribe), for the account logged in on it.

    The endpoint is the browser's: one row per endpoint, whoever posted it last (a shared phone
    passes to the account now using it). The keys encrypt what is sent (RFC 8291).
    """

    __tablename__ = "push_subscription"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    endpoint: Mapped[str] = mapped_column(sa.String(1000), unique=True)
    p256dh: Mapped[str] = mapped_column(sa.String(100))
    auth: Mapped[str] = mapped_column(sa.String(50))
    device_id: Mapped[str | None] = mapped_column(sa.String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)

    user: Mapped[User] = relationship()

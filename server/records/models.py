from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.core.db import UTCDateTime, db
from server.core.enums import CheckinMethod, RecordKind, RecordStatus, enum_column_type
from server.events.models import Event
from server.org.models import Branch, Member
from server.service import models as _service_models  # noqa: F401  (the table service_post_id points at)
from sync import clock


class Record(db.Model):
    __tablename__ = "record"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(sa.ForeignKey("member.id"), index=True)
    # The branch that keeps this entry: the event's branch (a host branch for floating members),
    # otherwise the member's home branch.
    branch_id: Mapped[int] = mapped_column(sa.ForeignKey("branch.id"), index=True)
    kind: Mapped[RecordKind] = mapped_column(enum_column_type(RecordKind))
    event_id: Mapped[int | None] = mapped_column(sa.ForeignKey("event.id"), index=True)
    occurred_on: Mapped[dt.date] = mapped_column(sa.Date, index=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    detail: Mapped[str | None] = mapped_column(sa.Text)
    # Dues paid, in fen (1/100 yuan), for kind == dues.
    amount_fen: Mapped[int | None] = mapped_column(sa.Integer)
    checkin_method: Mapped[CheckinMethod | None] = mapped_column(enum_column_type(CheckinMethod))
    manual_reason: Mapped[str | None] = mapped_column(sa.String(500))
    # For attendance: when the member checked in (the earliest accepted scan, its device time
    # corrected by the measured clock offset) and that scan's nonce, which breaks ties.
    checked_in_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    source_nonce: Mapped[str | None] = mapped_column(sa.String(64))
    # Why a secretary should look before confirming (e.g. delivered long after the claimed time).
    review_flags: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    acknowledged_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    confirmed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    confirmed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    # A study or service record the member submitted from the phone (server/service): the phone's id
    # for it (a resend creates nothing new), the service post it is for, and its photo (a file
    # under the upload folder, never in the database).
    client_id: Mapped[str | None] = mapped_column(sa.String(64))
    service_post_id: Mapped[int | None] = mapped_column(sa.ForeignKey("service_post.id"), index=True)
    photo: Mapped[str | None] = mapped_column(sa.String(200))
    photo_type: Mapped[str | None] = mapped_column(sa.String(32))
    # The branch refused the member's own record (a record it will not confirm), and why.
    refused_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    refused_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    refused_reason: Mapped[str | None] = mapped_column(sa.String(500))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now, onupdate=clock.now)
    # Bumped on every change; the ETag of a record and the guard against lost updates.
    version: Mapped[int] = mapped_column(default=1)

    member: Mapped[Member] = relationship()
    branch: Mapped[Branch] = relationship()
    event: Mapped[Event | None] = relationship()
    corrections: Mapped[list[RecordCorrection]] = relationship(
        back_populates="record", order_by="RecordCorrection.id"
    )

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        # One event, one record. NULL event ids (dues, rewards...) are distinct on both backends.
        sa.UniqueConstraint("member_id", "event_id", name="uq_record_member_event"),
        # A member's own submission, sent again by the phone's upload queue, is the same record.
        sa.UniqueConstraint("member_id", "client_id", name="uq_record_member_client_id"),
    )

    @property
    def status(self) -> RecordStatus:
        """Derived from the sign-offs, never stored: confirmed wins over refused, refused over acknowledged."""
        if self.confirmed_at is not None:
            return RecordStatus.confirmed
        if self.refused_at is not None:
            return RecordStatus.refused
        if self.acknowledged_at is not None:
            return RecordStatus.acknowledged
        return RecordStatus.pending


class RecordCorrection(db.Model):
    """A change to a confirmed record: the old and new values, who made it and why."""

    __tablename__ = "record_correction"

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(sa.ForeignKey("record.id"), index=True)
    corrected_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    corrected_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)
    reason: Mapped[str] = mapped_column(sa.String(500))
    old_values: Mapped[dict] = mapped_column(sa.JSON)
    new_values: Mapped[dict] = mapped_column(sa.JSON)

    record: Mapped[Record] = relationship(back_populates="corrections")

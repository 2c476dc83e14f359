from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.core.db import UTCDateTime, db
from server.org.models import Member
from sync import clock


class Device(db.Model):
    """A phone or kiosk that syncs; its clock offset is measured at every sync."""

    __tablename__ = "device"

    id: Mapped[int] = mapped_column(primary_key=True)
    device_key: Mapped[str] = mapped_column(sa.String(64))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    first_seen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)
    last_seen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)
    # Server clock minus device clock at the last sync, in milliseconds.
    clock_offset_ms: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    protocol_version: Mapped[int] = mapped_column(default=1)
    # The last pull that named this device: the client does so only with nothing left to push, so
    # every scan it made before this moment has been delivered (a later one claiming an earlier
    # time is flagged `backdated`).
    synced_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (sa.UniqueConstraint("user_id", "device_key"),)


class Scan(db.Model):
    """A check-in a device delivered, stored once (by nonce): every accepted one, and the first
    few rejections of each kind per account, phone and event (the rest are counted in ScanTally).
    Nothing is stored for an event the submitter may not attend or manage."""

    __tablename__ = "scan"

    id: Mapped[int] = mapped_column(primary_key=True)
    nonce: Mapped[str] = mapped_column(sa.String(64), unique=True)
    submitted_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    device_id: Mapped[int | None] = mapped_column(sa.ForeignKey("device.id"))
    method: Mapped[str] = mapped_column(sa.String(16))
    event_id: Mapped[int | None] = mapped_column(sa.ForeignKey("event.id"), index=True)
    member_id: Mapped[int | None] = mapped_column(sa.ForeignKey("member.id"), index=True)
    # As claimed by the device clock, and as received by the server's.
    claimed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    clock_offset_ms: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    payload: Mapped[str | None] = mapped_column(sa.String(1024))
    manual_reason: Mapped[str | None] = mapped_column(sa.String(500))
    status: Mapped[str] = mapped_column(sa.String(16))  # applied | duplicate | rejected
    reason_code: Mapped[str | None] = mapped_column(sa.String(32))
    review_flags: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    record_id: Mapped[int | None] = mapped_column(sa.ForeignKey("record.id"), index=True)

    member: Mapped[Member | None] = relationship()


class ScanTally(db.Model):
    """Rejected check-ins counted per (event, account, phone, reason): the scan log stays bounded
    however many wrong codes arrive, and the counts are the guessing limits' memory."""

    __tablename__ = "scan_tally"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("event.id"))
    submitted_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    device_key: Mapped[str] = mapped_column(sa.String(64))
    reason_code: Mapped[str] = mapped_column(sa.String(32))
    method: Mapped[str] = mapped_column(sa.String(16))
    member_id: Mapped[int | None] = mapped_column(sa.ForeignKey("member.id"))
    count: Mapped[int] = mapped_column(default=0)
    first_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    last_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)

    member: Mapped[Member | None] = relationship()

    __table_args__ = (sa.UniqueConstraint("event_id", "submitted_by_id", "device_key", "reason_code"),)


class PushReceipt(db.Model):
    """The answer to a push, kept under its idempotency key so a retried request gets it again."""

    __tablename__ = "push_receipt"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    idempotency_key: Mapped[str] = mapped_column(sa.String(64))
    # Digest of the batch's mutation ids: the same key with another batch is a client bug.
    request_digest: Mapped[str] = mapped_column(sa.String(64), default="", server_default="")
    response: Mapped[dict] = mapped_column(sa.JSON)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now, index=True)

    __table_args__ = (sa.UniqueConstraint("user_id", "idempotency_key"),)


class ChangeEntry(db.Model):
    """A row of the change feed that pull serves: which entity changed, in which transaction.

    `version` comes from SyncClock, bumped once per committing transaction while holding its
    row lock, so versions become visible in commit order and a cursor never skips a change.
    The scope columns let pull select what a caller may see without joins.
    """

    __tablename__ = "change_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(sa.BigInteger)
    entity: Mapped[str] = mapped_column(sa.String(16))
    entity_id: Mapped[int] = mapped_column()
    op: Mapped[str] = mapped_column(sa.String(8))
    branch_id: Mapped[int | None] = mapped_column()
    member_id: Mapped[int | None] = mapped_column()
    home_branch_id: Mapped[int | None] = mapped_column()

    __table_args__ = (sa.Index("ix_change_entry_version_id", "version", "id"),)


class SyncClock(db.Model):
    """A single row; its value is the latest committed change version."""

    __tablename__ = "sync_clock"

    id: Mapped[int] = mapped_column(primary_key=True)
    value: Mapped[int] = mapped_column(sa.BigInteger, default=0)


class MutationLog(db.Model):
    """Results of non-check-in mutations (acknowledge, confirm) by nonce, so a replay answers the same."""

    __tablename__ = "mutation_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    nonce: Mapped[str] = mapped_column(sa.String(64), unique=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    result: Mapped[dict] = mapped_column(sa.JSON)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)

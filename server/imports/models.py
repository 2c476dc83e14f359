from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from server.core.db import UTCDateTime, db
from sync import clock


class ImportRun(db.Model):
    """One confirmed import of a workbook: who, when, which file (its digest) and what it changed."""

    __tablename__ = "import_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    file_sha256: Mapped[str] = mapped_column(sa.String(64))
    summary: Mapped[dict] = mapped_column(sa.JSON)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)


class ImportedMeeting(db.Model):
    """What a historical meeting's row said about attendance (the meeting itself is an Event)."""

    __tablename__ = "imported_meeting"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("event.id"), unique=True)
    run_id: Mapped[int] = mapped_column(sa.ForeignKey("import_run.id"), index=True)
    attendee_count: Mapped[int | None] = mapped_column(sa.Integer)
    attendee_names: Mapped[str | None] = mapped_column(sa.Text)

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from server.core.db import UTCDateTime, db
from sync import clock


class AuditEntry(db.Model):
    """One line of the audit log. The migration adds triggers refusing UPDATE and DELETE."""

    __tablename__ = "audit_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now, index=True)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    action: Mapped[str] = mapped_column(sa.String(64))
    # Which branch's log it belongs to, for scoping reads.
    branch_id: Mapped[int | None] = mapped_column(sa.ForeignKey("branch.id"), index=True)
    target_type: Mapped[str] = mapped_column(sa.String(32))
    target_id: Mapped[int] = mapped_column()
    data: Mapped[dict] = mapped_column(sa.JSON, default=dict)

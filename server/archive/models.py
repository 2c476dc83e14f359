from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.core.db import UTCDateTime, db
from server.org.models import Member
from sync import clock


class ArchivePrint(db.Model):
    """One printing of a member's archive (a PDF, alone or in a branch's zip): the evidence of
    LOG-archive and the register an inspector's page can be compared with."""

    __tablename__ = "archive_print"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(sa.ForeignKey("member.id"), index=True)
    # The year the archive covers; null for the whole archive (every year).
    year: Mapped[int | None] = mapped_column(sa.Integer)
    printed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now, index=True)
    printed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    pages: Mapped[int] = mapped_column(sa.Integer)
    # b64url SHA-256 over the pages' digests (each the digest its QR carries), in page order.
    digest: Mapped[str] = mapped_column(sa.String(64))

    member: Mapped[Member] = relationship()

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.core.db import UTCDateTime, db
from server.org.models import Committee, Member
from sync import clock


class User(db.Model):
    """A login. Members log in as themselves; committee staff log in for a committee.

    Branch powers come from the member's current BranchRole rows, not from the account, so a
    role change takes effect at the next request without reissuing tokens.
    """

    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    member_id: Mapped[int | None] = mapped_column(sa.ForeignKey("member.id"), unique=True)
    committee_id: Mapped[int | None] = mapped_column(sa.ForeignKey("committee.id"), index=True)
    is_active: Mapped[bool] = mapped_column(default=True)
    locale: Mapped[str] = mapped_column(sa.String(8), default="zh-CN")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)

    member: Mapped[Member | None] = relationship()
    committee: Mapped[Committee | None] = relationship()


class RevokedToken(db.Model):
    """A JWT revoked by logout; kept in the database so every worker sees it."""

    __tablename__ = "revoked_token"

    jti: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    token_type: Mapped[str] = mapped_column(sa.String(16))
    # Rows can be purged once the token would have expired anyway.
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    revoked_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)

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


class AuthSession(db.Model):
    """One login: its access and refresh tokens carry this id (the `sid` claim).

    Logout ends the session, so both tokens stop working whatever the client sends; "log out on
    all devices" and a password change end every session of the account. Kept in the database so
    every worker sees it. Rows can be purged once `expires_at` (the refresh token's) has passed.
    """

    __tablename__ = "auth_session"

    id: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # logout | logout_all | password_changed
    revoked_reason: Mapped[str | None] = mapped_column(sa.String(32))

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.core.db import UTCDateTime, db
from server.core.enums import CardKind, CardStatus, enum_column_type
from server.org.models import Member
from sync import clock


class Card(db.Model):
    __tablename__ = "card"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Printed on the card and carried in its signed QR; never reused.
    serial: Mapped[str] = mapped_column(sa.String(32), unique=True)
    member_id: Mapped[int] = mapped_column(sa.ForeignKey("member.id"), index=True)
    kind: Mapped[CardKind] = mapped_column(enum_column_type(CardKind))
    status: Mapped[CardStatus] = mapped_column(enum_column_type(CardStatus), default=CardStatus.active)
    issued_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)
    issued_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    expires_on: Mapped[dt.date] = mapped_column(sa.Date)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    revoked_reason: Mapped[str | None] = mapped_column(sa.String(200))
    replaces_id: Mapped[int | None] = mapped_column(sa.ForeignKey("card.id"))

    member: Mapped[Member] = relationship()

    __table_args__ = (
        # One person, one card: the database refuses a second active card, whatever the code does.
        sa.Index(
            "uq_card_one_active_per_member",
            "member_id",
            unique=True,
            sqlite_where=sa.text("status = 'active'"),
            postgresql_where=sa.text("status = 'active'"),
        ),
    )

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.core.db import UTCDateTime, db
from server.events.models import Event
from sync import clock


class Minutes(db.Model):
    """A meeting's minutes (会议记录): the current text, one per event, with its photos.

    Every accepted write is kept as a revision under the client's nonce, so a write replayed by an
    offline phone's outbox (even after a newer one) changes nothing, and the history is there.
    """

    __tablename__ = "minutes"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("event.id"), unique=True)
    text: Mapped[str] = mapped_column(sa.Text, default="")
    version: Mapped[int] = mapped_column(default=0)
    written_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)

    event: Mapped[Event] = relationship()
    photos: Mapped[list[MinutesPhoto]] = relationship(back_populates="minutes", order_by="MinutesPhoto.id")


class MinutesRevision(db.Model):
    __tablename__ = "minutes_revision"

    id: Mapped[int] = mapped_column(primary_key=True)
    minutes_id: Mapped[int] = mapped_column(sa.ForeignKey("minutes.id"), index=True)
    nonce: Mapped[str] = mapped_column(sa.String(64))
    text: Mapped[str] = mapped_column(sa.Text)
    written_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    written_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)

    __table_args__ = (sa.UniqueConstraint("minutes_id", "nonce"),)


class MinutesPhoto(db.Model):
    """A photo of a meeting's minutes, stored as a file under the instance folder (not in the database)."""

    __tablename__ = "minutes_photo"

    id: Mapped[int] = mapped_column(primary_key=True)
    minutes_id: Mapped[int] = mapped_column(sa.ForeignKey("minutes.id"), index=True)
    # The phone's id for the photo: a replayed upload finds the photo it already made.
    client_photo_id: Mapped[str] = mapped_column(sa.String(64))
    # <event id>/<uuid>.<ext> under the upload folder.
    path: Mapped[str] = mapped_column(sa.String(200))
    content_type: Mapped[str] = mapped_column(sa.String(32))
    size: Mapped[int] = mapped_column(sa.Integer)
    sha256: Mapped[str] = mapped_column(sa.String(64))
    uploaded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)

    minutes: Mapped[Minutes] = relationship(back_populates="photos")

    __table_args__ = (sa.UniqueConstraint("minutes_id", "client_photo_id"),)

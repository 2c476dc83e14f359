"""Correction requests (整改通知) a committee sends a branch, the branch's answers, and attachments."""
from __future__ import annotations

import datetime as dt
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.core.db import UTCDateTime, db
from server.core.enums import enum_column_type
from server.org.models import Branch, Committee
from sync import clock


class CorrectionState(StrEnum):
    sent = "sent"  # waiting for the branch's answer
    answered = "answered"  # waiting for the committee's decision
    accepted = "accepted"  # closed
    returned = "returned"  # the committee wants more; the branch answers again


class CorrectionRequest(db.Model):
    """A committee's request that a branch correct something (a compliance rule it missed, or a
    finding in words), by a deadline. sent → answered → accepted, or returned → answered again…
    Overdue: the deadline passed and the request is not accepted."""

    __tablename__ = "correction_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    committee_id: Mapped[int] = mapped_column(sa.ForeignKey("committee.id"), index=True)
    branch_id: Mapped[int] = mapped_column(sa.ForeignKey("branch.id"), index=True)
    rule_id: Mapped[str | None] = mapped_column(sa.String(32))
    period: Mapped[str | None] = mapped_column(sa.String(16))
    finding: Mapped[str | None] = mapped_column(sa.Text)
    deadline: Mapped[dt.date] = mapped_column(sa.Date)
    state: Mapped[CorrectionState] = mapped_column(enum_column_type(CorrectionState), default=CorrectionState.sent)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    committee: Mapped[Committee] = relationship()
    branch: Mapped[Branch] = relationship()
    answers: Mapped[list[CorrectionAnswer]] = relationship(back_populates="request", order_by="CorrectionAnswer.id")
    attachments: Mapped[list[CorrectionAttachment]] = relationship(order_by="CorrectionAttachment.id",
                                                                  viewonly=True)

    def overdue_on(self, today: dt.date) -> bool:
        return self.state != CorrectionState.accepted and today > self.deadline


class CorrectionAnswer(db.Model):
    """What the branch did, with evidence (its events, records, filings), and the committee's
    decision on it (accepted, or returned with the reason). Answers are never edited."""

    __tablename__ = "correction_answer"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(sa.ForeignKey("correction_request.id"), index=True)
    text: Mapped[str] = mapped_column(sa.Text)
    # [{"type": "event" | "record" | "filing", "id": n}], each one of the branch's own.
    evidence: Mapped[list] = mapped_column(sa.JSON, default=list)
    answered_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    answered_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)
    accepted: Mapped[bool | None] = mapped_column(sa.Boolean)
    decision_reason: Mapped[str | None] = mapped_column(sa.String(1000))
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    request: Mapped[CorrectionRequest] = relationship(back_populates="answers")


class CorrectionAttachment(db.Model):
    """A photo or PDF attached to a request (by the committee) or to an answer (by the branch),
    stored as a file under the upload folder like minutes photos (server/minutes/storage.py)."""

    __tablename__ = "correction_attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(sa.ForeignKey("correction_request.id"), index=True)
    answer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("correction_answer.id"))
    path: Mapped[str] = mapped_column(sa.String(200))
    content_type: Mapped[str] = mapped_column(sa.String(32))
    size: Mapped[int] = mapped_column(sa.Integer)
    sha256: Mapped[str] = mapped_column(sa.String(64))
    uploaded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)

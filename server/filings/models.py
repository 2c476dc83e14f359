from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.core.db import UTCDateTime, db
from server.core.enums import FilingDecision, FilingKind, enum_column_type
from server.events.models import Event
from server.org.models import Branch, Member
from sync import clock


class Filing(db.Model):
    """A document a branch sends to its superior committee (备案/报送), with the date it went.

    Some filings ask for an answer (an org-life meeting's date change needs approval); the
    committee's decision, its date and note are kept on the filing. A filing is never edited:
    what was sent, and when, is evidence; a corrected document is a new filing.
    """

    __tablename__ = "filing"

    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(sa.ForeignKey("branch.id"))  # indexed with the year below
    kind: Mapped[FilingKind] = mapped_column(enum_column_type(FilingKind))
    # The year the filing is about (the plan's year, the org-life meeting's year...).
    year: Mapped[int] = mapped_column(sa.Integer)
    # A finer period when there is one, e.g. "2026-10" or "2026-Q4".
    period: Mapped[str | None] = mapped_column(sa.String(16))
    title: Mapped[str] = mapped_column(sa.String(200))
    body: Mapped[str | None] = mapped_column(sa.Text)
    # Structured content, e.g. the dates of an activity-day plan.
    details: Mapped[dict | None] = mapped_column(sa.JSON)
    event_id: Mapped[int | None] = mapped_column(sa.ForeignKey("event.id"), index=True)
    # For a date change: the date asked for.
    requested_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    filed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)
    filed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    decision: Mapped[FilingDecision | None] = mapped_column(enum_column_type(FilingDecision))
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    decision_note: Mapped[str | None] = mapped_column(sa.String(1000))
    # A filing sent again after the committee returned this one (at most one per returned filing).
    refiles_id: Mapped[int | None] = mapped_column(sa.ForeignKey("filing.id"), unique=True)

    branch: Mapped[Branch] = relationship()
    event: Mapped[Event | None] = relationship()
    refiles: Mapped[Filing | None] = relationship(remote_side=[id], back_populates="refiled_as")
    refiled_as: Mapped[Filing | None] = relationship(back_populates="refiles", uselist=False)

    __table_args__ = (sa.Index("ix_filing_branch_id_year", "branch_id", "year"),)

    @property
    def state(self) -> str:
        """sent (awaiting the committee), accepted, or returned (declined, with the committee's reason)."""
        if self.decision is None:
            return "sent"
        return "accepted" if self.decision == FilingDecision.approved else "returned"

    @property
    def approved_at(self) -> dt.datetime | None:
        return self.decided_at if self.decision == FilingDecision.approved else None

    @property
    def approved_by_id(self) -> int | None:
        return self.decided_by_id if self.decision == FilingDecision.approved else None


class RectificationItem(db.Model):
    """A rectification item (整改事项) a branch set itself at its org-life meeting, reviewed at the next one."""

    __tablename__ = "rectification_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(sa.ForeignKey("branch.id"), index=True)
    # The year of the org-life meeting that set it; next year's meeting reviews it.
    year: Mapped[int] = mapped_column(sa.Integer)
    event_id: Mapped[int | None] = mapped_column(sa.ForeignKey("event.id"), index=True)
    problem: Mapped[str] = mapped_column(sa.String(500))
    measures: Mapped[str | None] = mapped_column(sa.Text)
    responsible: Mapped[str | None] = mapped_column(sa.String(100))
    due_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    completed_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    # The progress so far (整改进展), kept by the branch's managers; members can read it too.
    progress: Mapped[str | None] = mapped_column(sa.Text)
    # The member of the branch charged with it (optional; `responsible` stays free text).
    assignee_member_id: Mapped[int | None] = mapped_column(sa.ForeignKey("member.id"))
    # The latest announcement of its progress to the branch's members, and when it went out
    # (earlier ones are in the audit log).
    announcement: Mapped[str | None] = mapped_column(sa.String(1000))
    announced_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now, onupdate=clock.now)

    branch: Mapped[Branch] = relationship()
    event: Mapped[Event | None] = relationship()
    assignee: Mapped[Member | None] = relationship()

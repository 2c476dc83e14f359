"""Dues (党费): each member's basis over time, payments by month, remittances, publications.

Months are stored as the date of their first day (`2026-10-01` is October 2026).
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.core.db import UTCDateTime, db
from server.core.enums import DuesCategory, StrEnum, enum_column_type
from server.org.models import Branch, Member
from sync import clock


class DuesBasis(db.Model):
    """What a member pays from a named month on: the basis (category), the income after tax it
    follows, the monthly amount it gives, and the branch's decision when there is one.

    Append-only: a change is a new row applying from its month; the months before keep the basis
    they had. The basis of a month is the row with the latest `effective_from` on or before it
    (two rows of one month: the later one)."""

    __tablename__ = "dues_basis"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(sa.ForeignKey("member.id"))  # indexed with the month below
    category: Mapped[DuesCategory] = mapped_column(enum_column_type(DuesCategory))
    # Monthly income after tax, in fen (employed and retired members only).
    income_fen: Mapped[int | None] = mapped_column(sa.Integer)
    # The monthly amount this basis gives, in fen, computed by the standard when it was set.
    monthly_fen: Mapped[int] = mapped_column(sa.Integer)
    effective_from: Mapped[dt.date] = mapped_column(sa.Date)
    # The branch's decision (required for exemptions and branch-set amounts): who decided, when, why.
    decision_note: Mapped[str | None] = mapped_column(sa.String(500))
    set_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)

    member: Mapped[Member] = relationship()

    __table_args__ = (sa.Index("ix_dues_basis_member_id_effective_from", "member_id", "effective_from"),)


class DuesPayment(db.Model):
    """Dues a member handed to the branch, recorded at once by its secretary or organizer: one
    member, one to twelve named months, the amount. `nonce` is the client's id (a retried sync
    push or POST finds the first); a correction keeps the old values (DuesPaymentCorrection)."""

    __tablename__ = "dues_payment"

    id: Mapped[int] = mapped_column(primary_key=True)
    nonce: Mapped[str] = mapped_column(sa.String(64), unique=True)
    member_id: Mapped[int] = mapped_column(sa.ForeignKey("member.id"), index=True)
    # The member's home branch, which collects (and remits) the dues.
    branch_id: Mapped[int] = mapped_column(sa.ForeignKey("branch.id"))  # indexed with paid_on below
    # The months paid for, "YYYY-MM" comma-separated in order (the rows of DuesPaymentMonth while not void).
    months: Mapped[str] = mapped_column(sa.String(95))
    amount_fen: Mapped[int] = mapped_column(sa.Integer)
    # What those months owed when it was paid; amount_fen - due_fen is voluntary extra (自愿多交).
    due_fen: Mapped[int] = mapped_column(sa.Integer)
    # When the money was handed over: the phone's claimed time corrected by its clock offset
    # (never after the server received it), and that moment's China date.
    paid_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    paid_on: Mapped[dt.date] = mapped_column(sa.Date)
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    # app (recorded in Zhibu) or migrated (converted from a `dues` record by migration 0017).
    source: Mapped[str] = mapped_column(sa.String(16), default="app")
    record_id: Mapped[int | None] = mapped_column(sa.ForeignKey("record.id"))
    note: Mapped[str | None] = mapped_column(sa.String(500))
    # A payment entered in error is voided by a correction: its months are free again.
    voided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now, onupdate=clock.now)

    member: Mapped[Member] = relationship()
    branch: Mapped[Branch] = relationship()
    month_rows: Mapped[list[DuesPaymentMonth]] = relationship(back_populates="payment",
                                                              order_by="DuesPaymentMonth.month")
    corrections: Mapped[list[DuesPaymentCorrection]] = relationship(back_populates="payment",
                                                                    order_by="DuesPaymentCorrection.id")

    __table_args__ = (sa.Index("ix_dues_payment_branch_id_paid_on", "branch_id", "paid_on"),)

    @property
    def month_list(self) -> list[str]:
        return self.months.split(",") if self.months else []

    @property
    def extra_fen(self) -> int:
        return self.amount_fen - self.due_fen


class DuesPaymentMonth(db.Model):
    """One month a payment covers. Unique per (member, month): the database itself refuses a
    second payment of a month, whatever number of phones push at once."""

    __tablename__ = "dues_payment_month"

    id: Mapped[int] = mapped_column(primary_key=True)
    payment_id: Mapped[int] = mapped_column(sa.ForeignKey("dues_payment.id"), index=True)
    member_id: Mapped[int] = mapped_column(sa.ForeignKey("member.id"))
    month: Mapped[dt.date] = mapped_column(sa.Date)
    # What the month owed, and what of the payment is counted for it (its due; the last month
    # named also carries the voluntary extra), for the ledger's month columns.
    due_fen: Mapped[int] = mapped_column(sa.Integer)
    amount_fen: Mapped[int] = mapped_column(sa.Integer)

    payment: Mapped[DuesPayment] = relationship(back_populates="month_rows")

    __table_args__ = (sa.UniqueConstraint("member_id", "month", name="uq_dues_payment_month_member_month"),)


class DuesPaymentCorrection(db.Model):
    """A change to a payment: the old and new values, who made it and why (as RecordCorrection)."""

    __tablename__ = "dues_payment_correction"

    id: Mapped[int] = mapped_column(primary_key=True)
    payment_id: Mapped[int] = mapped_column(sa.ForeignKey("dues_payment.id"), index=True)
    corrected_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    corrected_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)
    reason: Mapped[str] = mapped_column(sa.String(500))
    old_values: Mapped[dict] = mapped_column(sa.JSON)
    new_values: Mapped[dict] = mapped_column(sa.JSON)

    payment: Mapped[DuesPayment] = relationship(back_populates="corrections")


class DuesRemittance(db.Model):
    """What the branch remitted (上缴) to its superior committee for months of one quarter, and
    the committee's confirmation of receipt. Collected − remitted is shown; nothing is kept back."""

    __tablename__ = "dues_remittance"

    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(sa.ForeignKey("branch.id"))  # indexed with the months below
    # The months whose collection this remits (first and last, of one quarter).
    first_month: Mapped[dt.date] = mapped_column(sa.Date)
    last_month: Mapped[dt.date] = mapped_column(sa.Date)
    amount_fen: Mapped[int] = mapped_column(sa.Integer)
    # What the branch had collected in those months when it recorded this (the app shows it live too).
    collected_fen: Mapped[int] = mapped_column(sa.Integer)
    remitted_on: Mapped[dt.date] = mapped_column(sa.Date)
    note: Mapped[str | None] = mapped_column(sa.String(500))
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)
    confirmed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    confirmed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    confirm_note: Mapped[str | None] = mapped_column(sa.String(500))

    branch: Mapped[Branch] = relationship()

    __table_args__ = (sa.Index("ix_dues_remittance_branch_id_first_month", "branch_id", "first_month"),)


class PublicationMode(StrEnum):
    per_member = "per_member"  # every member's name and amounts (shown to the branch's members only)
    totals = "totals"  # the branch's totals by month


class DuesPublication(db.Model):
    """The year's collection published to the branch's members (党费收缴情况公示): the table as it
    was when published (a snapshot), in the mode the branch chose. The latest of a year is shown."""

    __tablename__ = "dues_publication"

    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(sa.ForeignKey("branch.id"))  # indexed with the year below
    year: Mapped[int] = mapped_column(sa.Integer)
    mode: Mapped[PublicationMode] = mapped_column(enum_column_type(PublicationMode))
    table: Mapped[dict] = mapped_column(sa.JSON)
    published_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)
    published_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))

    branch: Mapped[Branch] = relationship()

    __table_args__ = (sa.Index("ix_dues_publication_branch_id_year", "branch_id", "year"),)

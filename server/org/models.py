from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, query_expression, relationship

from server.core.db import UTCDateTime, db
from server.core.enums import BranchRoleKind, DuesCategory, MemberStatus, Sector, enum_column_type
from sync import clock


class Committee(db.Model):
    """A superior committee (上级党委); committees may nest (county → township)."""

    __tablename__ = "committee"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    parent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("committee.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)

    parent: Mapped[Committee | None] = relationship(remote_side=[id])
    branches: Mapped[list[Branch]] = relationship(back_populates="committee")


class Branch(db.Model):
    __tablename__ = "branch"

    id: Mapped[int] = mapped_column(primary_key=True)
    committee_id: Mapped[int] = mapped_column(sa.ForeignKey("committee.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    sector: Mapped[Sector] = mapped_column(enum_column_type(Sector))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)

    committee: Mapped[Committee] = relationship(back_populates="branches")
    groups: Mapped[list[Group]] = relationship(back_populates="branch", order_by="Group.id")


class Group(db.Model):
    """A party group (党小组) inside a branch."""

    __tablename__ = "party_group"  # "group" is an SQL keyword

    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(sa.ForeignKey("branch.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(200))

    branch: Mapped[Branch] = relationship(back_populates="groups")

    __table_args__ = (sa.UniqueConstraint("branch_id", "name"),)


class Member(db.Model):
    """A party member (full or probationary) of their home branch."""

    __tablename__ = "member"

    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(sa.ForeignKey("branch.id"), index=True)
    group_id: Mapped[int | None] = mapped_column(sa.ForeignKey("party_group.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    status: Mapped[MemberStatus] = mapped_column(enum_column_type(MemberStatus))
    # Dates of joining: probationary from admission by the assembly, full from conversion.
    admitted_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    full_since: Mapped[dt.date | None] = mapped_column(sa.Date)
    dues_category: Mapped[DuesCategory] = mapped_column(
        enum_column_type(DuesCategory), default=DuesCategory.employed
    )
    phone: Mapped[str | None] = mapped_column(sa.String(32))
    # Sector of work (农业, 机关, 企业, 个体, 学生, 退休...), free text for the roster.
    work_sector: Mapped[str | None] = mapped_column(sa.String(50))
    # The roster's personal details (imported from the branch's workbook, server/imports).
    gender: Mapped[str | None] = mapped_column(sa.String(8))
    ethnicity: Mapped[str | None] = mapped_column(sa.String(32))
    birth_date: Mapped[dt.date | None] = mapped_column(sa.Date)
    education: Mapped[str | None] = mapped_column(sa.String(32))
    # The citizen ID number is never stored: only its masked form (110101********1234) to show,
    # and a keyed hash (HMAC-SHA256) to recognise the member on a re-import (docs/decisions.md).
    id_number_masked: Mapped[str | None] = mapped_column(sa.String(18))
    id_number_hash: Mapped[str | None] = mapped_column(sa.String(64), index=True)
    # Leaving the branch (transfer, death...) keeps the member and their archive (LOG-archive).
    left_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)

    branch: Mapped[Branch] = relationship()
    group: Mapped[Group | None] = relationship()
    floating_memberships: Mapped[list[FloatingMembership]] = relationship(
        back_populates="member", order_by="FloatingMembership.starts_on"
    )
    # Filled only by queries that ask for them (the roster: `with_expression`), else None.
    has_card: Mapped[bool | None] = query_expression()
    has_login: Mapped[bool | None] = query_expression()


class FloatingMembership(db.Model):
    """A member of a home branch (流出地) attending a host branch (流入地) for a period."""

    __tablename__ = "floating_membership"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(sa.ForeignKey("member.id"), index=True)
    host_branch_id: Mapped[int] = mapped_column(sa.ForeignKey("branch.id"), index=True)
    starts_on: Mapped[dt.date] = mapped_column(sa.Date)
    ends_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    note: Mapped[str | None] = mapped_column(sa.String(500))

    member: Mapped[Member] = relationship(back_populates="floating_memberships")
    host_branch: Mapped[Branch] = relationship()

    def is_current(self, on: dt.date) -> bool:
        return self.starts_on <= on and (self.ends_on is None or on <= self.ends_on)


class BranchRole(db.Model):
    """A post on the branch committee held by a member for a period; ended, never deleted."""

    __tablename__ = "branch_role"

    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(sa.ForeignKey("branch.id"), index=True)
    member_id: Mapped[int] = mapped_column(sa.ForeignKey("member.id"), index=True)
    role: Mapped[BranchRoleKind] = mapped_column(enum_column_type(BranchRoleKind))
    group_id: Mapped[int | None] = mapped_column(sa.ForeignKey("party_group.id"))
    starts_on: Mapped[dt.date] = mapped_column(sa.Date)
    ends_on: Mapped[dt.date | None] = mapped_column(sa.Date)

    member: Mapped[Member] = relationship()
    branch: Mapped[Branch] = relationship()

    def is_current(self, on: dt.date) -> bool:
        return self.starts_on <= on and (self.ends_on is None or on <= self.ends_on)

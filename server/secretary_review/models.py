"""The secretary's annual review (述职评议) of a branch and a year.

The review carries a snapshot of the year's compliance as generated facts (JSON, taken again on
every save while the secretary may still edit, frozen at submission) and the secretary's own text
for the four sections a 述职报告 has. The committee over the branch grades it or returns it.
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.core.db import UTCDateTime, db
from server.core.enums import StrEnum, enum_column_type
from server.org.models import Branch, Member
from sync import clock


class ReviewState(StrEnum):
    draft = "draft"  # the secretary writes
    submitted = "submitted"  # waiting for the committee
    returned = "returned"  # sent back with a reason: the secretary writes again and resubmits
    graded = "graded"  # final


class ReviewGrade(StrEnum):
    """The committee's grade (评议等次)."""

    good = "good"  # 好
    fairly_good = "fairly_good"  # 较好
    average = "average"  # 一般
    poor = "poor"  # 差


GRADE_ZH = {ReviewGrade.good: "好", ReviewGrade.fairly_good: "较好", ReviewGrade.average: "一般", ReviewGrade.poor: "差"}
STATE_ZH = {ReviewState.draft: "草稿", ReviewState.submitted: "已提交", ReviewState.returned: "已退回",
            ReviewState.graded: "已评议"}

# The four sections of a 述职报告, in order: key, Chinese heading.
SECTIONS = (("performance", "履职情况"), ("problems", "存在问题"), ("measures", "整改措施"), ("plans", "下一步打算"))
SECTION_KEYS = tuple(key for key, _ in SECTIONS)


class SecretaryReview(db.Model):
    __tablename__ = "secretary_review"
    __table_args__ = (sa.UniqueConstraint("branch_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(sa.ForeignKey("branch.id"), index=True)
    year: Mapped[int] = mapped_column(sa.Integer)
    # The secretary who last wrote it (the member reporting).
    secretary_id: Mapped[int] = mapped_column(sa.ForeignKey("member.id"))
    facts: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    sections: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    state: Mapped[ReviewState] = mapped_column(enum_column_type(ReviewState), default=ReviewState.draft)
    grade: Mapped[ReviewGrade | None] = mapped_column(enum_column_type(ReviewGrade))
    comment: Mapped[str | None] = mapped_column(sa.Text)
    return_reason: Mapped[str | None] = mapped_column(sa.Text)
    submitted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    reviewed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    reviewed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now, onupdate=clock.now)

    branch: Mapped[Branch] = relationship()
    secretary: Mapped[Member] = relationship()

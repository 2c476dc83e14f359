"""The org-life meeting (组织生活会, SPEC system 3) of a branch and a year, as a workflow.

The meeting itself is an event of kind `org_life_meeting` (its date, place, attendance, minutes,
notice and theme live there); this table adds what only an org-life meeting has: the 1-2
prominent problems its theme addresses, the preparation (study linked from other events, opinions
solicited, heart-to-heart talks, each member's party-spirit analysis) and what is recorded at it
(last year's rectification items reviewed, criticism and self-criticism of every member). The
report, the minutes filing and the date changes are filings (server/filings); this year's
rectification items are `RectificationItem`s of the year.
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.core.db import UTCDateTime, db
from server.core.enums import StrEnum, enum_column_type
from server.events.models import Event
from server.filings.models import RectificationItem
from server.org.models import Branch, Member
from sync import clock


class OpinionMethod(StrEnum):
    """How opinions were solicited before the meeting (征求意见)."""

    symposium = "symposium"  # 座谈会
    questionnaire = "questionnaire"  # 征求意见表
    interview = "interview"  # 个别访谈
    suggestion_box = "suggestion_box"  # 意见箱
    online = "online"  # 网上征求
    other = "other"


class ReviewStatus(StrEnum):
    """A rectification item of last year as the meeting found it."""

    done = "done"  # 已完成整改
    ongoing = "ongoing"  # 持续整改中
    not_done = "not_done"  # 未完成


class OrgLifeMeeting(db.Model):
    """One per branch and year, linked to the event of kind org_life_meeting that is the meeting."""

    __tablename__ = "org_life_meeting"

    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(sa.ForeignKey("branch.id"))
    # The year the meeting is for (a postponed one is held in the first quarter of the next year).
    year: Mapped[int] = mapped_column(sa.Integer)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("event.id"), unique=True)
    # The 1-2 prominent problems the theme addresses (the theme's words are the event's `theme`).
    problems: Mapped[list] = mapped_column(sa.JSON, default=list)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now, onupdate=clock.now)

    branch: Mapped[Branch] = relationship()
    event: Mapped[Event] = relationship()
    studies: Mapped[list[OrgLifeStudy]] = relationship(back_populates="meeting", order_by="OrgLifeStudy.id")
    opinions: Mapped[list[OrgLifeOpinion]] = relationship(back_populates="meeting", order_by="OrgLifeOpinion.held_on")
    talks: Mapped[list[OrgLifeTalk]] = relationship(back_populates="meeting", order_by="OrgLifeTalk.held_on")

    __table_args__ = (sa.UniqueConstraint("branch_id", "year"),)


class OrgLifeStudy(db.Model):
    """A study event (a party lecture, a study session...) held before the meeting, counted as its study."""

    __tablename__ = "org_life_study"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(sa.ForeignKey("org_life_meeting.id"))
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("event.id"))
    added_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    added_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)

    meeting: Mapped[OrgLifeMeeting] = relationship(back_populates="studies")
    event: Mapped[Event] = relationship()

    __table_args__ = (sa.UniqueConstraint("meeting_id", "event_id"),)


class OrgLifeOpinion(db.Model):
    """Opinions solicited before the meeting: how, when, and what came of it."""

    __tablename__ = "org_life_opinion"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(sa.ForeignKey("org_life_meeting.id"), index=True)
    method: Mapped[OpinionMethod] = mapped_column(enum_column_type(OpinionMethod))
    held_on: Mapped[dt.date] = mapped_column(sa.Date)
    summary: Mapped[str] = mapped_column(sa.String(2000))
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)

    meeting: Mapped[OrgLifeMeeting] = relationship(back_populates="opinions")


class OrgLifeTalk(db.Model):
    """A heart-to-heart talk (谈心谈话) between two members of the branch before the meeting."""

    __tablename__ = "org_life_talk"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(sa.ForeignKey("org_life_meeting.id"), index=True)
    member_a_id: Mapped[int] = mapped_column(sa.ForeignKey("member.id"))
    member_b_id: Mapped[int] = mapped_column(sa.ForeignKey("member.id"))
    held_on: Mapped[dt.date] = mapped_column(sa.Date)
    # The secretary's note (managers only; the two members see who and when).
    note: Mapped[str | None] = mapped_column(sa.String(1000))
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)

    meeting: Mapped[OrgLifeMeeting] = relationship(back_populates="talks")
    member_a: Mapped[Member] = relationship(foreign_keys=[member_a_id])
    member_b: Mapped[Member] = relationship(foreign_keys=[member_b_id])

    __table_args__ = (sa.CheckConstraint("member_a_id <> member_b_id", name="two_people"),)


class OrgLifeAnalysis(db.Model):
    """A member's party-spirit analysis (党性分析材料) for the meeting: written by the member on the
    phone (offline too: every write carries the phone's nonce, kept as a revision), or handed in on
    paper and so noted by the secretary. Read by the member and the branch's managers only."""

    __tablename__ = "org_life_analysis"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(sa.ForeignKey("org_life_meeting.id"))
    member_id: Mapped[int] = mapped_column(sa.ForeignKey("member.id"), index=True)
    text: Mapped[str | None] = mapped_column(sa.Text)
    on_paper: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    version: Mapped[int] = mapped_column(default=0)
    submitted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)

    member: Mapped[Member] = relationship()

    __table_args__ = (sa.UniqueConstraint("meeting_id", "member_id"),)


class OrgLifeAnalysisRevision(db.Model):
    """Every accepted write of an analysis, under the phone's nonce: a replayed write changes nothing."""

    __tablename__ = "org_life_analysis_revision"

    id: Mapped[int] = mapped_column(primary_key=True)
    analysis_id: Mapped[int] = mapped_column(sa.ForeignKey("org_life_analysis.id"))
    nonce: Mapped[str] = mapped_column(sa.String(64))
    text: Mapped[str] = mapped_column(sa.Text)
    written_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    written_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)

    __table_args__ = (sa.UniqueConstraint("analysis_id", "nonce"),)


class OrgLifeReview(db.Model):
    """One of last year's rectification items as reviewed at the meeting: its status and a note."""

    __tablename__ = "org_life_review"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(sa.ForeignKey("org_life_meeting.id"))
    item_id: Mapped[int] = mapped_column(sa.ForeignKey("rectification_item.id"), index=True)
    status: Mapped[ReviewStatus] = mapped_column(enum_column_type(ReviewStatus))
    note: Mapped[str | None] = mapped_column(sa.String(1000))
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)

    item: Mapped[RectificationItem] = relationship()

    __table_args__ = (sa.UniqueConstraint("meeting_id", "item_id"),)


class OrgLifeCriticism(db.Model):
    """Criticism and self-criticism (批评和自我批评) of one member at the meeting, summarized."""

    __tablename__ = "org_life_criticism"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(sa.ForeignKey("org_life_meeting.id"))
    member_id: Mapped[int] = mapped_column(sa.ForeignKey("member.id"), index=True)
    self_criticism: Mapped[str] = mapped_column(sa.String(2000))
    criticism_received: Mapped[str] = mapped_column(sa.String(2000))
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)

    member: Mapped[Member] = relationship()

    __table_args__ = (sa.UniqueConstraint("meeting_id", "member_id"),)

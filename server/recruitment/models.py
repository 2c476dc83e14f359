from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.core.db import UTCDateTime, db
from server.core.enums import RecruitmentStage, StrEnum, enum_column_type
from server.filings.models import Filing
from server.org.models import Branch, Group, Member
from server.recruitment.pipeline import Body, Outcome, StepKind
from sync import clock


class Gender(StrEnum):
    male = "male"
    female = "female"


class RecruitmentCase(db.Model):
    """One person's road to membership (发展党员), from the application letter on.

    Applicants, activists and candidates are not members yet: the case keeps who they are (name,
    gender, birth date, phone, group). When the committee approves the assembly's vote the person
    becomes a probationary member of the branch (`member_id`). `stage` and `probation_ends_on`
    are kept for lists; the steps are the record (pipeline.replay derives both from them).
    """

    __tablename__ = "recruitment_case"

    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(sa.ForeignKey("branch.id"), index=True)
    group_id: Mapped[int | None] = mapped_column(sa.ForeignKey("party_group.id"))
    name: Mapped[str] = mapped_column(sa.String(100))
    gender: Mapped[Gender | None] = mapped_column(enum_column_type(Gender))
    birth_date: Mapped[dt.date | None] = mapped_column(sa.Date)
    phone: Mapped[str | None] = mapped_column(sa.String(32))
    stage: Mapped[RecruitmentStage] = mapped_column(enum_column_type(RecruitmentStage))
    applied_on: Mapped[dt.date] = mapped_column(sa.Date)
    probation_ends_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    member_id: Mapped[int | None] = mapped_column(sa.ForeignKey("member.id"), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now, onupdate=clock.now)
    # Two managers recording the next step at once: the second gets 409 (StaleDataError).
    version: Mapped[int] = mapped_column(sa.Integer, default=1)

    branch: Mapped[Branch] = relationship()
    group: Mapped[Group | None] = relationship()
    member: Mapped[Member | None] = relationship()
    steps: Mapped[list[RecruitmentStep]] = relationship(
        back_populates="case", order_by="[RecruitmentStep.on, RecruitmentStep.id]")
    contacts: Mapped[list[RecruitmentContact]] = relationship(
        back_populates="case", order_by="[RecruitmentContact.assigned_on, RecruitmentContact.id]")

    __mapper_args__ = {"version_id_col": version}


class RecruitmentStep(db.Model):
    """One step of a case: its date, who decided, the vote, the document, the stages before and
    after. Steps are never edited or deleted: the history is the evidence."""

    __tablename__ = "recruitment_step"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("recruitment_case.id"), index=True)
    kind: Mapped[StepKind] = mapped_column(enum_column_type(StepKind))
    on: Mapped[dt.date] = mapped_column("on_date", sa.Date)
    decided_by: Mapped[Body | None] = mapped_column(enum_column_type(Body))
    # The document: its title or number (文号), and the filing that sent it to the committee.
    document: Mapped[str | None] = mapped_column(sa.String(200))
    filing_id: Mapped[int | None] = mapped_column(sa.ForeignKey("filing.id"))
    note: Mapped[str | None] = mapped_column(sa.String(2000))
    # A vote of the general assembly.
    votes_for: Mapped[int | None] = mapped_column(sa.Integer)
    votes_against: Mapped[int | None] = mapped_column(sa.Integer)
    abstentions: Mapped[int | None] = mapped_column(sa.Integer)
    present: Mapped[int | None] = mapped_column(sa.Integer)
    entitled: Mapped[int | None] = mapped_column(sa.Integer)
    # The assembly's decision when probation ends, and the length of an extension.
    outcome: Mapped[Outcome | None] = mapped_column(enum_column_type(Outcome))
    extension_months: Mapped[int | None] = mapped_column(sa.Integer)
    from_stage: Mapped[RecruitmentStage | None] = mapped_column(enum_column_type(RecruitmentStage))
    to_stage: Mapped[RecruitmentStage] = mapped_column(enum_column_type(RecruitmentStage))
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)

    case: Mapped[RecruitmentCase] = relationship(back_populates="steps")
    filing: Mapped[Filing | None] = relationship()


class RecruitmentContact(db.Model):
    """A full member of the branch assigned as an activist's contact (培养联系人) from a date;
    replaced contacts keep their row with the day they stopped."""

    __tablename__ = "recruitment_contact"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("recruitment_case.id"), index=True)
    member_id: Mapped[int] = mapped_column(sa.ForeignKey("member.id"), index=True)
    assigned_on: Mapped[dt.date] = mapped_column(sa.Date)
    ended_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    assigned_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))

    case: Mapped[RecruitmentCase] = relationship(back_populates="contacts")
    member: Mapped[Member] = relationship()


class RecruitmentReminder(db.Model):
    """An assessment reminder sent for a case and a due date: sent once, however often the
    reminders command runs (the unique constraint decides between two runs at once)."""

    __tablename__ = "recruitment_reminder"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("recruitment_case.id"))
    due_on: Mapped[dt.date] = mapped_column(sa.Date)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)

    __table_args__ = (sa.UniqueConstraint("case_id", "due_on"),)

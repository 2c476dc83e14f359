"""Democratic evaluation of members (民主评议党员): the evaluation, its voter roll and sheets, and
the ballot box.

Two kinds of tables, kept apart on purpose (docs/decisions.md, "Anonymous assessment forms"):
- `evaluation`, `evaluation_stage_change` and `evaluation_member` name people: the roll, each
  member's self-assessment, grade, review, handling and feedback, and whether the member was
  issued a ballot (by phone or on paper), never which one.
- `evaluation_ballot`, `evaluation_ballot_token` and `evaluation_paper_entry` are the box: no
  member, no login, no timestamp, no sequence (random ids, and on SQLite tables WITHOUT ROWID, so
  not even the storage order says when a row came). A ballot does not point at the token that
  let it in. tests/server/test_evaluation_anonymity.py checks every column of them.
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.core.db import UTCDateTime, db
from server.core.enums import EvaluationGrade, StrEnum, enum_column_type
from server.events.models import Event
from server.org.models import Branch, Member
from sync import clock


class EvaluationStage(StrEnum):
    """In this order; each move is checked (operations.advance)."""

    preparing = "preparing"  # settings, the meeting; nobody writes yet
    self_assessment = "self_assessment"  # the roll is fixed; members write their self-assessment
    peer_assessment = "peer_assessment"  # at the group or branch meeting (its minutes are the record)
    balloting = "balloting"  # the anonymous assessment forms: phones, paper, invited non-members
    grading = "grading"  # the ballot is closed; the branch committee proposes grades beside the tally
    review = "review"  # the superior committee approves or returns each grade
    feedback = "feedback"  # every grade approved: each member sees theirs and the branch's feedback
    closed = "closed"


STAGES = tuple(EvaluationStage)


class HandlingKind(StrEnum):
    """What is done about a basically qualified or an unqualified grade (党章第九条; docs/decisions.md)."""

    education = "education"  # 教育帮助: for a basically qualified grade
    deadline_improvement = "deadline_improvement"  # 限期改正: a first unqualified grade
    persuade_to_leave = "persuade_to_leave"  # 劝其退党: after 限期改正 without change; the assembly decides
    removal = "removal"  # 除名: when a member persuaded to leave refuses; the assembly decides


class ReviewState(StrEnum):
    pending = "pending"
    approved = "approved"
    returned = "returned"


class BallotIssue(StrEnum):
    """How a member on the roll got their ballot: a blind-signed token on the phone, or a paper form."""

    phone = "phone"
    paper = "paper"


class TokenKind(StrEnum):
    signed = "signed"  # a phone's token, recorded when its ballot came in
    guest = "guest"  # printed for an invited non-member
    paper = "paper"  # the code on a numbered paper form


class Evaluation(db.Model):
    __tablename__ = "evaluation"

    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(sa.ForeignKey("branch.id"), index=True)
    year: Mapped[int] = mapped_column(sa.Integer)
    title: Mapped[str] = mapped_column(sa.String(200))
    stage: Mapped[EvaluationStage] = mapped_column(enum_column_type(EvaluationStage),
                                                   default=EvaluationStage.preparing)
    # 基本合格 is a grade only where the branch (its committee) adopts it for this evaluation.
    basic_grade_enabled: Mapped[bool] = mapped_column(default=False)
    # The evaluation meeting (民主评议党员大会, an `evaluation_meeting` event): peer assessment
    # happens there and its minutes are the record of it.
    meeting_event_id: Mapped[int | None] = mapped_column(sa.ForeignKey("event.id"), index=True)
    self_assessment_due: Mapped[dt.date | None] = mapped_column(sa.Date)
    # Members who may enter paper ballots besides the branch's managers (计票人).
    teller_member_ids: Mapped[list[int]] = mapped_column(sa.JSON, default=list)
    # The ballot's blind-signature key (blind.py), made when balloting opens; the private
    # exponent is erased when it closes, so nothing can be signed after.
    ballot_key_n: Mapped[str | None] = mapped_column(sa.Text)  # hex
    ballot_key_e: Mapped[int | None] = mapped_column(sa.Integer)
    ballot_key_d: Mapped[str | None] = mapped_column(sa.Text)  # hex; null once closed
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)

    branch: Mapped[Branch] = relationship()
    meeting: Mapped[Event | None] = relationship()
    members: Mapped[list[EvaluationMember]] = relationship(back_populates="evaluation",
                                                           order_by="EvaluationMember.id")
    stage_changes: Mapped[list[EvaluationStageChange]] = relationship(order_by="EvaluationStageChange.id")

    __table_args__ = (sa.UniqueConstraint("branch_id", "year"),)


class EvaluationStageChange(db.Model):
    """When each stage began, and who moved it (the evaluation's dates)."""

    __tablename__ = "evaluation_stage_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(sa.ForeignKey("evaluation.id"), index=True)
    stage: Mapped[EvaluationStage] = mapped_column(enum_column_type(EvaluationStage))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))


class EvaluationMember(db.Model):
    """A member on the evaluation's roll: their self-assessment, whether a ballot was issued to
    them (not which), the grade proposed, its review, the handling decision and the feedback."""

    __tablename__ = "evaluation_member"

    id: Mapped[int] = mapped_column(primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(sa.ForeignKey("evaluation.id"), index=True)
    member_id: Mapped[int] = mapped_column(sa.ForeignKey("member.id"), index=True)

    self_assessment: Mapped[str | None] = mapped_column(sa.Text)
    self_assessment_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    self_assessment_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    # The phone's nonce of the last write: an outbox retry of it changes nothing.
    self_assessment_nonce: Mapped[str | None] = mapped_column(sa.String(64))

    # The voter roll: a ballot issued (phone or paper), at most one. For a phone, the digest of the
    # blinded number signed, so that a retry after a lost answer gets the same signature; the
    # blinded number is random to anyone without the phone's blinding factor.
    ballot_issued: Mapped[BallotIssue | None] = mapped_column(enum_column_type(BallotIssue))
    ballot_request_digest: Mapped[str | None] = mapped_column(sa.String(64))

    grade: Mapped[EvaluationGrade | None] = mapped_column(enum_column_type(EvaluationGrade))
    grade_note: Mapped[str | None] = mapped_column(sa.String(1000))
    proposed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    review: Mapped[ReviewState | None] = mapped_column(enum_column_type(ReviewState))
    review_reason: Mapped[str | None] = mapped_column(sa.String(1000))
    reviewed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    reviewed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))

    handling_kind: Mapped[HandlingKind | None] = mapped_column(enum_column_type(HandlingKind))
    handling_note: Mapped[str | None] = mapped_column(sa.String(2000))
    handling_decided_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    # The general assembly that decided a persuasion or a removal.
    handling_event_id: Mapped[int | None] = mapped_column(sa.ForeignKey("event.id"))
    # 限期改正: the date by which the member is to improve.
    improve_by: Mapped[dt.date | None] = mapped_column(sa.Date)
    # The earlier decision a persuasion or a removal follows, when it predates Zhibu.
    previous_decision_on: Mapped[dt.date | None] = mapped_column(sa.Date)

    feedback: Mapped[str | None] = mapped_column(sa.Text)
    feedback_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    evaluation: Mapped[Evaluation] = relationship(back_populates="members")
    member: Mapped[Member] = relationship()

    __table_args__ = (sa.UniqueConstraint("evaluation_id", "member_id"),)


# --- the ballot box: no person, no time, no order --------------------------------------------------

class Ballot(db.Model):
    """One assessment form: {member id: grade} for the members the voter marked. Nothing else."""

    __tablename__ = "evaluation_ballot"

    id: Mapped[str] = mapped_column(sa.String(32), primary_key=True)  # random, never a sequence
    evaluation_id: Mapped[int] = mapped_column(sa.ForeignKey("evaluation.id"), index=True)
    marks: Mapped[dict] = mapped_column(sa.JSON)

    __table_args__ = {"sqlite_with_rowid": False}


class BallotToken(db.Model):
    """A token's hash: printed ones (guests, paper forms) waiting to be used, and every used one.
    A phone's token appears only when its ballot comes in, already used."""

    __tablename__ = "evaluation_ballot_token"

    token_hash: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(sa.ForeignKey("evaluation.id"), index=True)
    kind: Mapped[TokenKind] = mapped_column(enum_column_type(TokenKind))
    used: Mapped[bool] = mapped_column(default=False)

    __table_args__ = {"sqlite_with_rowid": False}


class PaperEntry(db.Model):
    """A paper form typed in by one teller, waiting for a second teller to confirm it against the
    paper; confirmed, it becomes a Ballot (and this row goes)."""

    __tablename__ = "evaluation_paper_entry"

    id: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(sa.ForeignKey("evaluation.id"), index=True)
    code_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    marks: Mapped[dict] = mapped_column(sa.JSON)
    entered_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))

    __table_args__ = {"sqlite_with_rowid": False}

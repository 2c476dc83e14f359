"""The evaluation as a workflow: stages and what each move needs, self-assessments, grades and
their review, handling decisions, feedback, and the member's year beside the self-assessment.
The ballot box is ballots.py. Operations only flush; every change is audited (never a ballot).

Stages (models.EvaluationStage) go forward one at a time, each move refused (409) with what is
missing, named:
- preparing → self_assessment: the roll is the branch's members that day (at least one);
- self_assessment → peer_assessment: every member on the roll has a self-assessment;
- peer_assessment → balloting: the evaluation meeting is linked, not cancelled, and has begun
  (peer assessment and the forms happen there; members not present vote by phone until it closes);
- balloting → grading: no paper form waits for its second teller, and at least one ballot came in;
- grading → review: every member has a proposed grade, every unqualified one a handling decision
  the rules allow, and the meeting's minutes (the record of the peer assessment) are written;
- review → feedback: automatic, when the superior committee has approved every grade;
- feedback → closed.
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from server.audit.operations import log_action
from server.calendar.days import local_day
from server.core.api import abort
from server.core.db import db
from server.core.enums import EvaluationGrade, EventKind, EventStatus, RecordKind
from server.evaluation.models import (
    STAGES,
    BallotIssue,
    Evaluation,
    EvaluationMember,
    EvaluationStage,
    EvaluationStageChange,
    HandlingKind,
    ReviewState,
)
from server.events.models import Event
from server.minutes.models import Minutes, MinutesPhoto
from server.notifications.models import NotificationKind
from server.notifications.operations import notify_members
from server.org.models import Branch, Member
from sync import clock

S = EvaluationStage
ORDER = {stage: index for index, stage in enumerate(STAGES)}
GRADED = (S.feedback, S.closed)  # the stages in which a member sees their grade
BASE_GRADES = (EvaluationGrade.excellent, EvaluationGrade.qualified, EvaluationGrade.unqualified)
# 限期改正: the time given to improve, at most a year from the decision.
IMPROVE_MAX_DAYS = 366
# The general assembly decides a persuasion to leave or a removal (党章第九条).
ASSEMBLY_KINDS = (EventKind.general_assembly, EventKind.evaluation_meeting)


def at_least(evaluation: Evaluation, stage: EvaluationStage) -> bool:
    return ORDER[evaluation.stage] >= ORDER[stage]


def grades_of(evaluation: Evaluation) -> list[EvaluationGrade]:
    """The grades of this evaluation's forms and proposals, best first."""
    if evaluation.basic_grade_enabled:
        return [EvaluationGrade.excellent, EvaluationGrade.qualified, EvaluationGrade.basically_qualified,
                EvaluationGrade.unqualified]
    return list(BASE_GRADES)


def _field(field: str, message: str, status: int = 422):
    abort(status, message=message, errors={"json": {field: [message]}})


def _conflict(message: str):
    abort(409, message=message)


def _names(rows) -> str:
    return "、".join(r.member.name for r in rows)


# --- creating and settings ------------------------------------------------------------------------

def _check_meeting(branch_id: int, event_id: int | None) -> None:
    if event_id is None:
        return
    event = db.session.get(Event, event_id)
    if event is None or event.branch_id != branch_id or event.kind != EventKind.evaluation_meeting:
        _field("meeting_event_id", "The meeting must be one of this branch's evaluation meetings (民主评议党员大会).")


def _check_tellers(branch_id: int, member_ids: list[int] | None) -> None:
    if not member_ids:
        return
    today = clock.today()
    found = db.session.scalars(sa.select(Member).where(Member.id.in_(member_ids))).all()
    if len(found) != len(set(member_ids)) or any(
            m.branch_id != branch_id or (m.left_on is not None and m.left_on < today) for m in found):
        _field("teller_member_ids", "Tellers are members of this branch.")


def _log_stage(evaluation: Evaluation, actor_id: int | None) -> None:
    db.session.add(EvaluationStageChange(evaluation_id=evaluation.id, stage=evaluation.stage, at=clock.now(),
                                         actor_id=actor_id))


def create_evaluation(branch: Branch, data: dict, actor_id: int | None) -> Evaluation:
    year = data["year"]
    if db.session.scalar(sa.select(Evaluation.id).where(Evaluation.branch_id == branch.id, Evaluation.year == year)):
        _conflict(f"The branch already has an evaluation for {year}.")
    _check_meeting(branch.id, data.get("meeting_event_id"))
    _check_tellers(branch.id, data.get("teller_member_ids"))
    evaluation = Evaluation(
        branch_id=branch.id, year=year, title=data.get("title") or f"{year}年度民主评议党员",
        stage=S.preparing, basic_grade_enabled=data.get("basic_grade_enabled", False),
        meeting_event_id=data.get("meeting_event_id"), self_assessment_due=data.get("self_assessment_due"),
        teller_member_ids=sorted(set(data.get("teller_member_ids") or [])), created_by_id=actor_id,
        created_at=clock.now())
    db.session.add(evaluation)
    db.session.flush()
    _log_stage(evaluation, actor_id)
    log_action(actor_id, "evaluation.created", evaluation, branch_id=branch.id, year=year)
    return evaluation


def update_evaluation(evaluation: Evaluation, changes: dict, actor_id: int | None) -> Evaluation:
    if evaluation.stage == S.closed:
        _conflict("The evaluation is closed.")
    fixed = {"basic_grade_enabled", "meeting_event_id"} & changes.keys()
    if fixed and at_least(evaluation, S.balloting) and any(
            getattr(evaluation, k) != changes[k] for k in fixed):
        _conflict("The grades on the form and the evaluation meeting are fixed once balloting opened.")
    if "meeting_event_id" in changes:
        _check_meeting(evaluation.branch_id, changes["meeting_event_id"])
    if "teller_member_ids" in changes:
        _check_tellers(evaluation.branch_id, changes["teller_member_ids"])
        changes["teller_member_ids"] = sorted(set(changes["teller_member_ids"] or []))
    for key, value in changes.items():
        setattr(evaluation, key, value)
    db.session.flush()
    log_action(actor_id, "evaluation.updated", evaluation, branch_id=evaluation.branch_id, fields=sorted(changes))
    return evaluation


def roll_members(branch_id: int, on: dt.date) -> list[Member]:
    """The members on the branch's roll on `on`: its own members (floating ones included) not yet gone."""
    members = db.session.scalars(sa.select(Member).where(Member.branch_id == branch_id).order_by(Member.id)).all()
    return [m for m in members if m.left_on is None or m.left_on >= on]


# --- moving between stages ------------------------------------------------------------------------

def _meeting_has_minutes(event_id: int) -> bool:
    text = db.session.scalar(sa.select(sa.func.length(sa.func.trim(Minutes.text))).where(Minutes.event_id == event_id))
    if text:
        return True
    return bool(db.session.scalar(sa.select(sa.func.count()).select_from(MinutesPhoto).join(Minutes)
                                  .where(Minutes.event_id == event_id)))


def missing_steps(evaluation: Evaluation, target: EvaluationStage) -> list[dict]:
    """What the move to `target` (the next stage) still needs: [{key, params, text}], the text in
    English naming who or what, the key and params for the app to word it; [] when ready."""
    from server.evaluation import ballots

    rows = evaluation.members
    steps = []

    def need(key: str, text: str, **params):
        steps.append({"key": key, "params": params, "text": text})

    if target == S.self_assessment:
        if not roll_members(evaluation.branch_id, clock.today()):
            need("no_roll", "The branch has no members on its roll.")
    elif target == S.peer_assessment:
        unwritten = [r for r in rows if not (r.self_assessment or "").strip()]
        if unwritten:
            need("self_assessments", f"Self-assessments not yet written: {_names(unwritten)}.", names=_names(unwritten))
    elif target == S.balloting:
        event = evaluation.meeting
        if event is None:
            need("meeting_unlinked", "Link the evaluation meeting (民主评议党员大会) first: peer assessment takes place there.")
        elif event.status == EventStatus.cancelled:
            need("meeting_cancelled", "The evaluation meeting was cancelled: link the meeting that replaces it.")
        elif event.starts_at > clock.now():
            day = local_day(event.starts_at).isoformat()
            need("meeting_not_begun",
                 f"The evaluation meeting has not begun (it starts {day}); balloting opens at the meeting.", date=day)
    elif target == S.grading:
        pending = ballots.pending_paper_count(evaluation)
        if pending:
            need("paper_unconfirmed", f"{pending} paper form(s) entered but not yet confirmed by a second teller.",
                 count=pending)
        if not ballots.ballot_count(evaluation):
            need("no_ballot", "No ballot has been cast.")
    elif target == S.review:
        ungraded = [r for r in rows if r.grade is None]
        if ungraded:
            need("grades_missing", f"Grades not yet proposed: {_names(ungraded)}.", names=_names(ungraded))
        unhandled = [r for r in rows if r.grade == EvaluationGrade.unqualified
                     and r.handling_kind not in UNQUALIFIED_HANDLINGS]
        if unhandled:
            need("handling_missing", f"Unqualified grades without a handling decision: {_names(unhandled)}.",
                 names=_names(unhandled))
        if evaluation.meeting_event_id is None or not _meeting_has_minutes(evaluation.meeting_event_id):
            need("minutes_missing",
                 "The evaluation meeting's minutes (the record of the peer assessment) are not written.")
    return steps


def missing_for(evaluation: Evaluation, target: EvaluationStage) -> list[str]:
    return [step["text"] for step in missing_steps(evaluation, target)]


def next_stage(evaluation: Evaluation) -> EvaluationStage | None:
    index = ORDER[evaluation.stage]
    return STAGES[index + 1] if index + 1 < len(STAGES) else None


def _wrong_stage(evaluation: Evaluation, target: EvaluationStage):
    now = evaluation.stage.value
    if target == S.grading and not at_least(evaluation, S.balloting):
        _conflict(f"Balloting cannot close: it has not opened (stage: {now}).")
    if target == S.review and not at_least(evaluation, S.grading):
        _conflict(f"Grades are submitted for review after the ballot closed (stage: {now}).")
    if target == S.feedback:
        _conflict("Feedback begins by itself when the superior committee has approved every grade.")
    _conflict(f"The evaluation is at stage {now}; it cannot move to {target.value} "
              f"(next: {next_stage(evaluation).value if next_stage(evaluation) else 'none'}).")


def advance(evaluation: Evaluation, target: EvaluationStage, actor_id: int | None) -> Evaluation:
    from server.evaluation import ballots

    if target != next_stage(evaluation) or target == S.feedback:
        _wrong_stage(evaluation, target)
    steps = missing_steps(evaluation, target)
    if steps:
        texts = [step["text"] for step in steps]
        abort(409, message=f"Cannot move to {target.value}: " + " ".join(texts),
              errors={"missing": texts, "steps": [{"key": st["key"], "params": st["params"]} for st in steps]})
    data = {}
    if target == S.self_assessment:
        roll = roll_members(evaluation.branch_id, clock.today())
        for member in roll:
            db.session.add(EvaluationMember(evaluation_id=evaluation.id, member_id=member.id))
        data["roll"] = len(roll)
    elif target == S.balloting:
        ballots.open_balloting(evaluation)
    elif target == S.grading:
        data.update(ballots.close_balloting(evaluation))
    elif target == S.review:
        for row in evaluation.members:
            if row.review != ReviewState.approved:
                row.review = ReviewState.pending
    evaluation.stage = target
    db.session.flush()
    _log_stage(evaluation, actor_id)
    log_action(actor_id, "evaluation.stage", evaluation, branch_id=evaluation.branch_id, stage=target.value, **data)
    db.session.expire(evaluation, ["members", "stage_changes"])
    return evaluation


# --- self-assessment ------------------------------------------------------------------------------

def write_self_assessment(evaluation: Evaluation, row: EvaluationMember, text: str, nonce: str,
                          actor_user_id: int, on_behalf: bool) -> EvaluationMember:
    """The member's self-assessment (or the secretary's record of what a member without a phone
    said, `on_behalf`). Idempotent by the phone's nonce: an outbox retry changes nothing."""
    if row.self_assessment_nonce == nonce:
        return row
    if evaluation.stage not in (S.self_assessment, S.peer_assessment):
        _conflict("Self-assessments are written from the self-assessment stage until balloting opens "
                  f"(stage: {evaluation.stage.value}).")
    text = text.strip()
    if len(text) < 2:
        _field("text", "The self-assessment is empty.")
    row.self_assessment = text
    row.self_assessment_at = clock.now()
    row.self_assessment_by_id = actor_user_id
    row.self_assessment_nonce = nonce
    db.session.flush()
    log_action(actor_user_id, "evaluation.self_assessment_written", row, branch_id=evaluation.branch_id,
               evaluation_id=evaluation.id, member_id=row.member_id, on_behalf=on_behalf, length=len(text))
    return row


# --- grades, handling, review, feedback -------------------------------------------------------------

UNQUALIFIED_HANDLINGS = (HandlingKind.deadline_improvement, HandlingKind.persuade_to_leave, HandlingKind.removal)


def _may_grade(evaluation: Evaluation, row: EvaluationMember) -> None:
    if evaluation.stage == S.grading:
        return
    if evaluation.stage == S.review:
        if row.review == ReviewState.returned:
            return
        _conflict(f"{row.member.name}'s grade is with the superior committee; only a returned grade changes.")
    if not at_least(evaluation, S.grading):
        _conflict(f"Grades are proposed once the ballot closed (stage: {evaluation.stage.value}).")
    _conflict("The grades were reviewed; they no longer change.")


def _handling_fits(grade: EvaluationGrade | None, kind: HandlingKind | None) -> bool:
    if kind is None:
        return True
    if grade == EvaluationGrade.unqualified:
        return kind in UNQUALIFIED_HANDLINGS
    return grade == EvaluationGrade.basically_qualified and kind == HandlingKind.education


def _clear_handling(row: EvaluationMember) -> None:
    for name in ("handling_kind", "handling_note", "handling_decided_on", "handling_event_id", "improve_by",
                 "previous_decision_on"):
        setattr(row, name, None)


def propose_grade(evaluation: Evaluation, row: EvaluationMember, grade: EvaluationGrade, note: str | None,
                  actor_id: int | None) -> EvaluationMember:
    _may_grade(evaluation, row)
    if grade not in grades_of(evaluation):
        _field("grade", "基本合格 is not a grade of this evaluation (the branch did not enable it).")
    if evaluation.stage == S.review and grade == EvaluationGrade.unqualified and \
            row.handling_kind not in UNQUALIFIED_HANDLINGS:
        _conflict("Record the handling decision before proposing an unqualified grade again.")
    if not _handling_fits(grade, row.handling_kind):
        _clear_handling(row)
    row.grade = grade
    row.grade_note = note.strip() if note and note.strip() else None
    row.proposed_at = clock.now()
    if evaluation.stage == S.review:
        row.review = ReviewState.pending
    db.session.flush()
    log_action(actor_id, "evaluation.grade_proposed", row, branch_id=evaluation.branch_id,
               evaluation_id=evaluation.id, member_id=row.member_id, grade=grade.value)
    return row


def _history(row: EvaluationMember) -> list[EvaluationMember]:
    """The member's rows in earlier evaluations, most recent first."""
    return db.session.scalars(
        sa.select(EvaluationMember).join(Evaluation)
        .where(EvaluationMember.member_id == row.member_id, Evaluation.year < row.evaluation.year)
        .order_by(Evaluation.year.desc())).all()


def _check_assembly(evaluation: Evaluation, event_id: int | None, decided_on: dt.date) -> None:
    event = db.session.get(Event, event_id) if event_id is not None else None
    if event is None or event.branch_id != evaluation.branch_id or event.kind not in ASSEMBLY_KINDS \
            or event.status == EventStatus.cancelled or local_day(event.starts_at) > decided_on:
        _field("event_id", "A persuasion to leave or a removal is decided by the branch's general assembly: "
                           "name the assembly (held on or before the decision) that decided it.")


def record_handling(evaluation: Evaluation, row: EvaluationMember, data: dict,
                    actor_id: int | None) -> EvaluationMember:
    """The handling decision beside a basically qualified or unqualified grade, as the rules allow
    (党章第九条; docs/decisions.md "Handling an unqualified grade"):
    - basically qualified: education (教育帮助);
    - unqualified, the first time: 限期改正 with the date to improve by (at most a year);
    - 劝退 only after an earlier 限期改正 without change, 除名 only when a member persuaded to leave
      refuses: both follow an earlier decision (on record here, or its date given) and are decided
      by the general assembly (the meeting is named); the superior committee's approval is its
      review of the grade."""
    _may_grade(evaluation, row)
    kind: HandlingKind = data["kind"]
    if row.grade not in (EvaluationGrade.unqualified, EvaluationGrade.basically_qualified):
        _conflict("Only a basically qualified or an unqualified grade has a handling decision; "
                  "propose the grade first.")
    if not _handling_fits(row.grade, kind):
        if row.grade == EvaluationGrade.unqualified:
            _field("kind", "An unqualified grade is handled by 限期改正, 劝其退党 or 除名 (党章第九条), not by education alone.")
        _field("kind", "A basically qualified grade is handled by education and help (教育帮助).")
    today = clock.today()
    decided_on = data.get("decided_on") or today
    if decided_on > today:
        _field("decided_on", "The decision's date cannot be in the future.")
    improve_by = data.get("improve_by")
    previous_on = data.get("previous_decision_on")
    if kind == HandlingKind.deadline_improvement:
        if improve_by is None or not decided_on < improve_by <= decided_on + dt.timedelta(days=IMPROVE_MAX_DAYS):
            _field("improve_by", "限期改正 names the date to improve by, after the decision and within a year.")
    else:
        improve_by = None
    if kind in (HandlingKind.persuade_to_leave, HandlingKind.removal):
        earlier = HandlingKind.deadline_improvement if kind == HandlingKind.persuade_to_leave \
            else HandlingKind.persuade_to_leave
        on_record = any(h.handling_kind == earlier and h.review == ReviewState.approved for h in _history(row))
        if not on_record and (previous_on is None or previous_on >= decided_on):
            what = "限期改正" if earlier == HandlingKind.deadline_improvement else "劝其退党"
            _field("previous_decision_on",
                   f"{'劝其退党' if kind == HandlingKind.persuade_to_leave else '除名'} follows an earlier {what} "
                   "decision: none is on record for this member, so give the date it was decided.")
        _check_assembly(evaluation, data.get("event_id"), decided_on)
    else:
        previous_on = None
    row.handling_kind = kind
    row.handling_note = (data.get("note") or "").strip() or None
    row.handling_decided_on = decided_on
    assembly = kind in (HandlingKind.persuade_to_leave, HandlingKind.removal)
    row.handling_event_id = data.get("event_id") if assembly else None
    row.improve_by = improve_by
    row.previous_decision_on = previous_on
    if evaluation.stage == S.review:
        row.review = ReviewState.pending
    db.session.flush()
    log_action(actor_id, "evaluation.handling_recorded", row, branch_id=evaluation.branch_id,
               evaluation_id=evaluation.id, member_id=row.member_id, kind=kind.value)
    return row


def review(evaluation: Evaluation, approve: bool, member_ids: list[int] | None, reason: str | None,
           actor_id: int | None) -> Evaluation:
    """The superior committee approves proposed grades or returns them with its reason (all the
    ones awaiting review, or those of `member_ids`). When every grade is approved, feedback begins."""
    if evaluation.stage != S.review:
        _conflict("Nothing to review: the branch has not submitted grades for review "
                  f"(stage: {evaluation.stage.value}).")
    pending = [r for r in evaluation.members if r.review == ReviewState.pending]
    if member_ids:
        by_member = {r.member_id: r for r in evaluation.members}
        unknown = [m for m in member_ids if m not in by_member]
        if unknown:
            _field("member_ids", "Not on this evaluation's roll.")
        waiting = [by_member[m] for m in dict.fromkeys(member_ids)]
        not_pending = [r for r in waiting if r.review != ReviewState.pending]
        if not_pending:
            _conflict(f"Only proposed grades are reviewed: {_names(not_pending)} not awaiting review.")
        pending = waiting
    if not pending:
        _conflict("No grade is awaiting review.")
    reason = reason.strip() if reason else None
    if not approve and not reason:
        _field("reason", "Say why the grades are returned; the branch sees the reason.")
    now = clock.now()
    for row in pending:
        row.review = ReviewState.approved if approve else ReviewState.returned
        row.review_reason = None if approve else reason
        row.reviewed_at = now
        row.reviewed_by_id = actor_id
    db.session.flush()
    log_action(actor_id, "evaluation.reviewed", evaluation, branch_id=evaluation.branch_id, approved=approve,
               member_ids=[r.member_id for r in pending], reason=reason)
    if all(r.review == ReviewState.approved for r in evaluation.members):
        evaluation.stage = S.feedback
        db.session.flush()
        _log_stage(evaluation, actor_id)
        log_action(actor_id, "evaluation.stage", evaluation, branch_id=evaluation.branch_id, stage=S.feedback.value)
        # Each member is told their result is ready; the grade itself is shown only in the app
        # (a push can light up a locked phone's screen).
        notify_members([r.member_id for r in evaluation.members], NotificationKind.evaluation,
                       "民主评议结果已反馈",
                       f"您的{evaluation.year}年度民主评议结果已经上级党委审核，请在“民主评议”中查看。",
                       lambda member_id: "/evaluation")
    db.session.expire(evaluation, ["stage_changes"])
    return evaluation


def write_feedback(evaluation: Evaluation, row: EvaluationMember, text: str, actor_id: int | None) -> EvaluationMember:
    if evaluation.stage != S.feedback:
        _conflict("Feedback is written once every grade was approved, until the evaluation closes "
                  f"(stage: {evaluation.stage.value}).")
    text = text.strip()
    if len(text) < 2:
        _field("text", "The feedback is empty.")
    row.feedback = text
    row.feedback_at = clock.now()
    db.session.flush()
    log_action(actor_id, "evaluation.feedback_written", row, branch_id=evaluation.branch_id,
               evaluation_id=evaluation.id, member_id=row.member_id)
    return row


# --- reading ----------------------------------------------------------------------------------------

def row_of(evaluation: Evaluation, member_id: int) -> EvaluationMember:
    if evaluation.stage == S.preparing:
        _conflict("The evaluation is being prepared: its roll is fixed when self-assessment begins.")
    row = db.session.scalar(sa.select(EvaluationMember).where(EvaluationMember.evaluation_id == evaluation.id,
                                                              EvaluationMember.member_id == member_id))
    if row is None:
        abort(404, message="This member is not on the evaluation's roll.")
    return row


def branch_evaluations(branch_ids, year: int | None = None) -> list[Evaluation]:
    stmt = sa.select(Evaluation).where(Evaluation.branch_id.in_(list(branch_ids)))
    if year is not None:
        stmt = stmt.where(Evaluation.year == year)
    return db.session.scalars(stmt.order_by(Evaluation.year.desc(), Evaluation.id)).all()


def member_rows(member_id: int) -> list[EvaluationMember]:
    return db.session.scalars(
        sa.select(EvaluationMember).join(Evaluation).where(EvaluationMember.member_id == member_id)
        .order_by(Evaluation.year.desc())).all()


def _stages(evaluation: Evaluation) -> list[dict]:
    return [{"stage": c.stage.value, "at": c.at} for c in evaluation.stage_changes]


def _meeting(evaluation: Evaluation) -> dict | None:
    event = evaluation.meeting
    if event is None:
        return None
    return {"id": event.id, "title": event.title, "starts_at": event.starts_at, "status": event.status.value,
            "has_minutes": _meeting_has_minutes(event.id)}


def _public_key(evaluation: Evaluation) -> dict | None:
    if evaluation.stage != S.balloting or evaluation.ballot_key_n is None:
        return None
    return {"n": evaluation.ballot_key_n, "e": evaluation.ballot_key_e}


def summary(evaluation: Evaluation) -> dict:
    """The evaluation with its dates, settings and progress, without anybody's texts or grades."""
    from server.evaluation import ballots

    rows = evaluation.members
    after = next_stage(evaluation)
    return {
        "id": evaluation.id, "branch_id": evaluation.branch_id, "branch_name": evaluation.branch.name,
        "year": evaluation.year, "title": evaluation.title, "stage": evaluation.stage.value,
        "stages": _stages(evaluation), "basic_grade_enabled": evaluation.basic_grade_enabled,
        "grades": [g.value for g in grades_of(evaluation)], "meeting": _meeting(evaluation),
        "meeting_event_id": evaluation.meeting_event_id, "self_assessment_due": evaluation.self_assessment_due,
        "teller_member_ids": list(evaluation.teller_member_ids or []),
        "ballot_key": _public_key(evaluation),
        "progress": {
            "roll": len(rows),
            "self_assessments": sum(1 for r in rows if r.self_assessment),
            "ballots_issued_phone": sum(1 for r in rows if r.ballot_issued == BallotIssue.phone),
            "paper_handed": sum(1 for r in rows if r.ballot_issued == BallotIssue.paper),
            **ballots.box_counts(evaluation),
            "grades_proposed": sum(1 for r in rows if r.grade is not None),
            "pending_review": sum(1 for r in rows if r.review == ReviewState.pending),
            "returned": sum(1 for r in rows if r.review == ReviewState.returned),
            "approved": sum(1 for r in rows if r.review == ReviewState.approved),
        },
        "next_stage": after.value if after and after != S.feedback else None,
        **_missing(evaluation, after),
    }


def _missing(evaluation: Evaluation, after: EvaluationStage | None) -> dict:
    steps = missing_steps(evaluation, after) if after and after != S.feedback else []
    return {"missing": [st["text"] for st in steps],
            "missing_steps": [{"key": st["key"], "params": st["params"]} for st in steps]}


def roll_row(row: EvaluationMember) -> dict:
    """One member's line on the branch's view (its managers and the committee)."""
    member = row.member
    return {
        "member_id": row.member_id, "name": member.name, "status": member.status.value,
        "group_name": member.group.name if member.group else None,
        "has_self_assessment": bool(row.self_assessment), "self_assessment_at": row.self_assessment_at,
        "written_on_behalf": _on_behalf(row), "ballot_issued": row.ballot_issued.value if row.ballot_issued else None,
        **_grade_fields(row),
        "review": row.review.value if row.review else None, "review_reason": row.review_reason,
        "has_feedback": bool(row.feedback),
    }


def _on_behalf(row: EvaluationMember) -> bool:
    if row.self_assessment_by_id is None:
        return False
    from server.auth.models import User

    author = db.session.get(User, row.self_assessment_by_id)
    return author is None or author.member_id != row.member_id


def _grade_fields(row: EvaluationMember) -> dict:
    return {
        "grade": row.grade.value if row.grade else None, "grade_note": row.grade_note,
        "handling": None if row.handling_kind is None else {
            "kind": row.handling_kind.value, "note": row.handling_note, "decided_on": row.handling_decided_on,
            "event_id": row.handling_event_id, "improve_by": row.improve_by,
            "previous_decision_on": row.previous_decision_on},
    }


def detail(evaluation: Evaluation) -> dict:
    return {**summary(evaluation), "members": [roll_row(r) for r in evaluation.members]}


def sheet(row: EvaluationMember, *, as_branch: bool) -> dict:
    """A member's sheet: the self-assessment with their year beside it; the grade, its handling
    and the feedback once reviewed (the branch and the committee see them as they are made, and
    the tally once the ballot closed)."""
    from server.evaluation import ballots

    evaluation = row.evaluation
    graded = as_branch or evaluation.stage in GRADED
    data = {
        "evaluation_id": evaluation.id, "member_id": row.member_id, "name": row.member.name,
        "stage": evaluation.stage.value, "year": evaluation.year,
        "self_assessment": row.self_assessment, "self_assessment_at": row.self_assessment_at,
        "written_on_behalf": _on_behalf(row),
        "ballot_issued": row.ballot_issued.value if row.ballot_issued else None,
        "year_summary": year_summary(row.member, evaluation.year),
        "grade": None, "grade_note": None, "handling": None, "feedback": None, "feedback_at": None,
        "review": None, "review_reason": None, "tally": None,
    }
    if graded:
        data.update(_grade_fields(row))
        data.update(feedback=row.feedback, feedback_at=row.feedback_at)
    if as_branch:
        data.update(review=row.review.value if row.review else None, review_reason=row.review_reason)
        if at_least(evaluation, S.grading):
            data["tally"] = ballots.tally(evaluation)["by_member"].get(row.member_id)
    return data


def mine(member_id: int) -> list[dict]:
    """The member's evaluations, newest first: the summary, their own sheet, and while balloting is
    open the form (who is assessed, the grades) and the key their phone blinds its token with."""
    result = []
    for row in member_rows(member_id):
        evaluation = row.evaluation
        base = summary(evaluation)
        base.pop("missing")
        base.pop("missing_steps")
        base.pop("teller_member_ids")
        entry = {**base, "me": sheet(row, as_branch=False),
                 "is_teller": member_id in (evaluation.teller_member_ids or []),
                 "form": ballot_form(evaluation) if evaluation.stage == S.balloting else None}
        result.append(entry)
    return result


def ballot_form(evaluation: Evaluation) -> dict:
    return {"evaluation_id": evaluation.id, "title": evaluation.title, "branch_name": evaluation.branch.name,
            "grades": [g.value for g in grades_of(evaluation)],
            "members": [{"id": r.member_id, "name": r.member.name} for r in evaluation.members]}


# --- the member's year (records feed evaluation) -------------------------------------------------------

def dues_of_year(member: Member, year: int) -> dict:
    """The member's dues for the year: {"months_due", "months_paid", "paid_fen"} (server.dues)."""
    from server.dues.operations import year_of

    return year_of(member, year)


def year_summary(member: Member, year: int) -> dict:
    """What the records say of the member's year, read-only beside the self-assessment: the events
    they were expected at that took place and how many they attended, their records and how many
    the branch confirmed, and their dues (dues_of_year)."""
    from server.events.attendance import events_expected_for
    from server.records.models import Record

    start, end = clock.china_time(dt.date(year, 1, 1)), clock.china_time(dt.date(year + 1, 1, 1))
    now = clock.now()
    expected = [e for e in events_expected_for(member, start, end)
                if e.status == EventStatus.held or (e.status != EventStatus.cancelled and e.starts_at <= now)]
    records = db.session.scalars(sa.select(Record).where(
        Record.member_id == member.id, Record.occurred_on >= dt.date(year, 1, 1),
        Record.occurred_on <= dt.date(year, 12, 31), Record.refused_at.is_(None))).all()
    attended = {r.event_id for r in records if r.kind == RecordKind.attendance}
    return {
        "year": year,
        "events_expected": len(expected),
        "events_attended": sum(1 for e in expected if e.id in attended),
        "records": len(records),
        "records_confirmed": sum(1 for r in records if r.confirmed_at is not None),
        "records_by_kind": {kind.value: n for kind in RecordKind
                            if (n := sum(1 for r in records if r.kind == kind))},
        "dues": dues_of_year(member, year),
    }

"""EVAL-feedback (SPEC system 2), registered in the compliance registry, and its facts.

Every member on the roll of the year's evaluation got a grade reviewed by the superior committee:
met on the day the evaluation reached `feedback` (every grade approved; each member then sees
theirs). The evaluation usually runs at the year's end, and the review may take the first weeks
of the next year: the deadline is 31 January of the next year (FEEDBACK_BY). Until then the rule
is due, after it missed; met after it is late. Without an evaluation the members on the branch's
roll are the ones waiting. One line per member without a reviewed grade in `evidence.details`.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict

import sqlalchemy as sa

from server.calendar.days import local_day
import server.compliance.rules  # noqa: F401 - the engine's own rules register first: views list rules in that order
from server.compliance.messages import add_templates
from server.compliance.registry import YEAR, Evidence, NextStep, Period, Result, Scope, State, facts_loader, rule
from server.core.db import db
from server.evaluation.models import Evaluation, EvaluationMember, EvaluationStage, EvaluationStageChange, ReviewState
from server.org.models import Member

RULE_ID = "EVAL-feedback"
# The reviewed grades reach every member by this day of the next year.
FEEDBACK_BY = (1, 31)

STAGE_ZH = {"preparing": "准备", "self_assessment": "个人自评", "peer_assessment": "党员互评",
            "balloting": "民主测评", "grading": "组织评定", "review": "上级审核", "feedback": "结果反馈",
            "closed": "已结束"}
WAITING_ZH = {None: "尚未评定等次", "pending": "评定等次待上级党委审核", "returned": "评定等次被上级党委退回，待支部重新评定",
              "approved": "等次已审核，待全部审核后反馈"}

add_templates({
    "eval.feedback.none": "{year}年度民主评议党员尚未开展，须在{deadline}前将经上级党委审核的评议结果反馈每名党员",
    "eval.feedback.pending": "{year}年度民主评议处于“{stage_zh}”阶段，尚有{count}名党员未获经审核的评议等次，须在{deadline}前反馈",
    "eval.feedback.late": "{year}年度民主评议结果于{done}反馈，晚于{deadline}",
})


@dataclasses.dataclass(frozen=True)
class Participant:
    member_id: int
    name: str
    review: str | None  # pending | approved | returned, None before a grade was submitted


@dataclasses.dataclass(frozen=True)
class EvaluationFacts:
    evaluation_id: int | None
    stage: str | None
    feedback_on: dt.date | None  # the day every grade was approved (the stage `feedback` began)
    participants: tuple[Participant, ...] = ()
    roll: tuple[tuple[int, str], ...] = ()  # the branch's members, when there is no evaluation


def deadline_of(year: int) -> dt.date:
    return dt.date(year + 1, *FEEDBACK_BY)


@rule(RULE_ID, system=2, period=YEAR, title="民主评议结果经上级党组织审核后反馈每名党员")
def evaluation_feedback(scope: Scope, period: Period, today: dt.date, facts) -> Result:
    f: EvaluationFacts | None = facts.extra.get("evaluation")
    deadline = deadline_of(period.year)
    params = {"year": period.year, "deadline": deadline}
    if f is None or (f.evaluation_id is None and not f.roll):
        return Result(State.not_applicable)
    if f.evaluation_id is not None and f.feedback_on is not None:
        evidence = Evidence(members=[p.member_id for p in f.participants])
        if f.feedback_on <= deadline:
            return Result(State.met, evidence, deadline=deadline)
        return Result(State.late, evidence, NextStep("eval.feedback.late", {**params, "done": f.feedback_on}), deadline)
    # Before the roll is fixed (no evaluation, or one still preparing) the branch's members wait.
    waiting = [(p.member_id, p.name, p.review) for p in f.participants] or \
        [(member_id, name, None) for member_id, name in f.roll]
    if f.evaluation_id is None:
        step = NextStep("eval.feedback.none", params)
    else:
        step = NextStep("eval.feedback.pending", {**params, "stage": f.stage,
                                                  "stage_zh": STAGE_ZH.get(f.stage, f.stage),
                                                  "count": len(waiting), "evaluation_id": f.evaluation_id})
    evidence = Evidence(members=[m for m, _, _ in waiting],
                        details=[f"{name}：{WAITING_ZH.get(review, WAITING_ZH[None])}" for _, name, review in waiting])
    return Result(State.due if today <= deadline else State.missed, evidence, step, deadline)


@facts_loader("evaluation")
def load_evaluation_facts(branch_ids: list[int], year: int, today: dt.date) -> dict[int, EvaluationFacts]:
    """The year's evaluation of each branch with its roll and reviews, or the branch's roll when it
    has none: four queries for any number of branches."""
    if not branch_ids:
        return {}
    evaluations = db.session.execute(
        sa.select(Evaluation.id, Evaluation.branch_id, Evaluation.stage)
        .where(Evaluation.branch_id.in_(branch_ids), Evaluation.year == year)).all()
    ids = [e.id for e in evaluations]
    participants = defaultdict(list)
    feedback_on = {}
    if ids:
        for row in db.session.execute(
                sa.select(EvaluationMember.evaluation_id, EvaluationMember.member_id, Member.name,
                          EvaluationMember.review)
                .join(Member, Member.id == EvaluationMember.member_id)
                .where(EvaluationMember.evaluation_id.in_(ids)).order_by(EvaluationMember.member_id)):
            review = row.review.value if isinstance(row.review, ReviewState) else row.review
            participants[row.evaluation_id].append(Participant(row.member_id, row.name, review))
        for evaluation_id, at in db.session.execute(
                sa.select(EvaluationStageChange.evaluation_id, sa.func.min(EvaluationStageChange.at))
                .where(EvaluationStageChange.evaluation_id.in_(ids),
                       EvaluationStageChange.stage == EvaluationStage.feedback)
                .group_by(EvaluationStageChange.evaluation_id)):
            if at is not None:
                if at.tzinfo is None:  # SQLite's min() returns the stored naive UTC text
                    at = at.replace(tzinfo=dt.timezone.utc)
                feedback_on[evaluation_id] = local_day(at)
    by_branch = {e.branch_id: e for e in evaluations}
    # The branches whose roll is not fixed yet: no evaluation, or one without its roll (preparing).
    unfixed = [b for b in branch_ids if b not in by_branch or not participants[by_branch[b].id]]
    roll = defaultdict(list)
    if unfixed:
        on = min(today, dt.date(year, 12, 31))
        for member_id, branch_id, name, left_on in db.session.execute(
                sa.select(Member.id, Member.branch_id, Member.name, Member.left_on)
                .where(Member.branch_id.in_(unfixed)).order_by(Member.id)):
            if left_on is None or left_on >= on:
                roll[branch_id].append((member_id, name))
    result = {}
    for branch_id in branch_ids:
        e = by_branch.get(branch_id)
        if e is None:
            result[branch_id] = EvaluationFacts(None, None, None, (), tuple(roll[branch_id]))
            continue
        stage = e.stage.value if isinstance(e.stage, EvaluationStage) else e.stage
        result[branch_id] = EvaluationFacts(e.id, stage, feedback_on.get(e.id), tuple(participants[e.id]),
                                            tuple(roll[branch_id]))
    return result

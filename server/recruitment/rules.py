"""REC-timeline (SPEC system 5), registered in the compliance registry, and its facts.

Every step of the road to membership that the rules time (the talk within a month of the letter,
an assessment every half year, the candidate after a year as activist, the committee's approval
within three months of a vote, the assembly's discussion when probation ends) is judged for the
month asked: met, due, late or missed (pipeline.judge), one line per step in `evidence.details`,
the most pressing one as the next step. The evaluator is pure: the facts are the branch's cases
as `pipeline.Case`, loaded for all branches with three queries.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict

import sqlalchemy as sa

import server.compliance.rules  # noqa: F401 - the meeting systems' rules register first (the views list rules in order)
from server.compliance.messages import STATE_ZH, add_templates, render
from server.compliance.registry import MONTH, Evidence, NextStep, Period, Result, Scope, State, facts_loader, rule
from server.core.db import db
from server.org.models import Member
from server.recruitment import pipeline
from server.recruitment.models import RecruitmentCase, RecruitmentContact, RecruitmentStep

RULE_ID = "REC-timeline"

# The next steps and evidence lines (Chinese, as a branch office words them): rec.<what>.<state>.
add_templates({
    "rec.none": "本支部目前没有发展党员工作对象",
    "rec.talk.met": "{name}于{since}递交入党申请书，{done}已派人谈话",
    "rec.talk.due": "{name}于{since}递交入党申请书，须在{deadline}前派人同其谈话",
    "rec.talk.late": "{name}的入党谈话于{done}进行，晚于{deadline}",
    "rec.talk.overdue": "{name}于{since}递交入党申请书，应在{deadline}前派人谈话，现已逾期",
    "rec.talk.missed": "{name}于{since}递交入党申请书，未在{deadline}前派人谈话",
    "rec.assessment.met": "入党积极分子{name}的培养考察于{done}进行",
    "rec.assessment.due": "入党积极分子{name}的培养考察应于{deadline}前进行",
    "rec.assessment.late": "入党积极分子{name}的培养考察于{done}进行，晚于{deadline}",
    "rec.assessment.overdue": "入党积极分子{name}的培养考察应于{deadline}前进行，现已逾期",
    "rec.assessment.missed": "入党积极分子{name}的培养考察未在{deadline}前进行",
    "rec.candidate.met": "{name}于{done}确定为发展对象，距确定为入党积极分子（{since}）已满一年",
    "rec.admission_approval.met": "上级党委于{done}审批{name}的接收预备党员决议（{since}）",
    "rec.admission_approval.due": "{name}的接收预备党员决议（{since}）须在{deadline}前经上级党委审批",
    "rec.admission_approval.late": "上级党委于{done}审批{name}的接收预备党员决议，晚于{deadline}",
    "rec.admission_approval.overdue": "{name}的接收预备党员决议（{since}）应在{deadline}前经上级党委审批，现已逾期",
    "rec.admission_approval.missed": "{name}的接收预备党员决议（{since}）未在{deadline}前经上级党委审批",
    "rec.conversion.met": "{name}的预备期于{since}届满，支部党员大会于{done}讨论其转正",
    "rec.conversion.due": "{name}的预备期于{since}届满，支部党员大会须在{deadline}前讨论其能否转为正式党员",
    "rec.conversion.late": "支部党员大会于{done}讨论{name}的转正，晚于{deadline}（预备期于{since}届满）",
    "rec.conversion.overdue": "{name}的预备期已于{since}届满，支部党员大会须讨论其能否转为正式党员（应于{deadline}前，已逾期）",
    "rec.conversion.missed": "{name}的预备期于{since}届满，支部党员大会未在{deadline}前讨论其转正",
    "rec.conversion_approval.met": "上级党委于{done}审批{name}的转正决议（{since}）",
    "rec.conversion_approval.due": "{name}的转正决议（{since}）须在{deadline}前经上级党委审批",
    "rec.conversion_approval.late": "上级党委于{done}审批{name}的转正决议，晚于{deadline}",
    "rec.conversion_approval.overdue": "{name}的转正决议（{since}）应在{deadline}前经上级党委审批，现已逾期",
    "rec.conversion_approval.missed": "{name}的转正决议（{since}）未在{deadline}前经上级党委审批",
})

# Which of a period's states comes first in the list and names the next step.
ORDER = ("missed", "late", "due", "met")


def step_key(ob: pipeline.Obligation, state: str, today: dt.date) -> str:
    """rec.<what>.<state>, "overdue" for a step still to do after its deadline."""
    if state == "late" and (ob.done_on is None or ob.done_on > today):
        state = "overdue"
    return f"rec.{ob.key}.{state}"


def next_step(case: pipeline.Case, ob: pipeline.Obligation, key: str, member_id: int | None = None) -> NextStep:
    params = {"name": case.name, "case_id": case.id, "since": ob.since}
    if ob.deadline is not None:
        params["deadline"] = ob.deadline
    if ob.done_on is not None:
        params["done"] = ob.done_on
    if member_id is not None:
        params["member_id"] = member_id
    return NextStep(key, params)


@rule(RULE_ID, system=5, period=MONTH, title="发展党员各环节按程序和时限进行，逾期环节及时提醒")
def recruitment_timeline(scope: Scope, period: Period, today: dt.date, facts) -> Result:
    cases: list[pipeline.Case] = facts.extra.get("recruitment") or []
    judged = []
    for case in cases:
        for ob in pipeline.obligations(case):
            state = pipeline.judge(ob, period.start, period.end, today)
            if state is not None:
                judged.append((ORDER.index(state), ob.deadline or ob.done_on or ob.since, case, ob, state))
    if not judged:
        if not any(pipeline.replay(c.steps).stage in pipeline.PRE_MEMBER | {pipeline.Stage.probationary}
                   for c in cases):
            return Result(State.not_applicable, next_step=NextStep("rec.none"))
        return Result(State.met)
    judged.sort(key=lambda j: (j[0], j[1], j[2].name))
    evidence = Evidence()
    steps = []
    for _, _, case, ob, state in judged:
        step = next_step(case, ob, step_key(ob, state, today), case.member_id)
        steps.append((state, step))
        evidence.details.append(f"{STATE_ZH[State(state)]}：{render(step)}")
        if ob.step_id is not None:
            evidence.recruitment_steps.append(ob.step_id)
        if case.member_id is not None and case.member_id not in evidence.members:
            evidence.members.append(case.member_id)
    state, first = steps[0]
    deadlines = [ob.deadline for _, _, _, ob, s in judged
                 if s in ("due", "late") and ob.done_on is None and ob.deadline]
    deadline = min(deadlines) if deadlines else None
    return Result(State(state), evidence, first if state != "met" else None, deadline)


@facts_loader("recruitment")
def load_cases(branch_ids: list[int], year: int, today: dt.date) -> dict[int, list[pipeline.Case]]:
    """Every case of the branches, with its steps and contacts: three queries for any number of branches."""
    if not branch_ids:
        return {}
    cases = db.session.execute(
        sa.select(RecruitmentCase.id, RecruitmentCase.branch_id, RecruitmentCase.name, RecruitmentCase.birth_date,
                  RecruitmentCase.member_id)
        .where(RecruitmentCase.branch_id.in_(branch_ids)).order_by(RecruitmentCase.id)).all()
    ids = [c.id for c in cases]
    steps = defaultdict(list)
    contacts = defaultdict(list)
    if ids:
        for row in db.session.execute(
                sa.select(RecruitmentStep).where(RecruitmentStep.case_id.in_(ids))).scalars():
            steps[row.case_id].append(to_step(row))
        for row, name in db.session.execute(
                sa.select(RecruitmentContact, Member.name).join(Member, Member.id == RecruitmentContact.member_id)
                .where(RecruitmentContact.case_id.in_(ids))).all():
            contacts[row.case_id].append(to_contact(row, name))
    result: dict[int, list[pipeline.Case]] = defaultdict(list)
    for c in cases:
        result[c.branch_id].append(pipeline.Case(c.name, tuple(steps[c.id]), c.id, c.birth_date,
                                                 tuple(contacts[c.id]), c.member_id))
    return dict(result)


def to_step(row: RecruitmentStep) -> pipeline.Step:
    votes = None
    if row.votes_for is not None:
        votes = pipeline.Votes(row.votes_for, row.votes_against or 0, row.abstentions or 0, row.present or 0,
                               row.entitled or 0)
    return pipeline.Step(row.kind, row.on, row.id, row.decided_by, votes, row.outcome, row.extension_months)


def to_contact(row: RecruitmentContact, name: str) -> pipeline.Contact:
    return pipeline.Contact(row.member_id, name, row.assigned_on, row.ended_on)

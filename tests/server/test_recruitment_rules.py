"""REC-timeline (server/recruitment/rules.py) over plain facts, on explicit dates: met, due, late,
missed and not-applicable, its next step and the one line per step of its evidence."""
from __future__ import annotations

import dataclasses
import datetime as dt

from server.compliance.registry import BRANCH, MONTH, REGISTRY, Period, Scope, State
from server.recruitment import pipeline as p
from server.recruitment.pipeline import Outcome, Step, StepKind, Votes
from server.recruitment.rules import RULE_ID, recruitment_timeline

D = dt.date
K = StepKind
SCOPE = Scope(BRANCH)
PASS = Votes(9, 0, 0, 9, 10)


@dataclasses.dataclass
class Facts:
    extra: dict


def judge(cases, year, month, today):
    return recruitment_timeline(SCOPE, Period(MONTH, year, month), today, Facts({"recruitment": list(cases)}))


def probationary(name="王芳", vote=D(2025, 11, 15), member_id=6, case_id=1, more=()) -> p.Case:
    steps = (
        Step(K.application, D(2024, 2, 2), 1), Step(K.talk, D(2024, 2, 16), 2), Step(K.activist, D(2024, 8, 2), 3),
        Step(K.assessment, D(2025, 1, 2), 4), Step(K.assessment, D(2025, 6, 2), 5), Step(K.candidate, D(2025, 9, 1), 6),
        Step(K.political_review, D(2025, 9, 16), 7), Step(K.training, D(2025, 10, 1), 8),
        Step(K.committee_review, D(2025, 10, 16), 9), Step(K.pre_review, D(2025, 10, 26), 10),
        Step(K.admission_vote, vote, 11, votes=PASS), Step(K.admission_approval, vote + dt.timedelta(days=20), 12),
        *more,
    )
    return p.Case(name, steps, case_id, D(1996, 5, 12), (p.Contact(101, "刘建军", D(2024, 8, 2)),), member_id)


def applicant(name="刘洋", letter=D(2026, 11, 22), case_id=2, more=()) -> p.Case:
    return p.Case(name, (Step(K.application, letter, 20), *more), case_id, D(2001, 1, 26))


def activist(name="张伟", assessed=D(2026, 6, 26), case_id=3) -> p.Case:
    return p.Case(name, (Step(K.application, D(2025, 3, 1), 30), Step(K.talk, D(2025, 3, 11), 31),
                         Step(K.activist, D(2025, 7, 8), 32), Step(K.assessment, assessed, 33)), case_id,
                  D(1998, 3, 17), (p.Contact(101, "刘建军", D(2025, 7, 8)), p.Contact(102, "李明", D(2025, 7, 8))))


def test_it_is_registered_as_a_monthly_rule_of_system_5():
    rule = REGISTRY[RULE_ID]
    assert (rule.system, rule.period, rule.scope) == (5, MONTH, BRANCH)
    assert rule.title.startswith("发展党员")


def test_no_one_on_the_road_is_not_applicable():
    result = judge([], 2026, 12, D(2026, 12, 2))
    assert result.state == State.not_applicable and result.next_step.key == "rec.none"
    finished = probationary(more=(
        Step(K.conversion_discussion, D(2026, 11, 16), 13, votes=PASS, outcome=Outcome.convert),
        Step(K.conversion_approval, D(2026, 11, 20), 14)))
    assert judge([finished], 2027, 3, D(2027, 3, 5)).state == State.not_applicable


def test_an_ended_probation_not_yet_discussed_is_late_and_names_the_member():
    """The demo's 王芳: probation ended on 2026-11-15, no discussion 17 days later."""
    result = judge([probationary()], 2026, 12, D(2026, 12, 2))
    assert result.state == State.late
    assert result.next_step.key == "rec.conversion.overdue"
    assert result.next_step.params == {"name": "王芳", "case_id": 1, "since": D(2026, 11, 15),
                                       "deadline": D(2026, 11, 29), "member_id": 6}
    assert result.deadline == D(2026, 11, 29)
    assert result.evidence.members == [6]
    assert result.evidence.details == [
        "逾期：王芳的预备期已于11月15日（星期日）届满，支部党员大会须讨论其能否转为正式党员（应于11月29日（星期日）前，已逾期）"]


def test_the_same_probation_is_due_before_its_deadline_and_missed_in_a_month_that_is_over():
    case = probationary()
    assert judge([case], 2026, 11, D(2026, 11, 20)).state == State.due
    assert judge([case], 2026, 11, D(2026, 11, 20)).next_step.key == "rec.conversion.due"
    assert judge([case], 2026, 10, D(2026, 10, 18)).state == State.due  # six weeks before the deadline
    assert judge([case], 2026, 10, D(2026, 10, 17)).state == State.met  # 43 days before: nothing due yet
    november = judge([case], 2026, 11, D(2026, 12, 2))
    assert november.state == State.missed and november.next_step.key == "rec.conversion.missed"


def test_a_discussion_in_time_is_met_with_the_step_as_evidence_then_the_approval_is_due():
    done = probationary(more=(Step(K.conversion_discussion, D(2026, 11, 20), 13, votes=PASS, outcome=Outcome.convert),))
    result = judge([done], 2026, 11, D(2026, 11, 25))
    assert result.state == State.met and result.next_step is None
    assert 13 in result.evidence.recruitment_steps
    assert any(line.startswith("已落实：王芳的预备期于11月15日") for line in result.evidence.details)
    result = judge([done], 2027, 1, D(2027, 1, 15))  # the committee's approval, within three months
    assert result.state == State.due and result.next_step.key == "rec.conversion_approval.due"
    assert result.next_step.params["deadline"] == D(2027, 2, 20)
    late = probationary(more=(Step(K.conversion_discussion, D(2026, 12, 3), 13, votes=PASS, outcome=Outcome.convert),))
    result = judge([late], 2026, 12, D(2026, 12, 4))
    assert result.state == State.late and result.next_step.key == "rec.conversion.late"
    assert result.next_step.params["done"] == D(2026, 12, 3)


def test_worst_first_and_one_line_per_step():
    cases = [activist(), applicant(), probationary()]
    result = judge(cases, 2026, 12, D(2026, 12, 2))
    assert result.state == State.late
    assert [line.split("：")[0] for line in result.evidence.details] == ["逾期", "待落实", "待落实"]
    assert "刘洋于11月22日（星期日）递交入党申请书，须在12月22日（星期二）前派人同其谈话" in result.evidence.details[1]
    assert result.evidence.details[2] == "待落实：入党积极分子张伟的培养考察应于12月26日（星期六）前进行"
    assert result.deadline == D(2026, 11, 29)  # the earliest open deadline


def test_an_assessment_due_beyond_six_weeks_is_not_yet_due_and_nothing_else_makes_it_met():
    case = activist(assessed=D(2026, 8, 20))  # next due 2027-02-20
    result = judge([case], 2026, 12, D(2026, 12, 2))
    assert result.state == State.met and result.next_step is None
    assert judge([case], 2027, 1, D(2027, 1, 9)).state == State.due  # 42 days ahead


def test_an_overdue_assessment_is_late_then_missed_and_late_when_done_after_its_deadline():
    case = activist(assessed=D(2026, 5, 1))  # due 2026-11-01
    result = judge([case], 2026, 11, D(2026, 11, 2))
    assert result.state == State.late and result.next_step.key == "rec.assessment.overdue"
    assert judge([case], 2026, 11, D(2026, 12, 1)).state == State.missed
    done = dataclasses.replace(case, steps=(*case.steps, Step(K.assessment, D(2026, 11, 10), 34)))
    result = judge([done], 2026, 11, D(2026, 11, 12))
    assert result.state == State.late and result.next_step.key == "rec.assessment.late"


def test_the_talk_within_a_month_of_the_letter():
    assert judge([applicant(letter=D(2026, 10, 31))], 2026, 11, D(2026, 11, 30)).state == State.due
    overdue = judge([applicant(letter=D(2026, 10, 31))], 2026, 12, D(2026, 12, 1))
    assert overdue.state == State.late and overdue.next_step.key == "rec.talk.overdue"
    talked = applicant(letter=D(2026, 10, 31), more=(Step(K.talk, D(2026, 11, 10), 21),))
    result = judge([talked], 2026, 11, D(2026, 11, 30))
    assert result.state == State.met and result.evidence.recruitment_steps == [21]


def test_a_candidate_after_the_year_is_met_evidence_in_its_month():
    case = probationary()
    result = judge([case], 2025, 9, D(2025, 9, 30))
    assert any(line.startswith("已落实：王芳于9月1日") for line in result.evidence.details)
    assert 6 in result.evidence.recruitment_steps


def test_the_approval_of_the_admission_is_due_within_three_months_of_the_vote():
    steps = probationary().steps[:-1]  # voted on 2025-11-15, not approved yet
    case = p.Case("王芳", steps, 1)
    assert judge([case], 2026, 2, D(2026, 2, 15)).next_step.key == "rec.admission_approval.due"
    late = judge([case], 2026, 2, D(2026, 2, 16))
    assert late.state == State.late and late.next_step.key == "rec.admission_approval.overdue"

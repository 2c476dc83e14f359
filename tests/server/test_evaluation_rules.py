"""EVAL-feedback: every member on the evaluation's roll got a grade the superior committee reviewed,
by 31 January of the next year. Pure cases over hand-made facts, then the facts loader and the
compliance view over a real evaluation."""
from __future__ import annotations

import datetime as dt

from server.calendar.days import HolidayCalendar
from server.compliance.facts import BranchFacts
from server.compliance.registry import BRANCH, REGISTRY, YEAR, Period, Scope, State
from server.evaluation.rules import EvaluationFacts, Participant, deadline_of
from tests.server.evaluationkit import DAY, advance, call, close_and_grade, to_balloting

D = dt.date
Y26 = Period(YEAR, 2026, 1)


def facts(evaluation: EvaluationFacts | None) -> BranchFacts:
    f = BranchFacts(1, "红旗村党支部", D(2020, 1, 1), HolidayCalendar())
    f.extra["evaluation"] = evaluation
    return f


def judge(evaluation, today):
    return REGISTRY["EVAL-feedback"].evaluate(Scope(BRANCH), Y26, today, facts(evaluation))


ROLL = ((1, "李明"), (2, "王芳"))


def test_registered_for_system_two_by_year():
    rule = REGISTRY["EVAL-feedback"]
    assert (rule.system, rule.period, rule.scope) == (2, YEAR, BRANCH) and rule.title
    assert deadline_of(2026) == D(2027, 1, 31)


def test_without_an_evaluation_it_is_due_until_31_january_then_missed_naming_every_member():
    due = judge(EvaluationFacts(None, None, None, (), ROLL), D(2026, 12, 31))
    assert due.state == State.due and due.deadline == D(2027, 1, 31)
    assert due.next_step.key == "eval.feedback.none" and due.evidence.members == [1, 2]
    assert due.evidence.details == ["李明：尚未评定等次", "王芳：尚未评定等次"]
    assert judge(EvaluationFacts(None, None, None, (), ROLL), D(2027, 1, 31)).state == State.due
    assert judge(EvaluationFacts(None, None, None, (), ROLL), D(2027, 2, 1)).state == State.missed


def test_in_progress_it_lists_the_members_without_a_reviewed_grade():
    running = EvaluationFacts(7, "review", None, (Participant(1, "李明", "approved"), Participant(2, "王芳", "returned")))
    result = judge(running, D(2027, 1, 10))
    assert result.state == State.due and result.next_step.key == "eval.feedback.pending"
    assert result.next_step.params["stage"] == "review" and result.next_step.params["evaluation_id"] == 7
    assert result.evidence.details == ["李明：等次已审核，待全部审核后反馈", "王芳：评定等次被上级党委退回，待支部重新评定"]
    assert judge(running, D(2027, 2, 1)).state == State.missed
    preparing = EvaluationFacts(7, "preparing", None, (), ROLL)  # the roll is not fixed yet: the branch's members
    assert judge(preparing, D(2026, 12, 1)).evidence.members == [1, 2]


def test_met_when_every_grade_was_reviewed_by_the_deadline_late_after():
    people = (Participant(1, "李明", "approved"), Participant(2, "王芳", "approved"))
    met = judge(EvaluationFacts(7, "feedback", D(2027, 1, 20), people), D(2027, 3, 1))
    assert met.state == State.met and met.evidence.members == [1, 2] and met.next_step is None
    late = judge(EvaluationFacts(7, "closed", D(2027, 2, 3), people), D(2027, 3, 1))
    assert late.state == State.late and late.next_step.key == "eval.feedback.late"


def test_a_branch_without_members_has_nothing_to_judge():
    assert judge(EvaluationFacts(None, None, None, (), ()), D(2026, 12, 1)).state == State.not_applicable
    assert judge(None, D(2026, 12, 1)).state == State.not_applicable


def _rule(client, auth, world, who="secretary_a", month=12):
    data = call(client, auth, who, "GET", f"/branches/{world.branch_a}/compliance?year=2026&month={month}").json
    return next(r for r in data["results"] if r["rule"] == "EVAL-feedback")


def test_the_compliance_view_follows_a_real_evaluation(app, client, auth, world, clock):
    clock.set_now(DAY)
    before = _rule(client, auth, world)
    assert before["state"] == "due" and {"李明", "王芳", "赵书记"} <= {d.split("：")[0] for d in before["evidence"]["details"]}
    evaluation = to_balloting(app, client, auth, world)
    running = _rule(client, auth, world)
    assert running["state"] == "due" and running["next_step"]["params"]["stage"] == "balloting"
    assert "民主测评" in running["next_step"]["text"] and len(running["evidence"]["details"]) == 3
    close_and_grade(client, auth, world, evaluation)
    assert advance(client, auth, evaluation["id"], "review").status_code == 200
    assert call(client, auth, "committee", "POST", f"/evaluations/{evaluation['id']}/review",
                json={"approve": True}).status_code == 200
    met = _rule(client, auth, world)
    assert met["state"] == "met" and met["evidence"]["details"] == [] and len(met["evidence"]["members"]) == 3
    committee = call(client, auth, "committee", "GET",
                     f"/committees/{world.committee_id}/compliance?year=2026&month=12").json
    row = next(b for b in committee["branches"] if b["branch_id"] == world.branch_a)
    assert row["states"]["EVAL-feedback"] == "met"
    other = next(b for b in committee["branches"] if b["branch_id"] == world.branch_b)
    assert other["states"]["EVAL-feedback"] == "due"  # B has not begun
    clock.set_now(dt.date(2027, 2, 2))
    assert next(b for b in call(client, auth, "committee", "GET",
                                f"/committees/{world.committee_id}/compliance?year=2026&month=12").json["branches"]
                if b["branch_id"] == world.branch_b)["states"]["EVAL-feedback"] == "missed"

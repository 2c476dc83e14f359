"""The road to membership as pure functions (server/recruitment/pipeline.py): every transition,
allowed and refused with the rule it breaks, and every boundary (a year to the day, the 18th
birthday, 29 February, the vote's halves, an extension's length). No database, no clock."""
from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from server.core.enums import RecruitmentStage as Stage
from server.recruitment import pipeline as p
from server.recruitment.pipeline import Body, Outcome, Refused, Step, StepKind, Votes

D = dt.date
K = StepKind
TODAY = D(2030, 1, 1)
PASS = Votes(9, 1, 0, 10, 12)  # 10 of 12 present, 9 for: a majority of the 12

# One person's whole road, each step on a plausible day (the letter on 10 January 2024).
ROAD = (
    Step(K.application, D(2024, 1, 10), 1),
    Step(K.talk, D(2024, 1, 20), 2),
    Step(K.activist, D(2024, 3, 1), 3, Body.branch_committee),
    Step(K.assessment, D(2024, 8, 20), 4),
    Step(K.assessment, D(2025, 2, 15), 5),
    Step(K.candidate, D(2025, 3, 1), 6),
    Step(K.political_review, D(2025, 4, 1), 7),
    Step(K.training, D(2025, 4, 10), 8),
    Step(K.committee_review, D(2025, 5, 6), 9),
    Step(K.pre_review, D(2025, 5, 20), 10),
    Step(K.admission_vote, D(2025, 6, 10), 11, votes=PASS),
    Step(K.admission_approval, D(2025, 7, 1), 12),
    Step(K.conversion_discussion, D(2026, 6, 15), 13, votes=PASS, outcome=Outcome.convert),
    Step(K.conversion_approval, D(2026, 7, 1), 14),
)
CONTACTS = (p.Contact(101, "刘建军", D(2024, 3, 1)), p.Contact(102, "陈玉梅", D(2024, 3, 1)))
STAGE_AFTER = {K.application: Stage.applicant, K.activist: Stage.activist, K.candidate: Stage.candidate,
               K.admission_approval: Stage.probationary, K.conversion_approval: Stage.full}


def case_until(kind: StepKind | None, *, birth=D(1995, 6, 1), contacts=CONTACTS, replace=None) -> p.Case:
    """The road up to and including the step of `kind` (None: nothing yet)."""
    steps = []
    for step in ROAD:
        if kind is None:
            break
        steps.append(replace.get(step.kind, step) if replace else step)
        if step.kind == kind and (kind != K.assessment or step.id == 5):
            break
    return p.Case("张伟", tuple(steps), 1, birth, contacts)


def next_of(kind: StepKind) -> Step:
    index = next(i for i, s in enumerate(ROAD) if s.kind == kind and s.id != 4)
    return ROAD[index]


def refused(case, step, today=TODAY) -> Refused:
    with pytest.raises(Refused) as info:
        p.check(case, step, today)
    return info.value


# --- the road, step by step --------------------------------------------------------------------

def test_the_whole_road_is_allowed_step_by_step_and_each_step_moves_the_stage():
    stage = None
    for index, step in enumerate(ROAD):
        case = p.Case("张伟", ROAD[:index], 1, D(1995, 6, 1), CONTACTS)
        standing = p.check(case, step, TODAY)
        stage = STAGE_AFTER.get(step.kind, stage)
        assert standing.stage == stage, step.kind
    assert standing.stage == Stage.full
    assert standing.admitted_on == D(2025, 6, 10)  # the assembly's vote
    assert standing.probation_ends_on == D(2026, 6, 10)
    assert standing.full_since == D(2026, 6, 10)  # 转正时间: the day probation ended


STAGE_CASES = {
    Stage.applicant: K.application, Stage.activist: K.activist, Stage.candidate: K.candidate,
    Stage.probationary: K.admission_approval, Stage.full: K.conversion_approval,
}


def _stage_case(stage: Stage) -> p.Case:
    if stage == Stage.discontinued:
        base = case_until(K.talk)
        return dataclasses.replace(base, steps=(*base.steps, Step(K.discontinued, D(2024, 2, 1), 99)))
    if stage == Stage.cancelled:
        base = case_until(K.admission_approval)
        return dataclasses.replace(base, steps=(
            *base.steps, Step(K.conversion_discussion, D(2026, 6, 15), 20, votes=PASS, outcome=Outcome.cancel),
            Step(K.conversion_approval, D(2026, 7, 1), 21)))
    return case_until(STAGE_CASES[stage])


def test_every_stage_replays_to_itself():
    for stage in Stage:
        assert p.replay(_stage_case(stage).steps).stage == stage


@pytest.mark.parametrize("kind", [k for k in StepKind if k != K.application])
@pytest.mark.parametrize("stage", list(Stage))
def test_a_step_outside_its_stages_is_refused_as_out_of_order(kind, stage):
    """Every (step, stage) pair: allowed where pipeline.STEPS says, refused by `step_order` elsewhere."""
    case = _stage_case(stage)
    step = Step(kind, TODAY, votes=PASS if p.STEPS[kind].votes else None,
                outcome=Outcome.convert if kind == K.conversion_discussion else None)
    if stage in p.STEPS[kind].stages:
        try:
            p.check(case, step, TODAY)
        except Refused as refusal:
            assert refusal.rule != "step_order"
    else:
        assert refused(case, step).rule == "step_order"


def test_a_second_letter_is_refused():
    assert refused(case_until(K.application), Step(K.application, D(2024, 2, 1))).rule == "step_once"


@pytest.mark.parametrize("kind", [K.talk, K.political_review, K.training, K.committee_review, K.pre_review,
                                  K.admission_vote])
def test_a_step_done_once_cannot_be_recorded_again(kind):
    case = case_until(K.admission_vote if kind != K.talk else K.talk)
    step = Step(kind, D(2025, 6, 20), votes=PASS if kind == K.admission_vote else None)
    assert refused(case, step).rule == "step_once"


def test_assessments_repeat_while_an_activist():
    case = case_until(K.assessment)
    assert p.check(case, Step(K.assessment, D(2025, 2, 20)), TODAY).last_assessment_on == D(2025, 2, 20)


# --- dates -----------------------------------------------------------------------------------------

def test_a_step_may_be_today_but_not_tomorrow():
    case = case_until(K.application)
    assert p.check(case, Step(K.talk, D(2024, 1, 20)), D(2024, 1, 20)).stage == Stage.applicant
    refusal = refused(case, Step(K.talk, D(2024, 1, 21)), D(2024, 1, 20))
    assert refusal.rule == "not_in_future" and refusal.params["today"] == D(2024, 1, 20)


@pytest.mark.parametrize(("kind", "on", "earliest"), [
    (K.talk, D(2024, 1, 9), D(2024, 1, 10)),  # before the letter
    (K.activist, D(2024, 1, 19), D(2024, 1, 20)),  # before the talk
])
def test_a_step_before_the_one_it_follows_is_refused(kind, on, earliest):
    case = case_until(K.talk if kind == K.activist else K.application)
    refusal = refused(case, Step(kind, on))
    assert refusal.rule == "not_before_previous" and refusal.params["earliest"] == earliest


def test_the_committee_review_is_not_before_the_training():
    case = case_until(K.training)
    assert refused(case, Step(K.committee_review, D(2025, 4, 9))).rule == "not_before_previous"
    assert p.check(case, Step(K.committee_review, D(2025, 4, 10)), TODAY)


def test_an_assessment_is_not_before_the_previous_one():
    case = case_until(K.assessment)
    assert refused(case, Step(K.assessment, D(2025, 2, 14))).rule == "not_before_previous"


def test_add_months_keeps_the_day_or_takes_the_months_last():
    assert p.add_months(D(2024, 1, 31), 1) == D(2024, 2, 29)
    assert p.add_months(D(2025, 1, 31), 1) == D(2025, 2, 28)
    assert p.add_months(D(2024, 8, 31), 6) == D(2025, 2, 28)
    assert p.add_months(D(2024, 3, 15), -3) == D(2023, 12, 15)
    assert p.add_years(D(2024, 2, 29), 1) == D(2025, 2, 28)
    assert p.add_years(D(2027, 2, 28), 1) == D(2028, 2, 28)


# --- applicant_age_18 ----------------------------------------------------------------------------

@pytest.mark.parametrize(("birth", "letter", "ok"), [
    (D(2006, 5, 10), D(2024, 5, 10), True),  # the 18th birthday
    (D(2006, 5, 10), D(2024, 5, 9), False),  # one day short
    (D(2008, 2, 29), D(2026, 2, 28), True),  # born on a leap day: 18 on 28 February of a common year
    (D(2008, 2, 29), D(2026, 2, 27), False),
    (D(2010, 2, 28), D(2028, 2, 28), True),
    (D(2010, 2, 28), D(2028, 2, 27), False),
])
def test_an_applicant_is_at_least_18_on_the_day_of_the_letter(birth, letter, ok):
    case = p.Case("李四", (), None, birth)
    step = Step(K.application, letter)
    if ok:
        assert p.check(case, step, TODAY).stage == Stage.applicant
    else:
        refusal = refused(case, step)
        assert refusal.rule == "applicant_age_18" and refusal.params["eighteen_on"] == p.add_years(birth, 18)


def test_a_letter_without_birth_date_is_taken_but_the_activist_step_needs_it():
    case = p.Case("李四", (), None, None)
    assert p.check(case, Step(K.application, D(2024, 1, 10)), TODAY).stage == Stage.applicant
    no_birth = case_until(K.talk, birth=None)
    refusal = refused(no_birth, Step(K.activist, D(2024, 3, 1)))
    assert refusal.rule == "applicant_age_18" and refusal.params["birth_date"] is None
    assert p.check(case_until(K.talk), Step(K.activist, D(2024, 3, 1)), TODAY).stage == Stage.activist


def test_the_activist_step_checks_the_age_on_the_letter_not_on_the_decision():
    # 18 on 11 January 2024, the day after the letter: too young when applying.
    case = case_until(K.talk, birth=D(2006, 1, 11))
    assert refused(case, Step(K.activist, D(2024, 3, 1))).rule == "applicant_age_18"


# --- activist ---------------------------------------------------------------------------------

def test_the_branch_talks_with_the_applicant_before_the_activist_decision():
    assert refused(case_until(K.application), Step(K.activist, D(2024, 3, 1))).rule == "talk_before_activist"


@pytest.mark.parametrize(("activist", "candidate", "ok"), [
    (D(2024, 3, 1), D(2025, 3, 1), True),  # exactly one year
    (D(2024, 3, 1), D(2025, 2, 28), False),  # one day short
    (D(2024, 2, 29), D(2025, 2, 28), True),  # a leap day's year ends on 28 February
    (D(2024, 2, 29), D(2025, 2, 27), False),
])
def test_a_candidate_after_at_least_one_year_as_activist(activist, candidate, ok):
    steps = (Step(K.application, D(2023, 12, 1), 1), Step(K.talk, D(2023, 12, 5), 2),
             Step(K.activist, activist, 3))
    case = p.Case("张伟", steps, 1, D(1995, 6, 1), (p.Contact(101, "刘建军", activist),))
    step = Step(K.candidate, candidate)
    if ok:
        assert p.check(case, step, TODAY).stage == Stage.candidate
    else:
        refusal = refused(case, step)
        assert refusal.rule == "activist_one_year" and refusal.params["earliest"] == p.add_years(activist, 1)


def test_a_candidate_needs_contacts_assigned():
    case = case_until(K.assessment, contacts=())
    assert refused(case, Step(K.candidate, D(2025, 3, 1))).rule == "contacts_required"
    later = (p.Contact(101, "刘建军", D(2025, 3, 2)),)
    refusal = refused(case_until(K.assessment, contacts=later), Step(K.candidate, D(2025, 3, 1)))
    assert refusal.rule == "contacts_required"


@pytest.mark.parametrize(("candidates", "problem"), [
    ([(101, True)], None),
    ([(101, True), (102, True)], None),
    ([], "contacts_one_or_two"),
    ([(101, True), (102, True), (103, True)], "contacts_one_or_two"),
    ([(101, True), (101, True)], "contacts_one_or_two"),
    ([(101, True), (102, False)], "contacts_full_members"),  # a probationary member, or of another branch
    ([(7, True)], "contacts_full_members"),  # the person themself
])
def test_contacts_are_one_or_two_full_members_of_the_branch(candidates, problem):
    assert p.contacts_problem(candidates, 7) == problem


# --- candidate → probationary ---------------------------------------------------------------------

@pytest.mark.parametrize("done", [(), (K.political_review,), (K.training,)])
def test_the_committee_reviews_after_the_political_review_and_the_training(done):
    steps = [s for s in case_until(K.candidate).steps]
    steps += [next_of(k) for k in done]
    case = p.Case("张伟", tuple(steps), 1, D(1995, 6, 1), CONTACTS)
    refusal = refused(case, Step(K.committee_review, D(2025, 5, 6)))
    assert refusal.rule == "review_and_training_first"
    assert set(refusal.params["missing"]) == {K.political_review, K.training} - set(done)


def test_the_pre_review_follows_the_committee_review_and_the_vote_the_pre_review():
    assert refused(case_until(K.training), Step(K.pre_review, D(2025, 5, 20))).rule == "committee_review_first"
    assert refused(case_until(K.committee_review), Step(K.admission_vote, D(2025, 6, 10), votes=PASS)).rule \
        == "pre_review_first"
    assert refused(case_until(K.pre_review), Step(K.admission_approval, D(2025, 7, 1))).rule == "vote_first"


@pytest.mark.parametrize(("votes", "rule"), [
    (Votes(6, 0, 0, 6, 10), None),  # 6 of 10 present, 6 for
    (Votes(5, 0, 0, 5, 10), "vote_quorum"),  # half present is not more than half
    (Votes(5, 1, 0, 6, 10), "vote_majority"),  # 5 for of 10 entitled: not more than half
    (Votes(5, 0, 0, 6, 9), None),  # 5 of 9
    (Votes(4, 0, 1, 5, 9), "vote_majority"),
    (Votes(1, 0, 0, 1, 1), None),
    (Votes(6, 4, 0, 10, 12), "vote_majority"),  # a majority of those present, not of the entitled
])
def test_the_assembly_vote_needs_a_quorum_and_a_majority_of_the_full_members_entitled(votes, rule):
    case = case_until(K.pre_review)
    step = Step(K.admission_vote, D(2025, 6, 10), votes=votes)
    if rule is None:
        assert p.check(case, step, TODAY).vote == step
    else:
        refusal = refused(case, step)
        assert refusal.rule == rule and refusal.params["needed"] == votes.entitled // 2 + 1


def test_the_committees_approval_makes_a_probationary_member_admitted_on_the_vote():
    standing = p.replay(case_until(K.admission_approval).steps)
    assert standing.stage == Stage.probationary
    assert standing.admitted_on == D(2025, 6, 10) and standing.probation_ends_on == D(2026, 6, 10)


def test_probation_from_a_leap_day_ends_on_28_february():
    vote = Step(K.admission_vote, D(2028, 2, 29), 11, votes=PASS)
    steps = [s for s in case_until(K.pre_review).steps] + [vote, Step(K.admission_approval, D(2028, 3, 10), 12)]
    assert p.replay(steps).probation_ends_on == D(2029, 2, 28)


# --- probationary → full, extended or cancelled ------------------------------------------------------

def discussion(on, outcome=Outcome.convert, months=None, votes=PASS, step_id=None):
    return Step(K.conversion_discussion, on, step_id, votes=votes, outcome=outcome, extension_months=months)


@pytest.mark.parametrize(("on", "ok"), [(D(2026, 6, 10), True), (D(2026, 6, 9), False)])
def test_the_conversion_is_discussed_once_probation_has_ended(on, ok):
    case = case_until(K.admission_approval)
    if ok:
        assert p.check(case, discussion(on), TODAY).pending is not None
    else:
        refusal = refused(case, discussion(on))
        assert refusal.rule == "probation_one_year" and refusal.params["ends_on"] == D(2026, 6, 10)


def test_the_conversion_discussion_needs_the_quorum_and_majority_too():
    case = case_until(K.admission_approval)
    assert refused(case, discussion(D(2026, 6, 15), votes=Votes(5, 0, 0, 5, 10))).rule == "vote_quorum"


def test_a_second_discussion_waits_for_the_committees_approval_of_the_first():
    case = case_until(K.conversion_discussion)
    assert refused(case, discussion(D(2026, 6, 20))).rule == "approval_pending"
    assert refused(case_until(K.admission_approval), Step(K.conversion_approval, D(2026, 7, 1))).rule == "vote_first"


def _after(case, *steps):
    return dataclasses.replace(case, steps=(*case.steps, *steps))


@pytest.mark.parametrize(("months", "ok"), [(5, False), (6, True), (12, True), (13, False)])
def test_an_extension_lasts_six_months_to_a_year(months, ok):
    case = case_until(K.admission_approval)
    step = discussion(D(2026, 6, 15), Outcome.extend, months)
    if ok:
        assert p.check(case, step, TODAY).pending == step
    else:
        assert refused(case, step).rule == "extension_length"


def test_an_extension_moves_the_end_of_probation_and_happens_only_once():
    case = _after(case_until(K.admission_approval), discussion(D(2026, 6, 15), Outcome.extend, 6, step_id=20),
                  Step(K.conversion_approval, D(2026, 7, 1), 21))
    standing = p.replay(case.steps)
    assert standing.stage == Stage.probationary and standing.extensions == 1
    assert standing.probation_ends_on == D(2026, 12, 10)  # six months after the year ended
    assert refused(case, discussion(D(2026, 12, 9))).rule == "probation_one_year"
    assert refused(case, discussion(D(2026, 12, 10), Outcome.extend, 6)).rule == "extension_once"
    converted = p.check(case, discussion(D(2026, 12, 10)), TODAY)
    assert converted.pending is not None
    full = _after(case, discussion(D(2026, 12, 10), step_id=22), Step(K.conversion_approval, D(2027, 1, 5), 23))
    assert p.replay(full.steps).stage == Stage.full and p.replay(full.steps).full_since == D(2026, 12, 10)


def test_a_cancelled_probation_ends_the_case_on_the_committees_approval():
    case = _after(case_until(K.admission_approval), discussion(D(2026, 6, 15), Outcome.cancel, step_id=20),
                  Step(K.conversion_approval, D(2026, 7, 3), 21))
    standing = p.replay(case.steps)
    assert standing.stage == Stage.cancelled and standing.ended_on == D(2026, 7, 3)
    assert refused(case, discussion(D(2026, 8, 1))).rule == "step_order"


@pytest.mark.parametrize("until", [K.application, K.activist, K.candidate])
def test_the_branch_may_stop_before_admission_but_not_after(until):
    case = case_until(until)
    assert p.check(case, Step(K.discontinued, D(2025, 12, 1)), TODAY).stage == Stage.discontinued
    assert refused(case_until(K.admission_approval), Step(K.discontinued, D(2026, 1, 1))).rule == "step_order"
    assert refused(case, Step(K.discontinued, D(2023, 1, 1))).rule == "not_before_previous"


# --- what may come next ----------------------------------------------------------------------------

def test_options_name_each_possible_step_its_earliest_day_and_what_blocks_it():
    activist = {o.kind: o for o in p.options(case_until(K.assessment), D(2025, 2, 20))}
    assert set(activist) == {K.assessment, K.candidate, K.discontinued}
    assert activist[K.assessment].deadline == D(2025, 8, 15) and activist[K.assessment].blocked is None
    assert activist[K.candidate].earliest == D(2025, 3, 1) and activist[K.candidate].blocked == "activist_one_year"
    assert {o.kind: o for o in p.options(case_until(K.assessment), D(2025, 3, 1))}[K.candidate].blocked is None

    candidate = {o.kind: o for o in p.options(case_until(K.political_review), TODAY)}
    assert candidate[K.committee_review].blocked == "review_and_training_first"
    assert candidate[K.pre_review].actor == p.COMMITTEE and candidate[K.pre_review].blocked == "committee_review_first"
    assert K.political_review not in candidate  # done

    probation = {o.kind: o for o in p.options(case_until(K.admission_approval), D(2026, 6, 1))}
    assert set(probation) == {K.conversion_discussion}
    assert probation[K.conversion_discussion].earliest == D(2026, 6, 10)
    assert probation[K.conversion_discussion].deadline == D(2026, 6, 24)
    assert probation[K.conversion_discussion].blocked == "probation_one_year"
    waiting = {o.kind: o for o in p.options(case_until(K.conversion_discussion), TODAY)}
    assert set(waiting) == {K.conversion_approval} and waiting[K.conversion_approval].actor == p.COMMITTEE
    assert p.options(case_until(K.conversion_approval), TODAY) == []


# --- deadlines and minimum waits ----------------------------------------------------------------

def obligations_of(case, key):
    return [o for o in p.obligations(case) if o.key == key]


def test_the_whole_road_has_every_timed_step_met():
    obs = p.obligations(case_until(K.conversion_approval))
    assert [o.key for o in obs] == ["talk", "assessment", "assessment", "candidate", "admission_approval",
                                    "conversion", "conversion_approval"]
    assert {p.obligation_state(o, TODAY) for o in obs} == {p.Judgement.met}
    talk, first, second, candidate, approval, conversion, conversion_approval = obs
    assert (talk.since, talk.deadline, talk.done_on) == (D(2024, 1, 10), D(2024, 2, 10), D(2024, 1, 20))
    assert (first.deadline, second.since, second.deadline) == (D(2024, 9, 1), D(2024, 8, 20), D(2025, 2, 20))
    assert (candidate.opens_on, candidate.deadline) == (D(2025, 3, 1), None)
    assert approval.deadline == D(2025, 9, 10)
    assert (conversion.opens_on, conversion.deadline) == (D(2026, 6, 10), D(2026, 6, 24))
    assert conversion_approval.deadline == D(2026, 9, 15)


def test_the_talk_is_due_within_a_month_of_the_letter():
    case = p.Case("刘洋", (Step(K.application, D(2024, 1, 31), 1),), 1)
    [talk] = obligations_of(case, "talk")
    assert talk.deadline == D(2024, 2, 29)
    assert p.obligation_state(talk, D(2024, 2, 29)) == p.Judgement.due
    assert p.obligation_state(talk, D(2024, 3, 1)) == p.Judgement.overdue
    late = dataclasses.replace(case, steps=(*case.steps, Step(K.talk, D(2024, 3, 1), 2)))
    assert p.obligation_state(obligations_of(late, "talk")[0], TODAY) == p.Judgement.late


def test_assessments_are_due_every_half_year_from_the_activist_decision_or_the_last_one():
    case = case_until(K.assessment)
    *done, open_ = obligations_of(case, "assessment")
    assert open_.since == D(2025, 2, 15) and open_.deadline == D(2025, 8, 15) and open_.done_on is None
    assert p.obligation_state(open_, D(2025, 8, 15)) == p.Judgement.due
    assert p.obligation_state(open_, D(2025, 8, 16)) == p.Judgement.overdue
    late = (Step(K.application, D(2024, 1, 10), 1), Step(K.talk, D(2024, 1, 20), 2), Step(K.activist, D(2024, 3, 1), 3),
            Step(K.assessment, D(2024, 9, 2), 4))
    first = obligations_of(p.Case("张伟", late, 1), "assessment")[0]
    assert first.deadline == D(2024, 9, 1) and p.obligation_state(first, TODAY) == p.Judgement.late


def test_an_assessment_not_due_when_the_activist_became_a_candidate_is_not_missed_but_an_overdue_one_is():
    on_time = case_until(K.candidate)
    assert [o.done_on is not None for o in obligations_of(on_time, "assessment")] == [True, True]
    skipped = p.Case("张伟", (*case_until(K.activist).steps, Step(K.candidate, D(2025, 3, 1), 6)), 1,
                     D(1995, 6, 1), CONTACTS)
    [missed] = obligations_of(skipped, "assessment")
    assert missed.deadline == D(2024, 9, 1) and missed.closed_on == D(2025, 3, 1)
    assert p.obligation_state(missed, TODAY) == p.Judgement.missed


def test_a_minimum_wait_is_waiting_until_the_step_is_taken():
    [candidate] = obligations_of(case_until(K.assessment), "candidate")
    assert candidate.deadline is None and p.obligation_state(candidate, TODAY) == p.Judgement.waiting
    assert p.judge(candidate, D(2025, 3, 1), D(2025, 3, 31), D(2025, 3, 15)) is None


def test_the_conversion_is_due_within_two_weeks_of_the_end_of_probation_and_the_approval_within_three_months():
    case = case_until(K.admission_approval)
    [conversion] = obligations_of(case, "conversion")
    assert conversion.deadline == D(2026, 6, 10) + dt.timedelta(days=p.CONVERSION_DISCUSSION_DAYS)
    assert p.obligation_state(conversion, D(2026, 6, 24)) == p.Judgement.due
    assert p.obligation_state(conversion, D(2026, 6, 25)) == p.Judgement.overdue
    pending = _after(case, discussion(D(2026, 6, 30), step_id=20))
    [conversion, approval] = [o for o in p.obligations(pending) if o.key.startswith("conversion")]
    assert p.obligation_state(conversion, TODAY) == p.Judgement.late
    assert approval.deadline == D(2026, 9, 30) and p.obligation_state(approval, D(2026, 9, 30)) == p.Judgement.due
    assert p.obligation_state(approval, D(2026, 10, 1)) == p.Judgement.overdue


def test_an_extension_brings_a_second_conversion_deadline():
    case = _after(case_until(K.admission_approval), discussion(D(2026, 6, 15), Outcome.extend, 12, step_id=20),
                  Step(K.conversion_approval, D(2026, 7, 1), 21))
    conversions = obligations_of(case, "conversion")
    assert [o.since for o in conversions] == [D(2026, 6, 10), D(2027, 6, 10)]
    assert conversions[1].done_on is None


def test_approving_a_vote_is_due_within_three_months():
    [approval] = obligations_of(case_until(K.admission_vote), "admission_approval")
    assert approval.deadline == D(2025, 9, 10)
    assert p.obligation_state(approval, D(2025, 9, 10)) == p.Judgement.due
    assert p.obligation_state(approval, D(2025, 9, 11)) == p.Judgement.overdue


# --- judging a period -------------------------------------------------------------------------------

def ob(deadline, done=None, closed=None, since=D(2026, 1, 1)):
    return p.Obligation("talk", "talk_one_month", since, since, deadline, done, None, closed)


NOV = (D(2026, 11, 1), D(2026, 11, 30))


@pytest.mark.parametrize(("obligation", "today", "state"), [
    (ob(D(2026, 11, 20), D(2026, 11, 10)), D(2026, 11, 25), "met"),
    (ob(D(2026, 11, 20), D(2026, 11, 21)), D(2026, 11, 25), "late"),
    (ob(D(2026, 11, 20)), D(2026, 11, 20), "due"),  # the last day
    (ob(D(2026, 11, 20)), D(2026, 11, 21), "late"),  # overdue while the month is open
    (ob(D(2026, 11, 20)), D(2026, 12, 1), "missed"),  # the month is over
    (ob(D(2026, 11, 30)), D(2026, 12, 1), "missed"),  # due on the month's last day, not done by it
    (ob(D(2026, 11, 20), D(2026, 12, 5)), D(2026, 12, 10), "missed"),  # done only after the month
    (ob(D(2026, 10, 20)), D(2026, 11, 5), "late"),  # overdue since last month, still open
    (ob(D(2026, 10, 20), D(2026, 11, 3)), D(2026, 11, 5), "late"),  # done late, this month
    (ob(D(2026, 10, 20), D(2026, 10, 15)), D(2026, 11, 5), None),  # done last month: nothing to say now
    (ob(D(2026, 12, 12)), D(2026, 11, 1), "due"),  # within DUE_HORIZON_DAYS (41 days)
    (ob(D(2026, 12, 13)), D(2026, 11, 1), "due"),  # exactly 42 days
    (ob(D(2026, 12, 14)), D(2026, 11, 1), None),  # 43 days: not yet
    (ob(D(2026, 12, 20)), D(2026, 12, 2), None),  # a past month does not count what is due after it
    (ob(D(2026, 12, 20), D(2026, 11, 15)), D(2026, 12, 2), "met"),  # done early, in the month
    (ob(D(2026, 11, 20), closed=D(2026, 11, 25)), D(2026, 11, 26), "missed"),  # moved on without it
    (ob(D(2026, 10, 20), closed=D(2026, 11, 2)), D(2026, 11, 26), "missed"),  # overdue into the month, then moot
    (ob(D(2026, 10, 20), closed=D(2026, 10, 25)), D(2026, 11, 26), None),  # settled before the month
])
def test_judging_an_obligation_in_a_month(obligation, today, state):
    assert p.judge(obligation, *NOV, today) == state

"""The featured systems' rules (X), judged from facts by hand with "today" passed in: both
requirement kinds (events_held, service_records) in every state, and `not_applicable` for a branch
that has not adopted the template in the period (or adopted it late, with nothing of it yet)."""
from __future__ import annotations

import datetime as dt
import itertools

import pytest

from server.compliance.messages import render
from server.compliance.registry import MONTH, QUARTER, REGISTRY, YEAR, Period, State
from server.core.enums import EventStatus
from server.featured.rules import (
    SYSTEM,
    AdoptionFact,
    AssignmentFact,
    FeaturedEventFact,
    FeaturedFacts,
    ServiceRecordFact,
)
from tests.server.test_compliance_rules import facts, judge

D = dt.date
_ids = itertools.count(1000)
OCT = Period(MONTH, 2026, 10)
Q4 = Period(QUARTER, 2026, 4)
Y26 = Period(YEAR, 2026, 1)
STUDY = "village-remote-study"
POSTS = "village-set-posts"


def with_featured(**kw):
    f = facts()
    f.extra["featured"] = FeaturedFacts(**kw)
    return f


def adopted(code, on=D(2026, 1, 5), dropped=None):
    return AdoptionFact(code, on, dropped)


def study_day(day, attendance=6, status=EventStatus.planned, code=STUDY):
    return FeaturedEventFact(next(_ids), code, "远程教育学习日", day, status, attendance)


def test_every_template_rule_is_registered_under_the_featured_system():
    ids = [r.id for r in REGISTRY.values() if r.system == SYSTEM]
    assert {"X-secretary-report", "X-affairs-disclosure", "X-remote-study", "X-set-posts", "X-benchmark-review",
            "X-model-posts", "X-volunteering"} <= set(ids)
    assert REGISTRY["X-remote-study"].period == MONTH and REGISTRY["X-secretary-report"].period == YEAR
    assert list(REGISTRY)[-len(ids):] == ids  # after the eight basic systems


class TestEventsHeld:
    def test_met_once_an_event_of_the_template_has_attendance(self):
        event = study_day(D(2026, 10, 20))
        result = judge("X-remote-study", with_featured(adoptions=[adopted(STUDY)], events=[event]), OCT, D(2026, 10, 21))
        assert result.state == State.met and result.evidence.events == [event.id] and result.evidence.records == 6

    def test_due_while_planned_ahead_naming_the_date(self):
        event = study_day(D(2026, 10, 20), attendance=0)
        result = judge("X-remote-study", with_featured(adoptions=[adopted(STUDY)], events=[event]), OCT, D(2026, 10, 12))
        assert result.state == State.due and result.deadline == D(2026, 10, 31)
        assert result.next_step.key == "featured.events_planned"
        assert render(result.next_step) == "“远程教育学习日”已安排在10月20日（星期二）"

    def test_due_asks_for_attendance_after_the_day(self):
        event = study_day(D(2026, 10, 20), attendance=0)
        result = judge("X-remote-study", with_featured(adoptions=[adopted(STUDY)], events=[event]), OCT, D(2026, 10, 22))
        assert result.state == State.due and result.next_step.key == "featured.events_no_attendance"

    def test_due_asks_to_schedule_when_nothing_is_planned(self):
        result = judge("X-remote-study", with_featured(adoptions=[adopted(STUDY)]), OCT, D(2026, 10, 5))
        assert result.state == State.due
        assert render(result.next_step) == "本月须开展“远程教育学习日”（每月20日），请安排"

    def test_missed_when_the_period_ended_without_one(self):
        cancelled = study_day(D(2026, 10, 20), status=EventStatus.cancelled)
        result = judge("X-remote-study", with_featured(adoptions=[adopted(STUDY)], events=[cancelled]), OCT,
                       D(2026, 11, 1))
        assert result.state == State.missed and render(result.next_step) == "2026年10月未开展“远程教育学习日”"

    def test_another_templates_event_is_no_evidence(self):
        other = study_day(D(2026, 10, 20), code="village-affairs-disclosure")
        result = judge("X-remote-study", with_featured(adoptions=[adopted(STUDY)], events=[other]), OCT, D(2026, 11, 1))
        assert result.state == State.missed

    def test_not_applicable_without_adoption_or_after_the_drop(self):
        event = study_day(D(2026, 10, 20))
        assert judge("X-remote-study", with_featured(events=[event]), OCT, D(2026, 10, 25)).state == State.not_applicable
        dropped = adopted(STUDY, dropped=D(2026, 9, 30))
        result = judge("X-remote-study", with_featured(adoptions=[dropped]), OCT, D(2026, 11, 1))
        assert result.state == State.not_applicable and result.next_step.key == "featured.not_adopted"
        # Dropped during the period: still judged for it.
        mid = adopted(STUDY, dropped=D(2026, 10, 10))
        assert judge("X-remote-study", with_featured(adoptions=[mid]), OCT, D(2026, 11, 1)).state == State.missed

    def test_the_month_of_adoption_is_judged_only_with_an_event_in_it(self):
        late = adopted(STUDY, on=D(2026, 10, 25))
        result = judge("X-remote-study", with_featured(adoptions=[late]), OCT, D(2026, 11, 1))
        assert result.state == State.not_applicable and result.next_step.key == "featured.adopted_in_period"
        planned = study_day(D(2026, 10, 28), attendance=0)
        assert judge("X-remote-study", with_featured(adoptions=[late], events=[planned]), OCT,
                     D(2026, 11, 1)).state == State.missed

    def test_a_yearly_rule_over_the_year(self):
        report = FeaturedEventFact(next(_ids), "village-secretary-report", "村党组织书记年度述职评议会", D(2026, 12, 10),
                                   EventStatus.held, 20)
        f = with_featured(adoptions=[adopted("village-secretary-report")], events=[report])
        assert judge("X-secretary-report", f, Y26, D(2026, 12, 11)).state == State.met
        # Adopted the year before, nothing held this year: missed once the year is over.
        last_year = adopted("village-secretary-report", on=D(2025, 12, 1))
        assert judge("X-secretary-report", with_featured(adoptions=[last_year]), Y26, D(2027, 1, 2)).state == State.missed


def assignment(member_id, name, post_id=7, starts=D(2026, 1, 5), ends=None, code=POSTS):
    return AssignmentFact(post_id, code, "无职党员岗位", member_id, name, starts, ends)


class TestServiceRecords:
    def test_met_when_every_assigned_member_has_a_confirmed_record_in_the_quarter(self):
        f = with_featured(adoptions=[adopted(POSTS)], assignments=[assignment(1, "李明"), assignment(2, "王芳")],
                          records=[ServiceRecordFact(50, 7, 1, D(2026, 10, 3)), ServiceRecordFact(51, 7, 2, D(2026, 12, 1))])
        result = judge("X-set-posts", f, Q4, D(2026, 12, 2))
        assert result.state == State.met and result.evidence.members == [1, 2]

    def test_due_names_who_lacks_one_then_missed(self):
        f = with_featured(adoptions=[adopted(POSTS)], assignments=[assignment(1, "李明"), assignment(2, "王芳")],
                          records=[ServiceRecordFact(50, 7, 1, D(2026, 10, 3)),
                                   ServiceRecordFact(52, 7, 2, D(2026, 9, 28))])  # last quarter's
        due = judge("X-set-posts", f, Q4, D(2026, 11, 15))
        assert due.state == State.due and due.deadline == D(2026, 12, 31)
        assert due.evidence.details == ["王芳：2026年第4季度尚无经确认的记实"]
        assert render(due.next_step) == "1名党员本季度尚无经确认的“无职党员岗位”记实，须在12月31日（星期四）前记实并确认"
        missed = judge("X-set-posts", f, Q4, D(2027, 1, 1))
        assert missed.state == State.missed and missed.next_step.key == "featured.records_missing"

    def test_an_assignment_ended_before_the_period_is_not_asked(self):
        f = with_featured(adoptions=[adopted(POSTS)], assignments=[assignment(1, "李明"),
                                                                   assignment(2, "王芳", ends=D(2026, 9, 30))],
                          records=[ServiceRecordFact(50, 7, 1, D(2026, 10, 3))])
        assert judge("X-set-posts", f, Q4, D(2026, 11, 1)).state == State.met

    def test_nobody_assigned_is_due_then_missed(self):
        f = with_featured(adoptions=[adopted(POSTS)])
        due = judge("X-set-posts", f, Q4, D(2026, 11, 1))
        assert due.state == State.due and due.next_step.key == "featured.assign"
        assert judge("X-set-posts", f, Q4, D(2027, 1, 1)).state == State.missed

    def test_adopted_during_the_quarter_with_nobody_assigned_is_not_judged(self):
        f = with_featured(adoptions=[adopted(POSTS, on=D(2026, 12, 20))])
        assert judge("X-set-posts", f, Q4, D(2027, 1, 1)).state == State.not_applicable

    @pytest.mark.parametrize("today", [D(2026, 11, 1), D(2027, 1, 1)])
    def test_not_applicable_without_adoption(self, today):
        f = with_featured(assignments=[assignment(1, "李明")])
        assert judge("X-set-posts", f, Q4, today).state == State.not_applicable


def test_without_the_featured_facts_every_rule_is_not_applicable():
    assert judge("X-remote-study", facts(), OCT, D(2026, 10, 5)).state == State.not_applicable

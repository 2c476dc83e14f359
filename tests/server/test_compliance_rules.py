"""Each rule of the engine with dated cases. Pure: facts are built by hand and "today" is passed in."""
from __future__ import annotations

import datetime as dt

import pytest

from server.calendar.days import HolidayCalendar, Override
from server.compliance.facts import BranchFacts, EventFact, FilingFact, GroupFact
from server.compliance.registry import BRANCH, GROUP, MONTH, QUARTER, REGISTRY, YEAR, Period, Scope, State
from server.compliance.operations import evaluate
from server.core.enums import EventKind as K
from server.core.enums import EventStatus, FilingDecision, FilingKind
from server.org_life.rules import OrgLifeFacts
from tests.server.calendars import package_without_notice, published_until

D = dt.date
CAL = HolidayCalendar()  # the package's calendar (2026 is official in it)
_ids = iter(range(1, 10_000))


def ev(kind, day, *, attendance=5, minutes=True, status=EventStatus.held, group_id=None, notice_on=None):
    return EventFact(id=next(_ids), kind=kind, day=day, status=status, group_id=group_id, attendance=attendance,
                     minutes_id=next(_ids) if minutes else None, notice_published_on=notice_on)


def planned(kind, day, **kw):
    return ev(kind, day, attendance=0, minutes=False, status=EventStatus.planned, **kw)


def filing(kind, year, filed_on, **kw):
    return FilingFact(id=next(_ids), kind=kind, year=year, filed_on=filed_on, **kw)


def facts(events=(), filings=(), groups=(), rectification=None, since=D(2020, 1, 1), calendar=CAL):
    return BranchFacts(1, "红旗村党支部", since, calendar, list(groups), list(events), list(filings),
                       rectification or {})


def judge(rule_id, f, period, today, scope=None):
    return REGISTRY[rule_id].evaluate(scope or Scope(BRANCH), period, today, f)


OCT = Period(MONTH, 2026, 10)
Q4 = Period(QUARTER, 2026, 4)
Y26 = Period(YEAR, 2026, 1)


def test_every_rule_of_the_issue_is_registered_with_its_period_and_scope():
    expected = {
        "3M1-committee": (1, MONTH, BRANCH), "3M1-group": (1, MONTH, GROUP), "3M1-assembly": (1, QUARTER, BRANCH),
        "3M1-lecture": (1, QUARTER, BRANCH), "3M1-minutes": (1, MONTH, BRANCH), "OLM-held": (3, YEAR, BRANCH),
        "OLM-report": (3, YEAR, BRANCH), "DAY-date": (4, MONTH, BRANCH), "DAY-plan": (4, YEAR, BRANCH),
        "DAY-notice": (4, MONTH, BRANCH), "DAY-attendance": (4, MONTH, BRANCH), "EVAL-held": (2, YEAR, BRANCH),
        "DUES-paid": (8, MONTH, BRANCH), "DUES-remit": (8, QUARTER, BRANCH), "DUES-publish": (8, YEAR, BRANCH),
        "REC-timeline": (5, MONTH, BRANCH), "EVAL-feedback": (2, YEAR, BRANCH),
        "LOG-card": (7, MONTH, BRANCH), "LOG-immediate": (7, MONTH, BRANCH), "LOG-annual": (7, YEAR, BRANCH),
        "LOG-verified": (7, MONTH, BRANCH),
        "LOG-archive": (7, YEAR, BRANCH),  # server/archive/rules.py (tests/server/test_archive_rules.py)
        "LOG-points": (7, QUARTER, BRANCH),  # server/points/rules.py (tests/server/test_points_rules.py)
        "EDU-posts": (6, MONTH, BRANCH),  # server/service/rules.py (tests/server/test_service_rules.py)
    }
    # The featured systems' rules (X-...) come from the templates' data: tests/server/test_featured_rules.py.
    assert {r.id: (r.system, r.period, r.scope) for r in REGISTRY.values() if not r.id.startswith("X-")} == expected


# --- 3M1-committee -------------------------------------------------------------------------------

def test_committee_meeting_held_with_attendance_and_minutes_is_met_with_its_evidence():
    meeting = ev(K.branch_committee_meeting, D(2026, 10, 12), attendance=5)
    result = judge("3M1-committee", facts([meeting]), OCT, D(2026, 10, 20))
    assert result.state == State.met
    assert result.evidence.events == [meeting.id] and result.evidence.records == 5
    assert result.evidence.minutes == [meeting.minutes_id]


def test_committee_meeting_not_yet_held_is_due_then_missed_when_the_month_is_over():
    assert judge("3M1-committee", facts(), OCT, D(2026, 10, 20)).state == State.due
    result = judge("3M1-committee", facts(), OCT, D(2026, 11, 1))
    assert result.state == State.missed and result.next_step.key == "meeting.not_held"


def test_a_meeting_held_with_attendance_counts_without_minutes_but_not_without_attendance():
    # Minutes are judged by 3M1-minutes alone (docs/decisions.md, "A meeting without minutes is one miss").
    no_minutes = ev(K.branch_committee_meeting, D(2026, 10, 12), minutes=False)
    result = judge("3M1-committee", facts([no_minutes]), OCT, D(2026, 10, 20))
    assert result.state == State.met and result.evidence.events == [no_minutes.id] and result.evidence.minutes == []
    no_attendance = ev(K.branch_committee_meeting, D(2026, 10, 12), attendance=0, minutes=False)
    open_month = judge("3M1-committee", facts([no_attendance]), OCT, D(2026, 10, 20))
    assert open_month.state == State.due
    assert open_month.next_step.key == "meeting.incomplete" and open_month.next_step.params["missing"] == ["attendance"]
    assert judge("3M1-committee", facts([no_attendance]), OCT, D(2026, 11, 2)).state == State.missed


def test_a_meeting_held_without_minutes_is_one_miss_that_of_the_minutes_rule():
    groups = [GroupFact(11, "第一党小组")]
    meetings = [ev(K.branch_committee_meeting, D(2026, 10, 12), minutes=False),
                ev(K.group_meeting, D(2026, 10, 13), minutes=False, group_id=11),
                ev(K.general_assembly, D(2026, 10, 15), minutes=False),
                ev(K.party_lecture, D(2026, 10, 16), minutes=False),
                ev(K.evaluation_meeting, D(2026, 10, 19), minutes=False)]
    ids = {e.id for e in meetings}
    rows = evaluate(facts(meetings, groups=groups), 2026, 10, D(2026, 11, 2))
    states = {r["rule"]: r["state"] for r in rows}
    assert {rule: states[rule] for rule in ("3M1-committee", "3M1-group", "3M1-assembly", "3M1-lecture",
                                           "EVAL-held")} == dict.fromkeys(
        ("3M1-committee", "3M1-group", "3M1-assembly", "3M1-lecture", "EVAL-held"), "met")
    naming = [r for r in rows if r["next_step"] and r["next_step"]["params"].get("event_id") in ids]
    assert [r["rule"] for r in naming] == ["3M1-minutes"] and states["3M1-minutes"] == "missed"
    step = naming[0]["next_step"]
    assert step["key"] == "minutes.incomplete"
    assert step["params"]["event_id"] == meetings[0].id and step["params"]["missing"] == ["minutes"]
    assert step["params"]["count"] == len(meetings)
    assert step["text"] == "10月12日（星期一）的支委会缺少会议记录（共5次会议待补齐）"


def test_a_cancelled_meeting_does_not_count_and_a_planned_one_is_named():
    cancelled = ev(K.branch_committee_meeting, D(2026, 10, 5), status=EventStatus.cancelled)
    upcoming = planned(K.branch_committee_meeting, D(2026, 10, 26))
    result = judge("3M1-committee", facts([cancelled, upcoming]), OCT, D(2026, 10, 20))
    assert result.state == State.due
    assert result.next_step.key == "meeting.planned" and result.next_step.params["date"] == D(2026, 10, 26)


def test_a_meeting_today_counts_once_attendance_is_taken():
    today = D(2026, 10, 20)
    meeting = ev(K.branch_committee_meeting, today, status=EventStatus.planned)
    assert judge("3M1-committee", facts([meeting]), OCT, today).state == State.met
    empty = ev(K.branch_committee_meeting, today, status=EventStatus.planned, attendance=0)
    assert judge("3M1-committee", facts([empty]), OCT, today).state == State.due


def test_periods_before_the_branch_existed_are_not_applicable():
    rows = evaluate(facts(since=D(2026, 11, 10)), 2026, 10, D(2026, 11, 20))
    month_rows = [r for r in rows if r["period_kind"] == MONTH]
    assert month_rows and all(r["state"] == "not-applicable" for r in month_rows)
    # The quarter and year the branch joined in are judged.
    assert {r["state"] for r in rows if r["rule"] == "3M1-assembly"} == {"due"}


# --- 3M1-group -----------------------------------------------------------------------------------

def test_each_group_is_judged_on_its_own_meetings():
    groups = [GroupFact(11, "第一党小组"), GroupFact(12, "第二党小组")]
    f = facts([ev(K.group_meeting, D(2026, 10, 13), group_id=11)], groups=groups)
    today = D(2026, 10, 25)
    first = judge("3M1-group", f, OCT, today, Scope(GROUP, 11, "第一党小组"))
    second = judge("3M1-group", f, OCT, today, Scope(GROUP, 12, "第二党小组"))
    assert first.state == State.met and second.state == State.due
    assert second.next_step.key == "meeting.none" and second.next_step.params["group"] == "第二党小组"
    missed = judge("3M1-group", f, OCT, D(2026, 11, 3), Scope(GROUP, 12, "第二党小组"))
    assert missed.state == State.missed
    from server.compliance.messages import render

    assert render(second.next_step) == "第二党小组本月尚未召开党小组会"
    assert render(missed.next_step) == "第二党小组2026年10月未召开党小组会"


def test_a_branch_without_groups_has_group_meetings_not_applicable():
    rows = [r for r in evaluate(facts(), 2026, 10, D(2026, 10, 20)) if r["rule"] == "3M1-group"]
    assert [r["state"] for r in rows] == ["not-applicable"]


# --- 3M1-assembly and 3M1-lecture (quarterly) ---------------------------------------------------

def test_assembly_once_a_quarter():
    f = facts([ev(K.general_assembly, D(2026, 11, 18))])
    assert judge("3M1-assembly", f, Q4, D(2026, 12, 1)).state == State.met
    assert judge("3M1-assembly", facts(), Q4, D(2026, 12, 1)).state == State.due
    assert judge("3M1-assembly", facts(), Period(QUARTER, 2026, 3), D(2026, 10, 1)).state == State.missed
    # An assembly in September does not count for the fourth quarter.
    assert judge("3M1-assembly", facts([ev(K.general_assembly, D(2026, 9, 30))]), Q4, D(2026, 10, 5)).state == State.due


def test_the_evaluation_meeting_is_a_general_assembly_too():
    f = facts([ev(K.evaluation_meeting, D(2026, 12, 16))])
    assert judge("3M1-assembly", f, Q4, D(2026, 12, 20)).state == State.met


def test_lecture_once_a_quarter():
    f = facts([ev(K.party_lecture, D(2026, 10, 28))])
    assert judge("3M1-lecture", f, Q4, D(2026, 11, 1)).state == State.met
    assert judge("3M1-lecture", facts(), Q4, D(2027, 1, 1)).state == State.missed


# --- 3M1-minutes ---------------------------------------------------------------------------------

def test_minutes_rule_needs_every_meeting_held_in_the_month_complete():
    complete = ev(K.branch_committee_meeting, D(2026, 10, 12))
    lacking = ev(K.group_meeting, D(2026, 10, 13), minutes=False, group_id=11)
    assert judge("3M1-minutes", facts([complete]), OCT, D(2026, 10, 20)).state == State.met
    result = judge("3M1-minutes", facts([complete, lacking]), OCT, D(2026, 10, 20))
    assert result.state == State.due
    assert result.next_step.key == "minutes.incomplete"
    assert result.next_step.params["event_id"] == lacking.id and result.next_step.params["missing"] == ["minutes"]
    assert set(result.evidence.events) == {complete.id, lacking.id}
    assert judge("3M1-minutes", facts([complete, lacking]), OCT, D(2026, 11, 1)).state == State.missed


def test_minutes_rule_with_no_meeting_held_is_not_applicable():
    upcoming = planned(K.branch_committee_meeting, D(2026, 10, 26))
    assert judge("3M1-minutes", facts([upcoming]), OCT, D(2026, 10, 20)).state == State.not_applicable


# --- DAY-date ------------------------------------------------------------------------------------

def test_day_date_october_2026_moves_to_the_14th_because_the_7th_is_a_holiday():
    # 7 October 2026 is a day off of the National Day holiday (swapped from Saturday 10 October).
    assert CAL.activity_day_for(2026, 10) == D(2026, 10, 14)
    on_rule = facts([ev(K.activity_day, D(2026, 10, 14))])
    assert judge("DAY-date", on_rule, OCT, D(2026, 10, 20)).state == State.met
    on_the_first_wednesday = facts([ev(K.activity_day, D(2026, 10, 7))])
    result = judge("DAY-date", on_the_first_wednesday, OCT, D(2026, 10, 20))
    assert result.state == State.late and result.next_step.key == "day.off_date"


def test_day_date_normal_first_wednesday():
    november = Period(MONTH, 2026, 11)
    assert CAL.activity_day_for(2026, 11) == D(2026, 11, 4)
    assert judge("DAY-date", facts([ev(K.activity_day, D(2026, 11, 4))]), november, D(2026, 11, 5)).state == State.met
    # The day after a swapped day off (Tuesday 5 May 2026) is an ordinary working Wednesday.
    assert CAL.activity_day_for(2026, 5) == D(2026, 5, 6)


def test_day_date_due_before_late_after_missed_when_the_month_is_over():
    f = facts()
    due = judge("DAY-date", f, OCT, D(2026, 10, 9))
    assert due.state == State.due and due.deadline == D(2026, 10, 14)
    assert due.next_step.key == "day.schedule" and due.next_step.params["notice_by"] == D(2026, 10, 11)
    assert judge("DAY-date", f, OCT, D(2026, 10, 15)).state == State.late
    assert judge("DAY-date", f, OCT, D(2026, 11, 1)).state == State.missed


def test_day_date_a_planned_event_off_the_rule_date_asks_to_move_it():
    f = facts([planned(K.activity_day, D(2026, 10, 21))])
    result = judge("DAY-date", f, OCT, D(2026, 10, 9))
    assert result.state == State.due and result.next_step.key == "day.planned_off_date"


def test_day_date_with_a_swapped_working_day_on_a_weekend():
    # A loaded schedule: Wednesday 1 October 2031 to Tuesday 7 October off, Saturday 27 September
    # and Saturday 11 October are working days. The activity day moves to Wednesday 8 October; the
    # weekend working days change nothing for Wednesdays.
    rest = {D(2031, 10, d): "国庆节" for d in range(1, 8)}
    work = {D(2031, 9, 27): "调休上班", D(2031, 10, 11): "调休上班"}
    calendar = HolidayCalendar([Override(2031, rest, work)])
    assert not calendar.is_rest_day(D(2031, 10, 11)) and calendar.is_rest_day(D(2031, 10, 12))
    assert calendar.activity_day_for(2031, 10) == D(2031, 10, 8)
    f = facts([ev(K.activity_day, D(2031, 10, 8))], calendar=calendar)
    assert judge("DAY-date", f, Period(MONTH, 2031, 10), D(2031, 10, 9)).state == State.met


def test_day_date_follows_an_override_that_moves_a_rest_day():
    # Suppose the official schedule for 2026 had moved the day off from 7 to 9 October: the first
    # Wednesday is a working day again and the activity day stays on the 7th.
    rest = {D(2026, 10, d): "国庆节" for d in (1, 2, 3, 5, 6, 9)}
    calendar = HolidayCalendar([Override(2026, rest, {D(2026, 10, 10): "调休上班"})])
    assert calendar.activity_day_for(2026, 10) == D(2026, 10, 7)
    f = facts([ev(K.activity_day, D(2026, 10, 7))], calendar=calendar)
    assert judge("DAY-date", f, OCT, D(2026, 10, 20)).state == State.met


# --- DAY-notice ----------------------------------------------------------------------------------

def test_day_notice_three_days_ahead_is_met_later_is_late():
    on_time = facts([ev(K.activity_day, D(2026, 10, 14), notice_on=D(2026, 10, 11))])
    assert judge("DAY-notice", on_time, OCT, D(2026, 10, 20)).state == State.met
    short = facts([ev(K.activity_day, D(2026, 10, 14), notice_on=D(2026, 10, 12))])
    result = judge("DAY-notice", short, OCT, D(2026, 10, 20))
    assert result.state == State.late and result.next_step.params["days_ahead"] == 2


def test_day_notice_says_by_which_sunday_it_must_go_out():
    f = facts([planned(K.activity_day, D(2026, 10, 14))])
    result = judge("DAY-notice", f, OCT, D(2026, 10, 8))
    assert result.state == State.due and result.deadline == D(2026, 10, 11)
    assert result.deadline.weekday() == 6  # Sunday
    assert result.next_step.key == "day.notice_send_by"
    from server.compliance.messages import render

    assert render(result.next_step) == "统一活动日为10月14日（星期三），须在10月11日（星期日）前发布活动预告"


def test_day_notice_overdue_then_missed():
    f = facts([planned(K.activity_day, D(2026, 10, 14))])
    assert judge("DAY-notice", f, OCT, D(2026, 10, 12)).state == State.late
    assert judge("DAY-notice", facts(), OCT, D(2026, 11, 2)).state == State.missed


# --- DAY-attendance ------------------------------------------------------------------------------

def test_day_attendance_needs_attendance_and_minutes():
    assert judge("DAY-attendance", facts([ev(K.activity_day, D(2026, 10, 14))]), OCT, D(2026, 10, 15)).state == State.met
    lacking = facts([ev(K.activity_day, D(2026, 10, 14), attendance=0)])
    result = judge("DAY-attendance", lacking, OCT, D(2026, 10, 15))
    assert result.state == State.due and result.next_step.params["missing"] == ["attendance"]
    assert judge("DAY-attendance", lacking, OCT, D(2026, 11, 1)).state == State.missed
    # Unlike the meeting rules, the activity day's record needs its minutes (content, time, place).
    no_minutes = facts([ev(K.activity_day, D(2026, 10, 14), minutes=False)])
    result = judge("DAY-attendance", no_minutes, OCT, D(2026, 10, 15))
    assert result.state == State.due and result.next_step.params["missing"] == ["minutes"]


# --- DAY-plan ------------------------------------------------------------------------------------

def test_day_plan_filed_by_31_january():
    assert judge("DAY-plan", facts([], [filing(FilingKind.activity_day_plan, 2026, D(2026, 1, 20))]), Y26,
                 D(2026, 3, 1)).state == State.met
    # Drawn up in December for the coming year counts too.
    assert judge("DAY-plan", facts([], [filing(FilingKind.activity_day_plan, 2026, D(2025, 12, 28))]), Y26,
                 D(2026, 1, 5)).state == State.met
    late = judge("DAY-plan", facts([], [filing(FilingKind.activity_day_plan, 2026, D(2026, 2, 3))]), Y26, D(2026, 3, 1))
    assert late.state == State.late and late.next_step.params["filed_on"] == D(2026, 2, 3)


def test_day_plan_due_in_january_late_after_missed_after_the_year():
    assert judge("DAY-plan", facts(), Y26, D(2026, 1, 31)).state == State.due
    assert judge("DAY-plan", facts(), Y26, D(2026, 2, 1)).state == State.late
    assert judge("DAY-plan", facts(), Y26, D(2027, 1, 1)).state == State.missed
    # Another year's plan is not this year's.
    assert judge("DAY-plan", facts([], [filing(FilingKind.activity_day_plan, 2025, D(2025, 1, 10))]), Y26,
                 D(2026, 1, 10)).state == State.due


# --- OLM-held ------------------------------------------------------------------------------------

def test_olm_held_at_year_end_is_met():
    meeting = ev(K.org_life_meeting, D(2026, 12, 18))
    assert judge("OLM-held", facts([meeting]), Y26, D(2026, 12, 20)).state == State.met
    assert judge("OLM-held", facts(), Y26, D(2026, 12, 20)).state == State.due
    assert judge("OLM-held", facts(), Y26, D(2027, 1, 1)).state == State.missed


def test_olm_moved_without_approval_is_late_with_approval_before_the_meeting_is_met():
    meeting = ev(K.org_life_meeting, D(2026, 7, 8))
    unapproved = judge("OLM-held", facts([meeting]), Y26, D(2026, 7, 10))
    assert unapproved.state == State.late and unapproved.next_step.key == "olm.date_not_approved"
    approval = filing(FilingKind.org_life_date_change, 2026, D(2026, 6, 20), requested_on=D(2026, 7, 8),
                      decision=FilingDecision.approved, decided_on=D(2026, 6, 25))
    approved = judge("OLM-held", facts([meeting], [approval]), Y26, D(2026, 7, 10))
    assert approved.state == State.met and approved.evidence.filings == [approval.id]
    # Approved only after the meeting: still late.
    after = filing(FilingKind.org_life_date_change, 2026, D(2026, 7, 1), requested_on=D(2026, 7, 8),
                   decision=FilingDecision.approved, decided_on=D(2026, 7, 9))
    assert judge("OLM-held", facts([meeting], [after]), Y26, D(2026, 7, 10)).state == State.late
    declined = filing(FilingKind.org_life_date_change, 2026, D(2026, 6, 20), requested_on=D(2026, 7, 8),
                      decision=FilingDecision.declined, decided_on=D(2026, 6, 25))
    assert judge("OLM-held", facts([meeting], [declined]), Y26, D(2026, 7, 10)).state == State.late


def test_olm_approved_postponement_into_next_year_keeps_it_due_and_then_counts():
    approval = filing(FilingKind.org_life_date_change, 2026, D(2026, 12, 1), requested_on=D(2027, 1, 20),
                      decision=FilingDecision.approved, decided_on=D(2026, 12, 5))
    waiting = judge("OLM-held", facts([], [approval]), Y26, D(2027, 1, 10))
    assert waiting.state == State.due and waiting.deadline == D(2027, 1, 20)
    held = judge("OLM-held", facts([ev(K.org_life_meeting, D(2027, 1, 20))], [approval]), Y26, D(2027, 1, 25))
    assert held.state == State.met
    # And that meeting is not also the next year's (held early without approval).
    next_year = judge("OLM-held", facts([ev(K.org_life_meeting, D(2027, 1, 20))], [approval]), Period(YEAR, 2027, 1),
                      D(2027, 2, 1))
    assert next_year.state == State.due


# --- OLM-report ----------------------------------------------------------------------------------

def _olm(day=D(2026, 12, 10)):
    return ev(K.org_life_meeting, day)


def test_olm_report_not_applicable_before_the_meeting():
    assert judge("OLM-report", facts(), Y26, D(2026, 12, 1)).state == State.not_applicable


def test_olm_report_and_minutes_within_15_days_with_rectification_items_is_met():
    meeting = _olm()
    report = filing(FilingKind.org_life_report, 2026, D(2026, 12, 20), event_id=meeting.id)
    f = facts([meeting], [report], rectification={2026: [7, 8]})
    f.extra["org_life"] = OrgLifeFacts(announced={7: D(2026, 12, 21), 8: D(2026, 12, 21)})  # announced to members
    result = judge("OLM-report", f, Y26, D(2026, 12, 28))
    assert result.state == State.met and result.deadline == D(2026, 12, 25)
    assert result.evidence.filings == [report.id] and result.evidence.rectification_items == [7, 8]


def test_olm_report_filed_after_15_days_is_late():
    meeting = _olm()
    report = filing(FilingKind.org_life_report, 2026, D(2026, 12, 26))
    minutes = filing(FilingKind.org_life_minutes, 2026, D(2026, 12, 26))
    f = facts([meeting], [report, minutes], rectification={2026: [1]})
    f.extra["org_life"] = OrgLifeFacts(announced={1: D(2026, 12, 20)})
    result = judge("OLM-report", f, Y26, D(2026, 12, 28))
    assert result.state == State.late and result.next_step.key == "olm.report_filed_late"


def test_olm_report_missing_pieces_due_then_late_then_missed():
    meeting = _olm(D(2026, 11, 10))
    report = filing(FilingKind.org_life_report, 2026, D(2026, 11, 15))  # not linked: minutes not filed with it
    f = facts([meeting], [report])
    due = judge("OLM-report", f, Y26, D(2026, 11, 20))
    assert due.state == State.due and due.next_step.params["missing"] == ["minutes", "rectification_items"]
    assert judge("OLM-report", f, Y26, D(2026, 11, 26)).state == State.late
    assert judge("OLM-report", f, Y26, D(2027, 1, 2)).state == State.missed


# --- EVAL-held -----------------------------------------------------------------------------------

def test_evaluation_meeting_once_a_year():
    f = facts([ev(K.evaluation_meeting, D(2026, 12, 16))])
    assert judge("EVAL-held", f, Y26, D(2026, 12, 20)).state == State.met
    assert judge("EVAL-held", facts(), Y26, D(2026, 12, 20)).state == State.due
    assert judge("EVAL-held", facts(), Y26, D(2027, 1, 1)).state == State.missed


# --- the engine ----------------------------------------------------------------------------------

@pytest.mark.parametrize("today", [D(2026, 10, 1), D(2026, 10, 20), D(2027, 2, 1)])
def test_evaluate_gives_one_row_per_rule_and_group_with_a_known_state(today):
    groups = [GroupFact(11, "第一党小组"), GroupFact(12, "第二党小组")]
    rows = evaluate(facts(groups=groups), 2026, 10, today)
    assert len(rows) == len(REGISTRY) + 1  # 3M1-group twice
    assert {r["state"] for r in rows} <= {s.value for s in State}
    assert all(r["next_step"] is None or r["next_step"]["text"] for r in rows)


# --- date boundaries: the days on which rules change state ----------------------------------------
# The first and last day of a month, a quarter and a year, the leap day of 2028, a month whose
# first Wednesday is a holiday, and January with the new year's schedule not loaded. The calendar
# for 2027 and 2028 is a fixed one (`package_without_notice`), not whatever the installed
# `holidays` release knows (tests/server/calendars.py), so these cases mean the same thing after
# the next release.

EST = HolidayCalendar(package=package_without_notice)


def periods(year, month):
    from server.compliance.registry import periods_for

    return periods_for(year, month)


@pytest.mark.parametrize(("last_day", "first_day"), [
    (D(2026, 10, 31), D(2026, 11, 1)),  # a month
    (D(2027, 3, 31), D(2027, 4, 1)),  # a quarter
    (D(2026, 12, 31), D(2027, 1, 1)),  # a year
    (D(2028, 2, 29), D(2028, 3, 1)),  # the leap day
])
def test_a_month_without_its_committee_meeting_is_due_on_its_last_day_and_missed_the_next(last_day, first_day):
    month = periods(last_day.year, last_day.month)[MONTH]
    assert month.end == last_day
    f = facts(calendar=EST)
    assert judge("3M1-committee", f, month, last_day).state == State.due
    missed = judge("3M1-committee", f, month, first_day)
    assert missed.state == State.missed and missed.deadline == last_day
    # The next month opens due, whatever happened before.
    following = periods(first_day.year, first_day.month)[MONTH]
    assert following.start == first_day and judge("3M1-committee", f, following, first_day).state == State.due


@pytest.mark.parametrize("day", [D(2026, 10, 1), D(2026, 10, 31), D(2028, 2, 1), D(2028, 2, 29)])
def test_a_meeting_on_the_first_or_last_day_of_the_month_counts_for_that_month_only(day):
    meeting = ev(K.branch_committee_meeting, day)
    f = facts([meeting], calendar=EST)
    month = periods(day.year, day.month)[MONTH]
    assert judge("3M1-committee", f, month, day).state == State.met  # held today, attendance taken
    before = D(day.year, day.month, 1) - dt.timedelta(days=1)
    after = month.end + dt.timedelta(days=1)
    for other in (before, after):
        other_month = periods(other.year, other.month)[MONTH]
        assert judge("3M1-committee", f, other_month, other).state == State.due


def test_a_quarters_assembly_on_its_last_day_counts_and_on_the_next_day_belongs_to_the_next_quarter():
    q1 = periods(2027, 3)[QUARTER]
    assert (q1.start, q1.end) == (D(2027, 1, 1), D(2027, 3, 31))
    on_the_last_day = facts([ev(K.general_assembly, D(2027, 3, 31))], calendar=EST)
    assert judge("3M1-assembly", on_the_last_day, q1, D(2027, 3, 31)).state == State.met
    a_day_late = facts([ev(K.general_assembly, D(2027, 4, 1))], calendar=EST)
    assert judge("3M1-assembly", a_day_late, q1, D(2027, 3, 31)).state == State.due
    assert judge("3M1-assembly", a_day_late, q1, D(2027, 4, 1)).state == State.missed
    assert judge("3M1-assembly", a_day_late, periods(2027, 4)[QUARTER], D(2027, 4, 1)).state == State.met
    assert judge("3M1-lecture", facts(calendar=EST), q1, D(2027, 4, 1)).state == State.missed


def test_the_years_rules_on_31_december_and_1_january():
    y26 = periods(2026, 12)[YEAR]
    assert y26.end == D(2026, 12, 31)
    f = facts(calendar=EST)
    assert judge("EVAL-held", f, y26, D(2026, 12, 31)).state == State.due
    assert judge("EVAL-held", f, y26, D(2027, 1, 1)).state == State.missed
    assert judge("OLM-held", f, y26, D(2026, 12, 31)).state in (State.due, State.late)
    assert judge("OLM-held", f, y26, D(2027, 1, 1)).state == State.missed
    held = facts([ev(K.evaluation_meeting, D(2026, 12, 31))], calendar=EST)
    assert judge("EVAL-held", held, y26, D(2026, 12, 31)).state == State.met
    # The new year's plan: due from its first day until 31 January, late from 1 February.
    y27 = periods(2027, 1)[YEAR]
    assert judge("DAY-plan", f, y27, D(2027, 1, 1)).state == State.due
    assert judge("DAY-plan", f, y27, D(2027, 1, 31)).state == State.due
    assert judge("DAY-plan", f, y27, D(2027, 2, 1)).state == State.late
    filed_on_the_31st = facts([], [filing(FilingKind.activity_day_plan, 2027, D(2027, 1, 31))], calendar=EST)
    assert judge("DAY-plan", filed_on_the_31st, y27, D(2027, 2, 1)).state == State.met


def test_the_leap_day_the_month_ends_on_the_29th_and_the_march_notice_deadline_falls_on_the_27th():
    feb = periods(2028, 2)[MONTH]
    assert feb.end == D(2028, 2, 29) and feb.label == "2028-02"
    assert periods(2028, 2)[QUARTER].end == D(2028, 3, 31)
    # 1 March 2028 is a Wednesday: the activity day, three days after the 27th, across the 29th.
    rule_day = EST.activity_day_for(2028, 3)
    assert rule_day == D(2028, 3, 1)
    march = periods(2028, 3)[MONTH]
    planned_day = facts([planned(K.activity_day, rule_day)], calendar=EST)
    notice = judge("DAY-notice", planned_day, march, D(2028, 2, 27))
    assert notice.deadline == D(2028, 2, 27) and notice.state == State.due
    assert judge("DAY-notice", planned_day, march, D(2028, 2, 28)).state == State.late
    on_time = facts([ev(K.activity_day, rule_day, notice_on=D(2028, 2, 27))], calendar=EST)
    assert judge("DAY-notice", on_time, march, D(2028, 3, 2)).state == State.met
    a_day_short = facts([ev(K.activity_day, rule_day, notice_on=D(2028, 2, 28))], calendar=EST)
    result = judge("DAY-notice", a_day_short, march, D(2028, 3, 2))
    assert result.state == State.late and result.next_step.params["days_ahead"] == 2
    # February's own activity day (the 2nd) was held: met on the 29th, and the month then closes.
    feb_day = EST.activity_day_for(2028, 2)
    held = facts([ev(K.activity_day, feb_day)], calendar=EST)
    assert judge("DAY-date", held, feb, D(2028, 2, 29)).state == State.met
    assert judge("DAY-date", facts(calendar=EST), feb, D(2028, 2, 29)).state == State.late
    assert judge("DAY-date", facts(calendar=EST), feb, D(2028, 3, 1)).state == State.missed


def test_october_2026_activity_day_through_the_month_when_the_first_wednesday_is_a_holiday():
    assert CAL.activity_day_for(2026, 10) == D(2026, 10, 14)
    nothing = facts()
    states = {day: judge("DAY-date", nothing, OCT, day).state
              for day in (D(2026, 10, 1), D(2026, 10, 7), D(2026, 10, 14), D(2026, 10, 15), D(2026, 10, 31),
                          D(2026, 11, 1))}
    assert states == {D(2026, 10, 1): State.due, D(2026, 10, 7): State.due, D(2026, 10, 14): State.due,
                      D(2026, 10, 15): State.late, D(2026, 10, 31): State.late, D(2026, 11, 1): State.missed}
    # The notice is due by the 11th (three days before the 14th), not by the 4th.
    assert judge("DAY-notice", nothing, OCT, D(2026, 10, 11)).state == State.due
    assert judge("DAY-notice", nothing, OCT, D(2026, 10, 12)).state == State.late


def test_january_with_the_new_years_schedule_not_loaded():
    calendar = HolidayCalendar(package=published_until(2026))
    assert calendar.source(2026) == "package" and calendar.source(2027) == "estimated"
    # From November, and on 31 December, the warning names the coming year...
    assert calendar.schedule_warning(D(2026, 10, 31)) is None
    assert calendar.schedule_warning(D(2026, 12, 31))["year"] == 2027
    # ...and from 1 January the year is running on estimates: the warning stays, all January.
    for day in (D(2027, 1, 1), D(2027, 1, 31)):
        assert calendar.schedule_warning(day)["year"] == 2027
    # January's activity day is computed from the estimate (6 January, a Wednesday) and judged so.
    january = periods(2027, 1)[MONTH]
    assert calendar.activity_day_for(2027, 1) == D(2027, 1, 6)
    f = facts([ev(K.activity_day, D(2027, 1, 6))], calendar=calendar)
    assert judge("DAY-date", f, january, D(2027, 1, 7)).state == State.met
    # Once the committee loads 2027 (New Year's Day a rest day, the 6th a day off), the activity
    # day moves a week and the warning goes.
    loaded = HolidayCalendar([Override(2027, {D(2027, 1, 1): "元旦", D(2027, 1, 6): "调休"}, {})],
                             package=published_until(2026))
    assert loaded.schedule_warning(D(2027, 1, 1)) is None
    assert loaded.activity_day_for(2027, 1) == D(2027, 1, 13)
    moved = judge("DAY-date", facts([ev(K.activity_day, D(2027, 1, 6))], calendar=loaded), january, D(2027, 1, 7))
    assert moved.state == State.late and moved.next_step.key == "day.off_date"

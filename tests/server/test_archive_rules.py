"""LOG-archive with dated cases (pure: facts by hand, "today" passed in), and its facts loader
through the compliance API."""
from __future__ import annotations

import datetime as dt

from server.archive.rules import ArchiveFacts, ArchiveMember, window
from server.calendar.days import HolidayCalendar
from server.compliance.facts import BranchFacts
from server.compliance.registry import BRANCH, REGISTRY, YEAR, Period, Scope, State

D = dt.date
Y2026 = Period(YEAR, 2026, 1)


def judge(members, today):
    facts = BranchFacts(1, "红旗村党支部", D(2020, 1, 1), HolidayCalendar(), extra={"archive": ArchiveFacts(members)})
    return REGISTRY["LOG-archive"].evaluate(Scope(BRANCH), Y2026, today, facts)


def person(id, name, printed=(), **kw):
    return ArchiveMember(id, name, kw.pop("registered_on", D(2025, 1, 1)), printed_on=list(printed), **kw)


def test_the_rule_is_yearly_in_system_7():
    rule = REGISTRY["LOG-archive"]
    assert (rule.system, rule.period) == (7, YEAR)
    assert window(2026) == (D(2026, 12, 1), D(2027, 1, 31))


def test_due_through_the_year_and_the_window_naming_members_without_an_archive():
    members = [person(1, "李明", [D(2026, 12, 3)]), person(2, "王芳")]
    for today in (D(2026, 3, 1), D(2026, 12, 31), D(2027, 1, 31)):
        result = judge(members, today)
        assert result.state == State.due and result.deadline == D(2027, 1, 31)
        assert result.evidence.members == [2]
        assert result.evidence.details == ["王芳：尚无2026年度党员手册存档"]
        assert result.next_step.key == "archive.print_by" and result.next_step.params["count"] == 1


def test_met_when_every_member_on_the_roll_has_one_printed_in_the_window():
    members = [person(1, "李明", [D(2026, 12, 3)]), person(2, "王芳", [D(2027, 1, 31)]),
               person(3, "刘离开", left_on=D(2025, 12, 1)),  # left before the year: not on its roll
               person(4, "新党员", registered_on=D(2027, 1, 5))]  # registered after it
    assert judge(members, D(2027, 1, 10)).state == State.met
    assert judge(members, D(2027, 6, 1)).state == State.met


def test_a_printing_before_the_window_does_not_keep_the_year():
    # A printing on 30 November misses the year's last month: the year is not kept by it.
    members = [person(1, "李明", [D(2026, 11, 30)])]
    assert judge(members, D(2027, 1, 10)).state == State.due
    assert judge(members, D(2027, 2, 1)).state == State.missed


def test_missed_after_the_deadline_when_someone_still_has_none():
    members = [person(1, "李明", [D(2026, 12, 3)]), person(2, "王芳"), person(3, "张三", [D(2027, 2, 3)])]
    result = judge(members, D(2027, 2, 1))
    assert result.state == State.missed
    assert result.evidence.members == [2, 3]
    assert result.next_step.key == "archive.missing" and result.next_step.params["count"] == 1


def test_late_when_every_member_has_one_but_some_after_the_deadline():
    members = [person(1, "李明", [D(2026, 12, 3)]), person(2, "王芳", [D(2027, 2, 3)])]
    result = judge(members, D(2027, 3, 1))
    assert result.state == State.late
    assert result.evidence.details == ["王芳：党员手册于2027-02-03存档（晚于2027-01-31）"]


def test_not_applicable_without_members():
    assert judge([], D(2026, 6, 1)).state == State.not_applicable
    # a member admitted after today is not yet on the roll of the open year
    assert judge([person(1, "李明", admitted_on=D(2026, 9, 1))], D(2026, 6, 1)).state == State.not_applicable

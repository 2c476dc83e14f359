"""LOG-points with dated cases (pure: facts by hand, "today" passed in), and its facts loader through
the compliance API."""
from __future__ import annotations

import datetime as dt

import pytest

import server.compliance.operations  # noqa: F401  (registers every rule module)
from server.calendar.days import HolidayCalendar
from server.compliance.facts import BranchFacts
from server.compliance.messages import render
from server.compliance.registry import BRANCH, QUARTER, REGISTRY, Period, Scope, State
from server.points.rules import PointsFacts, PublicationFact

D = dt.date
Q3 = Period(QUARTER, 2026, 3)
Q4 = Period(QUARTER, 2026, 4)


def judge(points: PointsFacts, period, today):
    facts = BranchFacts(1, "红旗村党支部", D(2020, 1, 1), HolidayCalendar(), extra={"points": points})
    return REGISTRY["LOG-points"].evaluate(Scope(BRANCH), period, today, facts)


def quarterly(*pubs):
    return PointsFacts("quarter", [PublicationFact(i, label, day) for i, (label, day) in enumerate(pubs, 1)])


def test_registered_for_system_7_per_quarter():
    assert REGISTRY["LOG-points"].system == 7 and REGISTRY["LOG-points"].period == QUARTER
    assert list(REGISTRY).index("LOG-points") > list(REGISTRY).index("LOG-verified")


def test_met_when_published_within_15_days_after_the_quarter():
    result = judge(quarterly(("2026-Q3", D(2026, 10, 15))), Q3, D(2026, 11, 20))
    assert result.state == State.met and result.deadline == D(2026, 10, 15)
    assert result.evidence.publications == [1] and "2026年10月15日" in result.evidence.details[0]


def test_due_while_the_quarter_is_open_and_within_the_window():
    open_q = judge(quarterly(), Q3, D(2026, 9, 10))
    assert open_q.state == State.due and open_q.next_step.key == "points.publish_by"
    assert judge(quarterly(), Q3, D(2026, 10, 15)).state == State.due
    assert "2026年第3季度" in render(open_q.next_step) or "本季度" in render(open_q.next_step)


def test_missed_once_the_window_passed_without_publication():
    result = judge(quarterly(), Q3, D(2026, 10, 16))
    assert result.state == State.missed and result.next_step.key == "points.not_published"


def test_late_when_published_after_the_window():
    result = judge(quarterly(("2026-Q3", D(2026, 10, 16))), Q3, D(2026, 10, 20))
    assert result.state == State.late and result.next_step.params["published_on"] == D(2026, 10, 16)


def test_no_scheme_is_due_then_missed_with_the_step_to_set_one_up():
    due = judge(PointsFacts(), Q3, D(2026, 10, 1))
    assert due.state == State.due and due.next_step.key == "points.setup"
    assert "设置积分方案" in render(due.next_step)
    assert judge(PointsFacts(), Q3, D(2026, 10, 16)).state == State.missed


def test_a_yearly_scheme_is_judged_on_the_fourth_quarter_by_15_january():
    yearly = PointsFacts("year", [PublicationFact(7, "2026", D(2027, 1, 10))])
    assert judge(yearly, Q3, D(2026, 9, 1)).state == State.not_applicable
    assert judge(PointsFacts("year"), Q4, D(2026, 12, 1)).state == State.due
    assert judge(PointsFacts("year"), Q4, D(2027, 1, 16)).state == State.missed
    met = judge(yearly, Q4, D(2027, 2, 1))
    assert met.state == State.met and met.deadline == D(2027, 1, 15) and met.evidence.publications == [7]
    # A quarter's publication does not stand for the year.
    assert judge(PointsFacts("year", [PublicationFact(8, "2026-Q4", D(2027, 1, 3))]), Q4, D(2027, 1, 20)).state \
        == State.missed


@pytest.fixture
def in_june(clock):
    clock.set_now(D(2026, 6, 1))  # the world (its branches) is registered before the quarter judged


def test_the_loader_feeds_the_branch_compliance_view(in_june, client, auth, world, clock):
    clock.set_now(D(2026, 10, 20))
    url = f"/api/v1/branches/{world.branch_a}/compliance"
    rows = client.get(url, query_string={"year": 2026, "month": 9}, headers=auth.headers("secretary_a")).json
    row = next(r for r in rows["results"] if r["rule"] == "LOG-points")
    assert row["state"] == "missed" and row["next_step"]["key"] == "points.setup"
    headers = auth.headers("secretary_a")
    assert client.post(f"/api/v1/branches/{world.branch_a}/points/scheme/suggested", headers=headers).status_code == 201
    published = client.post(f"/api/v1/branches/{world.branch_a}/points/periods/2026-Q3/publish", headers=headers)
    assert published.status_code == 201, published.json
    rows = client.get(url, query_string={"year": 2026, "month": 9}, headers=headers).json
    row = next(r for r in rows["results"] if r["rule"] == "LOG-points")
    assert row["state"] == "late" and row["evidence"]["publications"] == [published.json["id"]]
    # The committee sees that the branch published, and no points.
    committee = client.get(url, query_string={"year": 2026, "month": 9}, headers=auth.headers("committee")).json
    assert "total" not in str(next(r for r in committee["results"] if r["rule"] == "LOG-points"))

"""DUES-paid, DUES-remit and DUES-publish with dated cases (pure: facts by hand, "today" passed in),
and the facts loader behind them through the compliance API."""
from __future__ import annotations

import datetime as dt

import pytest

import server.compliance.operations  # noqa: F401  (registers every rule module, in the engine's order)
from server.calendar.days import HolidayCalendar
from server.compliance.facts import BranchFacts
from server.compliance.registry import BRANCH, MONTH, QUARTER, REGISTRY, YEAR, Period, Scope, State
from server.core.enums import DuesCategory as C
from server.dues.rules import DuesFacts, PublicationFact, RemittanceFact
from server.dues.standard import BasisFact, MemberDues, PaidFact

D = dt.date
OCT = Period(MONTH, 2026, 10)
Q3 = Period(QUARTER, 2026, 3)
Q4 = Period(QUARTER, 2026, 4)
Y26 = Period(YEAR, 2026, 1)


def member(id, name, monthly=4_200, paid=None, bases=True, **kw):
    return MemberDues(id, name, bases=[BasisFact(id, D(2026, 1, 1), C.employed, monthly)] if bases else [],
                      paid={m: PaidFact(100 + id, on, monthly, monthly) for m, on in (paid or {}).items()}, **kw)


def facts(dues: DuesFacts) -> BranchFacts:
    return BranchFacts(1, "红旗村党支部", D(2020, 1, 1), HolidayCalendar(), extra={"dues": dues})


def judge(rule_id, dues, period, today):
    return REGISTRY[rule_id].evaluate(Scope(BRANCH), period, today, facts(dues))


def test_the_three_rules_are_registered_for_system_8():
    assert {r: (REGISTRY[r].system, REGISTRY[r].period) for r in ("DUES-paid", "DUES-remit", "DUES-publish")} == {
        "DUES-paid": (8, MONTH), "DUES-remit": (8, QUARTER), "DUES-publish": (8, YEAR)}


# --- DUES-paid ------------------------------------------------------------------------------------

def test_paid_is_met_when_everyone_who_owes_paid_by_the_months_end():
    dues = DuesFacts(members=[member(1, "李明", paid={D(2026, 10, 1): D(2026, 10, 8)}),
                              member(2, "王芳", paid={D(2026, 10, 1): D(2026, 9, 28)}),  # ahead
                              member(3, "周福生", monthly=0)])  # exempt: owes nothing
    result = judge("DUES-paid", dues, OCT, D(2026, 11, 5))
    assert result.state == State.met and result.evidence.dues_payments == [101, 102]
    assert judge("DUES-paid", dues, OCT, D(2026, 10, 20)).state == State.met


def test_paid_is_due_while_the_month_is_open_and_names_who_has_not_paid():
    dues = DuesFacts(members=[member(1, "李明", paid={D(2026, 10, 1): D(2026, 10, 8)}), member(2, "王芳", monthly=100)])
    result = judge("DUES-paid", dues, OCT, D(2026, 10, 31))
    assert result.state == State.due and result.deadline == D(2026, 10, 31)
    assert result.evidence.members == [2] and result.evidence.details == ["王芳：2026年10月党费1.00元未交"]
    assert result.next_step.key == "dues.collect" and result.next_step.params["amount"] == "1.00"


def test_paid_is_missed_after_the_month_while_anyone_has_not_paid():
    dues = DuesFacts(members=[member(1, "李明"), member(2, "王芳", paid={D(2026, 10, 1): D(2026, 10, 3)})])
    result = judge("DUES-paid", dues, OCT, D(2026, 11, 1))
    assert result.state == State.missed and result.next_step.key == "dues.unpaid"
    assert result.evidence.details == ["李明：2026年10月党费42.00元未交"]


def test_paid_is_late_when_all_paid_but_some_after_the_month():
    dues = DuesFacts(members=[member(1, "李明", paid={D(2026, 10, 1): D(2026, 11, 3)}),
                              member(2, "王芳", paid={D(2026, 10, 1): D(2026, 10, 31)})])
    result = judge("DUES-paid", dues, OCT, D(2026, 11, 10))
    assert result.state == State.late and result.evidence.details == ["李明：2026年10月党费于11月3日交纳，逾期"]


def test_paid_names_members_without_a_basis_while_the_month_is_open():
    dues = DuesFacts(members=[member(1, "李明", paid={D(2026, 10, 1): D(2026, 10, 3)}), member(2, "新党员", bases=False)])
    open_ = judge("DUES-paid", dues, OCT, D(2026, 10, 20))
    assert open_.state == State.due and open_.next_step.key == "dues.basis_missing"
    assert "新党员：未核定党费计缴基数" in open_.evidence.details
    assert judge("DUES-paid", dues, OCT, D(2026, 11, 2)).state == State.met


def test_a_probationary_member_owes_from_the_month_the_assembly_admitted_them_and_not_before():
    prob = member(1, "王芳", admitted_on=D(2026, 10, 20))
    assert judge("DUES-paid", DuesFacts(members=[prob]), Period(MONTH, 2026, 9), D(2026, 10, 25)).state == \
        State.not_applicable
    assert judge("DUES-paid", DuesFacts(members=[prob]), OCT, D(2026, 11, 1)).state == State.missed


# --- DUES-remit -----------------------------------------------------------------------------------

def remittance(id, amount, on, confirmed=True, first=D(2026, 7, 1), last=D(2026, 9, 1)):
    return RemittanceFact(id, first, last, amount, on, confirmed)


def test_remit_is_due_while_the_quarter_runs_and_until_the_month_after():
    assert judge("DUES-remit", DuesFacts(collected={3: 10_000}), Q3, D(2026, 9, 20)).state == State.due
    result = judge("DUES-remit", DuesFacts(collected={3: 10_000}), Q3, D(2026, 10, 31))
    assert result.state == State.due and result.deadline == D(2026, 10, 31)
    assert result.next_step.key == "dues.remit_by" and result.next_step.params["amount"] == "100.00"


def test_remit_is_met_when_everything_collected_was_remitted_on_time_and_confirmed():
    dues = DuesFacts(collected={3: 10_000}, remittances=[remittance(1, 6_000, D(2026, 10, 8)),
                                                         remittance(2, 4_000, D(2026, 10, 30))])
    result = judge("DUES-remit", dues, Q3, D(2026, 11, 20))
    assert result.state == State.met and result.evidence.remittances == [1, 2]
    assert result.evidence.details[0] == "2026年第3季度收缴党费100.00元，已上缴100.00元，差额0.00元"


def test_remit_awaiting_the_committees_confirmation_stays_due():
    dues = DuesFacts(collected={3: 10_000}, remittances=[remittance(1, 10_000, D(2026, 10, 8), confirmed=False)])
    result = judge("DUES-remit", dues, Q3, D(2026, 11, 20))
    assert result.state == State.due and result.next_step.key == "dues.remit_unconfirmed"
    assert "待上级党委确认" in result.evidence.details[1]


def test_remit_is_late_when_completed_after_the_deadline():
    dues = DuesFacts(collected={3: 10_000}, remittances=[remittance(1, 6_000, D(2026, 10, 8)),
                                                         remittance(2, 4_000, D(2026, 11, 3))])
    result = judge("DUES-remit", dues, Q3, D(2026, 11, 20))
    assert result.state == State.late and result.next_step.params["remitted_on"] == D(2026, 11, 3)


def test_keeping_any_back_after_the_deadline_is_missed_with_the_difference_shown():
    dues = DuesFacts(collected={3: 10_000}, remittances=[remittance(1, 9_000, D(2026, 10, 8))])
    result = judge("DUES-remit", dues, Q3, D(2026, 11, 1))
    assert result.state == State.missed and result.next_step.key == "dues.kept_back"
    assert result.next_step.params["amount"] == "10.00" and "差额10.00元" in result.evidence.details[0]


def test_q4_is_remitted_by_31_january_and_a_quarter_without_collection_is_met():
    result = judge("DUES-remit", DuesFacts(collected={4: 500}), Q4, D(2027, 1, 31))
    assert result.state == State.due and result.deadline == D(2027, 1, 31)
    assert judge("DUES-remit", DuesFacts(collected={4: 500}), Q4, D(2027, 2, 1)).state == State.missed
    assert judge("DUES-remit", DuesFacts(), Q3, D(2026, 12, 1)).state == State.met


# --- DUES-publish ---------------------------------------------------------------------------------

def publication(id, on, mode="totals"):
    return PublicationFact(id, on, mode)


@pytest.mark.parametrize(("published", "today", "state"), [
    ([], D(2026, 12, 20), State.due),
    ([], D(2027, 1, 31), State.due),
    ([], D(2027, 2, 1), State.missed),
    ([D(2027, 1, 15)], D(2027, 2, 1), State.met),
    ([D(2026, 12, 1)], D(2026, 12, 2), State.met),
    ([D(2027, 2, 10)], D(2027, 3, 1), State.late),
    ([D(2026, 7, 1)], D(2027, 2, 1), State.missed),  # an interim publication does not count for the year
])
def test_publish_once_a_year_by_31_january(published, today, state):
    dues = DuesFacts(publications=[publication(i, on) for i, on in enumerate(published, 1)])
    result = judge("DUES-publish", dues, Y26, today)
    assert result.state == state and result.deadline == D(2027, 1, 31)
    if published == [D(2026, 7, 1)]:
        assert "年中公示" in result.evidence.details[0]


# --- the facts, loaded from the database ------------------------------------------------------------

@pytest.fixture
def in_october(clock):
    """The world is made on 1 October 2026 (a branch's periods before its registration are not judged)."""
    clock.set_now(D(2026, 10, 1))


def test_the_loader_feeds_the_rules_through_the_compliance_api(in_october, client, auth, world, clock):
    api = "/api/v1"
    for member_id in (world.member, world.member2):
        client.post(f"{api}/members/{member_id}/dues/bases", json={"category": "rural", "effective_from": "2026-10"},
                    headers=auth.headers("secretary_a"))
    clock.set_now(D(2026, 10, 20))
    paid = client.post(f"{api}/branches/{world.branch_a}/dues/payments",
                       json={"member_id": world.member, "months": ["2026-10"], "amount_fen": 100},
                       headers=auth.headers("secretary_a"))
    assert paid.status_code == 201, paid.json
    clock.set_now(D(2026, 11, 5))
    data = client.get(f"{api}/branches/{world.branch_a}/compliance?year=2026&month=10",
                      headers=auth.headers("secretary_a")).json
    rules = {r["rule"]: r for r in data["results"]}
    paid_rule = rules["DUES-paid"]
    assert paid_rule["state"] == "missed" and paid_rule["evidence"]["dues_payments"] == [paid.json["id"]]
    assert paid_rule["evidence"]["details"] == ["王芳：2026年10月党费1.00元未交"]
    assert paid_rule["next_step"]["text"] == "2026年10月有1名党员未交党费（共1.00元），请及时催缴"
    assert rules["DUES-remit"]["state"] == "due" and rules["DUES-publish"]["state"] == "due"
    committee = client.get(f"{api}/committees/{world.committee_id}/compliance?year=2026&month=10",
                           headers=auth.headers("committee")).json
    row = next(b for b in committee["branches"] if b["branch_id"] == world.branch_a)
    assert row["states"]["DUES-paid"] == "missed"

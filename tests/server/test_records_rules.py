"""LOG-card, LOG-immediate, LOG-annual and LOG-verified with dated cases (pure: facts by hand, "today" passed in),
and the facts loader behind them through the compliance API."""
from __future__ import annotations

import datetime as dt

import pytest

import server.compliance.operations  # noqa: F401  (registers every rule module, in the engine's order)
from server.calendar.days import HolidayCalendar
from server.compliance.facts import BranchFacts
from server.compliance.registry import BRANCH, MONTH, REGISTRY, SPEC_ORDER, YEAR, Period, Scope, State
from server.records.rules import DETAIL_CAP, IMMEDIATE_DAYS, VERIFY_DAYS, CardFact, EntryFact, LogFacts, MemberCards, \
    RecordFact

D = dt.date
OCT = Period(MONTH, 2026, 10)


def facts(log: LogFacts) -> BranchFacts:
    return BranchFacts(1, "红旗村党支部", D(2020, 1, 1), HolidayCalendar(), extra={"records_log": log})


def judge(rule_id, log, period, today):
    return REGISTRY[rule_id].evaluate(Scope(BRANCH), period, today, facts(log))


def card(id, issued, revoked=None, kind="regular", expires=D(2030, 1, 1)):
    return CardFact(id, kind, issued, revoked, expires)


def person(id, name, cards=(), floating=(), **kw):
    return MemberCards(id, name, kw.pop("registered_on", D(2025, 1, 1)), cards=list(cards), floating=list(floating), **kw)


def test_the_log_rules_are_registered_for_system_7_in_spec_order():
    log_rules = [r for r in REGISTRY if r.startswith("LOG-")]
    # LOG-archive and LOG-points are judged in their features' tests (test_archive_rules.py, test_points_rules.py).
    assert log_rules == [r for r in SPEC_ORDER if r.startswith("LOG-")]
    assert {REGISTRY[r].system for r in log_rules} == {7}
    assert [REGISTRY[r].period for r in log_rules[:4]] == [MONTH, MONTH, YEAR, MONTH]
    systems = [r.system for r in REGISTRY.values()]
    assert systems == sorted(systems)


# --- LOG-card -------------------------------------------------------------------------------------

def test_card_is_met_when_every_member_on_the_roll_holds_one_valid_card():
    log = LogFacts(members=[person(1, "李明", [card(1, D(2025, 3, 1))]),
                            person(2, "王芳", [card(2, D(2026, 10, 3))]),
                            person(3, "刘离开", left_on=D(2026, 9, 1))])  # left: not on the roll
    assert judge("LOG-card", log, OCT, D(2026, 10, 20)).state == State.met
    assert judge("LOG-card", log, OCT, D(2026, 11, 3)).state == State.met


def test_card_is_due_in_the_current_month_and_names_members_without_a_card():
    log = LogFacts(members=[person(1, "李明"), person(2, "王芳", [card(2, D(2026, 1, 1), revoked=D(2026, 10, 10))]),
                            person(3, "张三", [card(3, D(2026, 1, 1))])])
    result = judge("LOG-card", log, OCT, D(2026, 10, 20))
    assert result.state == State.due and result.deadline == D(2026, 10, 31)
    assert result.evidence.members == [1, 2]
    assert result.evidence.details == ["李明：无有效活动证", "王芳：无有效活动证"]
    assert result.next_step.key == "log.card_issue" and result.next_step.params["count"] == 2


def test_card_judges_a_past_month_as_of_its_last_day():
    # Revoked on 10 November: on 31 October she still held it; issued on 2 November: he had none.
    log = LogFacts(members=[person(1, "李明", [card(1, D(2026, 11, 2))]),
                            person(2, "王芳", [card(2, D(2026, 1, 1), revoked=D(2026, 11, 10))])])
    result = judge("LOG-card", log, OCT, D(2026, 11, 20))
    assert result.state == State.missed and result.evidence.details == ["李明：无有效活动证"]
    assert result.next_step.key == "log.card_missing"
    # A card replaced on the month's last day by a new one that day: judged held.
    replaced = LogFacts(members=[person(1, "李明", [card(1, D(2026, 1, 1), revoked=D(2026, 10, 31)),
                                                      card(2, D(2026, 10, 31))])])
    assert judge("LOG-card", replaced, OCT, D(2026, 11, 20)).state == State.met


def test_card_expired_and_floating_without_a_floating_card_are_named():
    log = LogFacts(members=[person(1, "李明", [card(1, D(2024, 1, 1), expires=D(2026, 10, 9))]),
                            person(2, "孙流动", [card(2, D(2026, 1, 1))], floating=[(D(2026, 9, 1), None)]),
                            person(3, "周流动", [card(3, D(2026, 1, 1), kind="floating")], floating=[(D(2026, 9, 1), None)])])
    result = judge("LOG-card", log, OCT, D(2026, 10, 20))
    assert result.state == State.due
    assert result.evidence.details == ["李明：活动证已于2026年10月9日过期", "孙流动：流动党员未持流动党员活动证"]


def test_card_counts_probationary_members_from_admission_and_is_not_applicable_without_members():
    log = LogFacts(members=[person(1, "新党员", admitted_on=D(2026, 10, 25))])
    assert judge("LOG-card", log, OCT, D(2026, 10, 20)).state == State.not_applicable
    assert judge("LOG-card", log, OCT, D(2026, 10, 26)).state == State.due
    assert judge("LOG-card", LogFacts(), OCT, D(2026, 10, 20)).next_step.key == "log.no_members"


# --- LOG-immediate --------------------------------------------------------------------------------

def entry(id, day, entered, kind="record", name="王芳", title="党员大会"):
    return EntryFact(id, kind, id, name, day, entered, title)


@pytest.mark.parametrize(("delay", "state"), [(0, State.met), (IMMEDIATE_DAYS, State.met), (IMMEDIATE_DAYS + 1, State.late)])
def test_immediate_allows_seven_days_and_no_more(delay, state):
    day = D(2026, 10, 5)
    log = LogFacts(entries=[entry(1, day, day + dt.timedelta(days=delay)),
                            entry(2, day, day + dt.timedelta(days=delay), kind="dues_payment", name="李明", title="交纳党费")])
    result = judge("LOG-immediate", log, OCT, D(2026, 11, 20))
    assert result.state == state and result.evidence.records == 1 and result.evidence.dues_payments == [2]
    if state == State.late:
        assert result.evidence.details == ["2026-10-05 党员大会：王芳的记实于2026年10月13日录入（晚8天）",
                                           "2026-10-05 交纳党费：李明的党费交纳于2026年10月13日录入（晚8天）"]
        assert result.next_step.key == "log.entered_late" and result.next_step.params["count"] == 2


def test_immediate_judges_only_the_months_entries_and_is_not_applicable_without_any():
    log = LogFacts(entries=[entry(1, D(2026, 9, 20), D(2026, 10, 20))])  # September's, entered in October
    result = judge("LOG-immediate", log, OCT, D(2026, 10, 25))
    assert result.state == State.not_applicable and result.next_step.key == "log.nothing_entered"
    assert judge("LOG-immediate", log, Period(MONTH, 2026, 9), D(2026, 10, 25)).state == State.late


# --- LOG-annual -----------------------------------------------------------------------------------

Y26 = Period(YEAR, 2026, 1)


def kept(id, member_id, name, kind, day, created=None, title="带头参加志愿服务"):
    return RecordFact(id, member_id, name, day, created or day, title, False, False, kind)


def two_members(*records):
    return LogFacts(members=[person(1, "李明"), person(2, "王芳")], records=list(records))


def test_annual_is_met_when_every_member_has_a_role_record_and_counts_rewards_and_punishments():
    log = two_members(kept(1, 1, "李明", "role_performance", D(2026, 3, 1)),
                      kept(2, 2, "王芳", "role_performance", D(2026, 11, 30)),
                      kept(3, 2, "王芳", "reward", D(2026, 6, 1)),  # counted, not required
                      kept(4, 1, "李明", "attendance", D(2026, 6, 1)),  # not this rule's kind
                      kept(5, 1, "李明", "role_performance", D(2025, 12, 31)))  # last year's
    result = judge("LOG-annual", log, Y26, D(2026, 12, 2))
    assert result.state == State.met and result.deadline == D(2026, 12, 31)
    assert result.evidence.records == 3 and result.evidence.details == [] and result.next_step is None


def test_annual_is_due_in_the_open_year_and_missed_after_it():
    log = two_members(kept(1, 2, "王芳", "role_performance", D(2026, 3, 1)),
                      kept(2, 1, "李明", "reward", D(2026, 4, 1)))  # a reward is not a role record
    due = judge("LOG-annual", log, Y26, D(2026, 12, 31))
    assert due.state == State.due and due.deadline == D(2026, 12, 31)
    assert due.evidence.members == [1] and due.evidence.details == ["李明：本年度尚无发挥作用情况记实"]
    assert due.next_step.key == "log.role_record_by" and due.next_step.params["count"] == 1
    missed = judge("LOG-annual", log, Y26, D(2027, 1, 1))
    assert missed.state == State.missed and missed.next_step.key == "log.role_missing"
    assert missed.evidence.details == ["李明：本年度尚无发挥作用情况记实"]


@pytest.mark.parametrize(("delay", "state"), [(IMMEDIATE_DAYS, State.met), (IMMEDIATE_DAYS + 1, State.late)])
def test_annual_allows_an_outstanding_deed_seven_days_to_be_entered(delay, state):
    day = D(2026, 7, 1)
    log = two_members(kept(1, 1, "李明", "role_performance", D(2026, 3, 1)),
                      kept(2, 2, "王芳", "role_performance", D(2026, 3, 1)),
                      kept(3, 2, "王芳", "outstanding_deed", day, day + dt.timedelta(days=delay), title="抗洪抢险"))
    result = judge("LOG-annual", log, Y26, D(2026, 12, 2))
    assert result.state == state and result.evidence.records == 3
    if state == State.late:
        assert result.evidence.members == [2]
        assert result.evidence.details == ["2026-07-01 抗洪抢险：王芳的突出事迹于2026年7月9日录入（晚8天）"]
        assert result.next_step.key == "log.deed_late" and result.next_step.params["count"] == 1


def test_annual_a_member_lacking_a_role_record_outweighs_a_late_deed():
    log = two_members(kept(1, 1, "李明", "role_performance", D(2026, 3, 1)),
                      kept(2, 1, "李明", "outstanding_deed", D(2026, 5, 1), D(2026, 6, 1), title="见义勇为"))
    result = judge("LOG-annual", log, Y26, D(2027, 2, 1))
    assert result.state == State.missed
    assert result.evidence.members == [2, 1]
    assert result.evidence.details == ["王芳：本年度尚无发挥作用情况记实",
                                       "2026-05-01 见义勇为：李明的突出事迹于2026年6月1日录入（晚31天）"]


def test_annual_judges_only_members_on_the_roll_during_the_year():
    log = LogFacts(members=[person(1, "李明"), person(2, "刘离开", left_on=D(2025, 12, 20)),
                            person(3, "陈年中离开", left_on=D(2026, 6, 30)),
                            person(4, "新党员", registered_on=D(2027, 1, 5))],
                   records=[kept(1, 1, "李明", "role_performance", D(2026, 3, 1))])
    result = judge("LOG-annual", log, Y26, D(2027, 2, 1))
    assert result.state == State.missed and result.evidence.details == ["陈年中离开：本年度尚无发挥作用情况记实"]
    gone = LogFacts(members=[person(2, "刘离开", left_on=D(2025, 12, 20))])
    result = judge("LOG-annual", gone, Y26, D(2026, 12, 2))
    assert result.state == State.not_applicable and result.next_step.key == "log.no_members"


# --- LOG-verified ---------------------------------------------------------------------------------

def rec(id, day, ack=False, conf=False, created=None, name="王芳"):
    return RecordFact(id, id, name, day, created or day, "党员大会", ack, conf)


def test_verified_is_met_when_every_record_is_acknowledged_and_confirmed():
    log = LogFacts(records=[rec(1, D(2026, 10, 5), True, True), rec(2, D(2026, 10, 9), True, True)])
    result = judge("LOG-verified", log, OCT, D(2026, 11, 20))
    assert result.state == State.met and result.evidence.records == 2
    assert judge("LOG-verified", LogFacts(), OCT, D(2026, 11, 20)).state == State.not_applicable


def test_verified_is_due_within_fourteen_days_and_late_after():
    log = LogFacts(records=[rec(1, D(2026, 10, 5), ack=True), rec(2, D(2026, 10, 9), True, True)])
    last_day = D(2026, 10, 5) + dt.timedelta(days=VERIFY_DAYS)
    within = judge("LOG-verified", log, OCT, last_day)
    assert within.state == State.due and within.deadline == D(2026, 10, 19)
    assert within.evidence.details == ["2026-10-05 党员大会：王芳的记实支部未确认（须在10月19日前）"]
    assert within.next_step.key == "log.verify_by"
    after = judge("LOG-verified", log, OCT, last_day + dt.timedelta(days=1))
    assert after.state == State.late and after.next_step.key == "log.verify_overdue"
    assert after.evidence.details == ["2026-10-05 党员大会：王芳的记实支部未确认（已超期）"]


def test_verified_gives_a_record_entered_later_its_time_from_entry():
    log = LogFacts(records=[rec(1, D(2026, 10, 1), created=D(2026, 10, 20), conf=True)])
    result = judge("LOG-verified", log, OCT, D(2026, 10, 30))
    assert result.state == State.due and result.deadline == D(2026, 11, 3)
    assert "未经本人核实" in result.evidence.details[0]


def test_verified_names_the_oldest_records_and_sums_up_the_rest():
    log = LogFacts(records=[rec(i, D(2026, 10, i), name=f"党员{i}") for i in range(1, 16)])
    result = judge("LOG-verified", log, OCT, D(2026, 11, 30))
    assert result.state == State.late and result.next_step.params["count"] == 15
    assert len(result.evidence.details) == DETAIL_CAP + 1 and result.evidence.details[-1] == "等15条"
    assert result.evidence.details[0].startswith("2026-10-01 党员大会：党员1的记实未经本人核实、支部确认")


# --- the facts, loaded from the database ------------------------------------------------------------

@pytest.fixture
def in_october(clock):
    """The world is made on 1 October 2026 (a branch's periods before its registration are not judged)."""
    clock.set_now(D(2026, 10, 1))


def test_the_loader_feeds_the_rules_through_the_compliance_api(in_october, app, client, auth, world, clock):
    from server.core.db import db
    from server.events.models import Event
    from server.org.models import Member
    from tests.server.factories import create_record

    api = "/api/v1"
    clock.set_now(D(2026, 10, 20))
    with app.test_request_context():
        event = db.session.get(Event, world.event_a)
        late = create_record(db.session.get(Member, world.member2), event=event)
        db.session.commit()
        late_id, event_day = late.id, late.occurred_on
    clock.set_now(D(2026, 11, 5))
    data = client.get(f"{api}/branches/{world.branch_a}/compliance?year=2026&month=10",
                      headers=auth.headers("secretary_a")).json
    rules = {r["rule"]: r for r in data["results"]}
    card = rules["LOG-card"]
    assert card["state"] == "missed"
    assert sorted(card["evidence"]["details"]) == sorted(["王芳：无有效活动证", "赵书记：无有效活动证"])
    assert sorted(card["evidence"]["members"]) == sorted([world.member2, world.secretary_a])
    immediate = rules["LOG-immediate"]
    assert immediate["state"] == "late" and immediate["evidence"]["records"] == 3
    assert immediate["evidence"]["details"] == [
        f"{event_day.isoformat()} 党员大会：王芳的记实于2026年10月20日录入（晚{(D(2026, 10, 20) - event_day).days}天）"]
    assert immediate["next_step"]["text"] == "2026年10月有1条组织生活或党费记实未及时录入（应在7天内录入）"
    verified = rules["LOG-verified"]
    assert verified["state"] == "late" and verified["evidence"]["records"] == 3
    assert len(verified["evidence"]["details"]) == 3 and late_id
    assert verified["next_step"]["text"] == "2026年10月有3条记实超过14天未经党员本人核实、支部确认"


def test_the_loader_feeds_the_annual_rule_through_the_compliance_api(in_october, app, client, auth, world, clock):
    from server.core.db import db
    from server.core.enums import RecordKind
    from server.org.models import Member
    from tests.server.factories import create_record

    url = f"/api/v1/branches/{world.branch_a}/compliance"

    def annual(query):
        data = client.get(f"{url}?{query}", headers=auth.headers("secretary_a")).json
        return next(r for r in data["results"] if r["rule"] == "LOG-annual")

    clock.set_now(D(2026, 10, 20))
    with app.test_request_context():
        for member_id in (world.member, world.secretary_a):
            create_record(db.session.get(Member, member_id), kind=RecordKind.role_performance,
                          occurred_on=D(2026, 10, 5), title="带头参加志愿服务")
        wang = db.session.get(Member, world.member2)
        create_record(wang, kind=RecordKind.reward, occurred_on=D(2026, 10, 8), title="优秀共产党员")
        create_record(wang, kind=RecordKind.outstanding_deed, occurred_on=D(2026, 10, 1), title="抗洪抢险")
        db.session.commit()
    clock.set_now(D(2026, 11, 5))
    result = annual("year=2026&month=11")
    assert result["state"] == "due" and result["deadline"] == "2026-12-31"
    assert result["evidence"]["records"] == 4 and result["evidence"]["members"] == [world.member2]
    assert result["evidence"]["details"] == ["王芳：本年度尚无发挥作用情况记实",
                                             "2026-10-01 抗洪抢险：王芳的突出事迹于2026年10月20日录入（晚19天）"]
    assert result["next_step"]["text"] == "1名党员本年度尚无发挥作用情况记实，请在12月31日（星期四）前记实"
    with app.test_request_context():
        create_record(db.session.get(Member, world.member2), kind=RecordKind.role_performance,
                      occurred_on=D(2026, 11, 5), title="帮扶困难群众")
        db.session.commit()
    clock.set_now(D(2027, 1, 10))
    result = annual("year=2026&month=12")
    assert result["state"] == "late" and result["evidence"]["records"] == 5
    assert result["next_step"]["text"] == "2026年度有1条突出事迹未及时记实（应在7天内录入）"

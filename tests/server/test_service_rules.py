"""EDU-posts with dated cases (pure: facts by hand, "today" passed in), and its facts loader through
the compliance API."""
from __future__ import annotations

import datetime as dt

import pytest

import server.compliance.operations  # noqa: F401  (registers every rule module, in the engine's order)
from server.calendar.days import HolidayCalendar
from server.compliance.facts import BranchFacts
from server.compliance.registry import BRANCH, MONTH, REGISTRY, Period, Scope, State
from server.service.rules import AssignmentFact, ServiceFacts, ServiceRecordFact

D = dt.date
OCT, NOV, DEC = Period(MONTH, 2026, 10), Period(MONTH, 2026, 11), Period(MONTH, 2026, 12)
SEP = Period(MONTH, 2026, 9)


def judge(f: ServiceFacts, period: Period, today: dt.date):
    facts = BranchFacts(1, "红旗村党支部", D(2020, 1, 1), HolidayCalendar(), extra={"service": f})
    return REGISTRY["EDU-posts"].evaluate(Scope(BRANCH), period, today, facts)


def post(id, member_id, name, cadence="month", starts=D(2026, 1, 1), ends=None, left=None, post_id=None,
         title="村东片区", kind="responsibility_zone"):
    return AssignmentFact(id, post_id or id, title, kind, cadence, member_id, name, starts, ends, left)


def rec(id, post_id, member_id, day, confirmed=None):
    return ServiceRecordFact(id, post_id, member_id, day, confirmed)


def test_edu_posts_is_a_monthly_rule_of_system_6():
    assert REGISTRY["EDU-posts"].system == 6 and REGISTRY["EDU-posts"].period == MONTH
    systems = [r.system for r in REGISTRY.values()]
    assert systems == sorted(systems)


def test_not_applicable_without_assignments():
    result = judge(ServiceFacts(), OCT, D(2026, 10, 20))
    assert result.state == State.not_applicable


def test_monthly_post_is_met_with_a_confirmed_record_of_the_month():
    f = ServiceFacts([post(1, 10, "李明")], [rec(1, 1, 10, D(2026, 10, 3), confirmed=D(2026, 10, 5))])
    assert judge(f, OCT, D(2026, 10, 20)).state == State.met
    result = judge(f, OCT, D(2026, 11, 10))
    assert result.state == State.met and result.evidence.records == 1


def test_monthly_post_is_due_while_the_month_is_open_even_with_a_record_awaiting_confirmation():
    f = ServiceFacts([post(1, 10, "李明"), post(2, 11, "王芳")], [rec(1, 1, 10, D(2026, 10, 3))])
    result = judge(f, OCT, D(2026, 10, 20))
    assert result.state == State.due and result.deadline == D(2026, 10, 31)
    assert result.evidence.members == [10, 11]
    assert result.evidence.details == ["李明：党员责任区「村东片区」2026年10月尚无经确认的服务记实（有待确认的记实）",
                                       "王芳：党员责任区「村东片区」2026年10月尚无经确认的服务记实"]
    assert result.next_step.key == "edu.posts_due" and result.next_step.params["count"] == 2


def test_monthly_post_is_missed_when_the_month_ended_without_a_confirmed_record():
    # A record of September does not count for October; an unconfirmed one of October does not either.
    f = ServiceFacts([post(1, 10, "李明")], [rec(1, 1, 10, D(2026, 9, 30), confirmed=D(2026, 10, 1)),
                                           rec(2, 1, 10, D(2026, 10, 30))])
    result = judge(f, OCT, D(2026, 11, 1))
    assert result.state == State.missed and result.evidence.members == [10]


def test_a_record_confirmed_after_the_period_makes_it_late():
    f = ServiceFacts([post(1, 10, "李明")], [rec(1, 1, 10, D(2026, 10, 30), confirmed=D(2026, 11, 3))])
    result = judge(f, OCT, D(2026, 11, 5))
    assert result.state == State.late and result.evidence.members == [10]
    assert result.evidence.details == ["李明：党员责任区「村东片区」2026年10月的服务记实逾期才确认"]


def test_another_members_or_another_posts_record_does_not_count():
    f = ServiceFacts([post(1, 10, "李明", post_id=5)],
                     [rec(1, 5, 11, D(2026, 10, 3), D(2026, 10, 3)), rec(2, 6, 10, D(2026, 10, 3), D(2026, 10, 3))])
    assert judge(f, OCT, D(2026, 11, 1)).state == State.missed


def test_quarterly_posts_are_judged_once_in_the_quarters_last_month_over_the_quarter():
    f = ServiceFacts([post(1, 10, "李明", cadence="quarter")], [rec(1, 1, 10, D(2026, 7, 15), D(2026, 7, 16))])
    # July and August judge nothing of it; September judges Q3, met by July's record.
    assert judge(f, Period(MONTH, 2026, 7), D(2026, 10, 1)).state == State.not_applicable
    assert judge(f, Period(MONTH, 2026, 8), D(2026, 10, 1)).state == State.not_applicable
    assert judge(f, SEP, D(2026, 10, 1)).state == State.met
    # Q4: due in December while it is open (deadline 31 December), missed after it.
    result = judge(f, DEC, D(2026, 12, 10))
    assert result.state == State.due and result.deadline == D(2026, 12, 31)
    assert "2026年第4季度" in result.evidence.details[0]
    assert judge(f, DEC, D(2027, 1, 2)).state == State.missed
    assert judge(f, OCT, D(2026, 12, 10)).state == State.not_applicable


def test_yearly_posts_are_judged_in_december_over_the_year():
    f = ServiceFacts([post(1, 10, "李明", cadence="year", kind="commitment", title="公开承诺")],
                     [rec(1, 1, 10, D(2026, 3, 15), D(2026, 3, 16))])
    assert judge(f, NOV, D(2026, 12, 1)).state == State.not_applicable
    assert judge(f, DEC, D(2027, 1, 5)).state == State.met
    empty = ServiceFacts(f.assignments, [])
    result = judge(empty, DEC, D(2027, 1, 5))
    assert result.state == State.missed
    assert result.evidence.details == ["李明：承诺践诺「公开承诺」2026年度尚无经确认的服务记实"]


@pytest.mark.parametrize(("starts", "ends", "left", "judged"), [
    (D(2026, 11, 1), None, None, False),  # assigned after October
    (D(2026, 1, 1), D(2026, 9, 30), None, False),  # ended before October
    (D(2026, 1, 1), None, D(2026, 9, 1), False),  # the member left before October
    (D(2026, 10, 31), None, None, True),  # assigned on October's last day: judged
    (D(2026, 1, 1), D(2026, 10, 1), None, True),  # ended during October: judged
])
def test_only_assignments_overlapping_the_period_are_judged(starts, ends, left, judged):
    f = ServiceFacts([post(1, 10, "李明", starts=starts, ends=ends, left=left)])
    state = judge(f, OCT, D(2026, 11, 5)).state
    assert state == (State.missed if judged else State.not_applicable)


# --- the facts, loaded from the database ------------------------------------------------------------

@pytest.fixture
def in_october(clock):
    clock.set_now(D(2026, 10, 1))


def test_the_loader_feeds_edu_posts_through_the_compliance_api(in_october, app, client, auth, world, clock):
    from server.core.db import db
    from server.core.enums import RecordKind
    from server.org.models import Member
    from server.records.operations import confirm
    from server.service.operations import assign, create_service_post
    from tests.server.factories import create_record

    clock.set_now(D(2026, 10, 2))
    with app.test_request_context():
        zone = create_service_post(world.branch_a, kind="responsibility_zone", title="村东片区", description=None,
                                   cadence="month", starts_on=D(2026, 10, 1))
        other_branch = create_service_post(world.branch_b, kind="vanguard_post", title="先锋岗", description=None,
                                           cadence="month", starts_on=D(2026, 10, 1))
        li, wang = db.session.get(Member, world.member), db.session.get(Member, world.member2)
        assign(zone, li.id, D(2026, 10, 1), actor_id=None)
        assign(zone, wang.id, D(2026, 10, 1), actor_id=None)
        assign(other_branch, world.member_b, D(2026, 10, 1), actor_id=None)
        done = create_record(li, kind=RecordKind.service, occurred_on=D(2026, 10, 2), service_post_id=zone.id)
        confirm(done, actor_id=None)
        refused = create_record(wang, kind=RecordKind.service, occurred_on=D(2026, 10, 2), service_post_id=zone.id,
                                client_id="refused-01", refused_at=clock.now(), refused_reason="不符")
        db.session.commit()
        assert refused.id
    clock.set_now(D(2026, 11, 5))
    data = client.get(f"/api/v1/branches/{world.branch_a}/compliance?year=2026&month=10",
                      headers=auth.headers("secretary_a")).json
    result = next(r for r in data["results"] if r["rule"] == "EDU-posts")
    assert result["state"] == "missed"
    assert result["evidence"]["members"] == [world.member2] and result["evidence"]["records"] == 1
    assert result["evidence"]["details"] == ["王芳：党员责任区「村东片区」2026年10月尚无经确认的服务记实"]
    assert result["next_step"]["text"] == "2026年10月有1名在岗党员没有经确认的服务记实"

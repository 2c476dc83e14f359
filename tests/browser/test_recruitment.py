"""Recruitment on the phone (390×844), through the UI against the real server: the organizer's
list puts the probationary member whose probation ended 17 days ago first, as overdue; a
conversion discussion dated before the end of probation is refused with the rule it breaks; the
discussion with its vote is recorded; the committee's account records the superior approval;
the member's own home screen shows them full.

With ZHIBU_SCREENSHOTS=1 the pictures of `docs/guide-secretary.md` go to docs/screenshots/
(guide-recruitment-*.png). Runs on SQLite only (see conftest.py).
"""
from __future__ import annotations

import datetime as dt

from playwright.sync_api import expect

from sync import clock
from tests.browser import live

expect.set_options(timeout=15_000)


def shot(page, directory, name, full_page=True):
    page.wait_for_timeout(300)  # let transitions settle
    page.screenshot(path=directory / name, animations="disabled", caret="hide", full_page=full_page)


def probation_ended_17_days_ago(app, cast) -> dict:
    """cast.member2 (王芳, probationary) with the demo's history: admitted by the assembly a year
    before the day 17 days ago, so her probation ended then and nobody has discussed it; and an
    applicant whose letter came three days ago."""
    import sqlalchemy as sa

    from server.auth.models import User
    from server.core.db import db
    from server.org.models import Branch, Member
    from server.recruitment import operations as ops
    from server.recruitment.demo import overdue_admission
    from server.recruitment.pipeline import Body, add_months, add_years
    from server.recruitment.pipeline import StepKind as K

    today = clock.today()
    with app.app_context():
        users = dict(db.session.execute(sa.select(User.username, User.id).where(
            User.username.in_([cast.secretary, cast.committee]))).all())
        secretary, committee = users[cast.secretary], users[cast.committee]
        branch = db.session.get(Branch, cast.branch_a)
        member = db.session.get(Member, cast.member2_id)
        admitted = overdue_admission(today)
        member.admitted_on = admitted
        candidate = admitted - dt.timedelta(days=75)
        activist = add_years(candidate, -1) - dt.timedelta(days=30)
        case = ops.create_case(branch, {"name": member.name, "gender": "female", "birth_date": dt.date(1996, 5, 12),
                                        "applied_on": add_months(activist, -6), "group_id": member.group_id}, secretary,
                               today)
        case.member_id = member.id

        def step(kind, on, actor=secretary, **data):
            ops.record_step(case, {"kind": kind, "on": on, **data}, actor, today)

        step(K.talk, add_months(activist, -6) + dt.timedelta(days=10))
        step(K.activist, activist, decided_by=Body.branch_committee)
        ops.set_contacts(case, [cast.member_id, cast.secretary_id], activist, secretary, today)
        step(K.assessment, add_months(activist, 5), note="表现良好")
        step(K.assessment, add_months(activist, 10), note="表现良好")
        step(K.candidate, candidate)
        step(K.political_review, admitted - dt.timedelta(days=60))
        step(K.training, admitted - dt.timedelta(days=45))
        step(K.committee_review, admitted - dt.timedelta(days=30))
        step(K.pre_review, admitted - dt.timedelta(days=20), committee)
        step(K.admission_vote, admitted, votes={"votes_for": 2, "votes_against": 0, "abstentions": 0, "present": 2,
                                                "entitled": 2})
        step(K.admission_approval, admitted + dt.timedelta(days=20), committee)
        ops.create_case(branch, {"name": "刘洋", "applied_on": today - dt.timedelta(days=3)}, secretary, today)
        db.session.commit()
        result = {"case": case.id, "ends_on": case.probation_ends_on}
        db.session.remove()
        return result


def test_the_organizer_and_the_committee_make_a_probationary_member_full(phones, live_server, cast, screenshot_dir):
    url, app = live_server.url, live_server.app
    story = probation_ended_17_days_ago(app, cast)
    ends_on = story["ends_on"]
    assert (clock.today() - ends_on).days in (17, 18)

    # The member sees her own stage: probationary, and when probation ends.
    member = phones.phone()
    live.login(member, url, cast.member2)
    mine = member.get_by_test_id("rec-mine")
    expect(mine).to_have_attribute("data-stage", "probationary")
    expect(member.get_by_test_id("rec-mine-ends")).to_contain_text(f"{ends_on.year}年{ends_on.month}月{ends_on.day}日")
    expect(member.get_by_test_id("rec-mine-next")).to_contain_text("支部党员大会")

    # The organizer's list: the overdue conversion first.
    page = phones.phone()
    live.login(page, url, cast.secretary)
    page.goto(f"{url}/manage")
    page.get_by_test_id("desk-recruitment").click()
    first = page.get_by_test_id("rec-case").first
    expect(first).to_contain_text("王芳")
    expect(first).to_have_attribute("data-overdue", "1")
    expect(first.get_by_test_id("rec-case-overdue")).to_contain_text("支部党员大会须讨论其能否转为正式党员")
    expect(page.get_by_test_id("rec-stage-applicant")).to_contain_text("刘洋")
    expect(page.get_by_test_id("rec-stage-overdue")).to_contain_text("1 人有逾期环节")
    shot(page, screenshot_dir, "guide-recruitment-1-list.png")

    first.click()
    expect(page.get_by_test_id("rec-summary")).to_have_attribute("data-stage", "probationary")
    expect(page.get_by_test_id("rec-overdue")).to_contain_text("已逾期")
    expect(page.get_by_test_id("rec-step-kind")).to_have_value("conversion_discussion")
    expect(page.get_by_test_id("rec-votes-entitled")).to_have_value("2")  # the branch's full members

    # Dated before probation ended: refused, with the rule it breaks.
    page.get_by_test_id("rec-step-on").fill((ends_on - dt.timedelta(days=1)).isoformat())
    page.get_by_test_id("rec-step-note").fill("同意按期转为正式党员")
    page.get_by_test_id("rec-step-submit").click()
    error = page.get_by_test_id("rec-step-error")
    expect(error).to_contain_text("预备期满方可讨论转正")
    expect(error).to_contain_text(f"预备期于{ends_on.year}年{ends_on.month}月{ends_on.day}日届满")
    page.get_by_test_id("rec-step-submit").scroll_into_view_if_needed()
    shot(page, screenshot_dir, "guide-recruitment-2-refused.png", full_page=False)

    # The assembly met today: recorded with its vote.
    page.get_by_test_id("rec-step-on").fill(clock.today().isoformat())
    page.get_by_test_id("rec-step-submit").click()
    expect(page.get_by_test_id("rec-done")).to_be_visible()
    latest = page.get_by_test_id("rec-timeline-step").first
    expect(latest).to_have_attribute("data-kind", "conversion_discussion")
    expect(latest).to_contain_text("赞成2")
    expect(page.get_by_test_id("rec-committee-turn")).to_contain_text("上级党委审批转正")
    expect(page.get_by_test_id("rec-overdue")).to_have_count(0)

    # The committee approves.
    committee = phones.phone()
    live.login(committee, url, cast.committee, wait_synced=False)
    committee.get_by_test_id("home-committee-recruitment").click()
    waiting = committee.get_by_test_id("rec-committee-case")
    expect(waiting).to_have_count(1)
    expect(waiting).to_contain_text("王芳")
    waiting.click()
    expect(committee.get_by_test_id("rec-step-kind")).to_have_value("conversion_approval")
    committee.get_by_test_id("rec-step-note").fill("同意王芳同志按期转为正式党员")
    committee.get_by_test_id("rec-step-submit").click()
    expect(committee.get_by_test_id("rec-summary")).to_have_attribute("data-stage", "full")
    expect(committee.get_by_test_id("rec-full-since")).to_contain_text(f"{ends_on.year}年{ends_on.month}月{ends_on.day}日")
    expect(committee.get_by_test_id("rec-no-next")).to_be_visible()
    shot(committee, screenshot_dir, "guide-recruitment-3-approved.png", full_page=False)

    # The member's own screen says so; the roster too.
    member.reload()
    expect(member.get_by_test_id("rec-mine")).to_have_attribute("data-stage", "full")
    expect(member.get_by_test_id("rec-mine-full")).to_contain_text(f"{ends_on.year}年{ends_on.month}月{ends_on.day}日")
    roster = live.api_get(app, cast.secretary, f"/api/v1/branches/{cast.branch_a}/members")
    wang = next(m for m in roster if m["id"] == cast.member2_id)
    assert (wang["status"], wang["full_since"]) == ("full", ends_on.isoformat())

"""A democratic evaluation of a small branch, from the self-assessments to the feedback, at a phone's
size (390×844), through the UI against the real server: the secretary begins it; a member writes
their self-assessment offline (saved on the phone, then it reaches the server); the forms open at
the meeting; the member votes on the phone (the ballot goes in without the login), a paper form
is typed in by the secretary and confirmed by a second teller; the secretary closes the forms,
sees the tally and proposes grades; the committee approves; the member reads their grade.

With ZHIBU_SCREENSHOTS=1 the pictures of docs/guide-secretary.md's evaluation section go to
docs/screenshots/ (guide-eval-*.png). Runs on SQLite only (see conftest.py).
"""
from __future__ import annotations

import datetime as dt

from playwright.sync_api import expect

from sync import clock
from tests.browser import live
from tests.browser.test_secretary_month import shot, small_tap_targets

expect.set_options(timeout=15_000)


def api(app, username: str, method: str, path: str, **kw):
    return app.test_client().open(path, method=method, headers=live.api_login(app, username), **kw)


def held_meeting(app, branch_id: int, member_ids) -> int:
    """Yesterday's evaluation meeting of the branch, held, with attendance and minutes (the peer assessment)."""
    from server.core.db import db
    from server.core.enums import EventKind
    from server.org.models import Branch, Member
    from tests.server import factories

    with app.app_context():
        branch = db.session.get(Branch, branch_id)
        members = [db.session.get(Member, m) for m in member_ids]
        event = factories.create_meeting(branch, EventKind.evaluation_meeting, clock.today() - dt.timedelta(days=1),
                                         attendees=members, title="民主评议党员大会", hour=14)
        factories.create_minutes(event, "民主评议党员大会记录：党员逐一自评，互相评议，填写民主测评表。")
        db.session.commit()
        event_id = event.id
        db.session.remove()
        return event_id


def advance(page, stage: str) -> None:
    button = page.get_by_test_id("evaluation-advance")
    expect(page.get_by_test_id("evaluation-next")).to_have_attribute("data-next", stage)
    button.click()
    expect(page.get_by_test_id("evaluation-stage-page")).to_have_attribute("data-stage", stage)


def test_an_evaluation_from_self_assessment_to_feedback(phones, live_server, cast, screenshot_dir):
    url, app = live_server.url, live_server.app
    meeting = held_meeting(app, cast.branch_a, (cast.member_id, cast.member2_id, cast.secretary_id))
    browser = phones.browser()

    # The secretary begins the year's evaluation, linked to its meeting, and starts the self-assessments.
    secretary = phones.phone(browser=browser)
    live.login(secretary, url, cast.secretary)
    secretary.goto(f"{url}/manage")
    secretary.get_by_test_id("desk-evaluation").click()
    secretary.get_by_test_id("evaluation-meeting").select_option(str(meeting))
    secretary.get_by_test_id("evaluation-create-submit").click()
    expect(secretary.get_by_test_id("evaluation-stage-page")).to_have_attribute("data-stage", "preparing")
    advance(secretary, "self_assessment")
    expect(secretary.get_by_test_id("evaluation-member")).to_have_count(3)  # A's roll: not the floating guest
    [evaluation] = api(app, cast.secretary, "GET", f"/api/v1/branches/{cast.branch_a}/evaluations").json
    eid = evaluation["id"]

    # 李明 writes his self-assessment with no network: saved on the phone, then it reaches the server.
    member = phones.phone(browser=browser)
    live.login(member, url, cast.member)
    expect(member.get_by_test_id("home-evaluation")).to_have_attribute("data-ask", "write")
    member.get_by_test_id("home-evaluation").click()
    expect(member.get_by_test_id("evaluation-year")).to_be_visible()  # his year from the records, beside it
    live.go_offline(member.context)
    live.wait_sync_state(member, "offline")
    member.get_by_test_id("self-text").fill("一年来按时参加组织生活，带头参加村里的环境整治。不足：学习不够系统。")
    member.get_by_test_id("self-save").click()
    expect(member.get_by_test_id("self-message")).to_contain_text("已保存在手机上")
    expect(member.get_by_test_id("self-waiting")).to_be_visible()
    shot(member, screenshot_dir, "guide-eval-1-self.png")
    live.go_online(member.context)
    expect(member.get_by_test_id("self-on-server")).to_be_visible()
    expect(member.get_by_test_id("self-waiting")).to_have_count(0)
    for who, member_id in ((cast.member2, cast.member2_id), (cast.secretary, cast.secretary_id)):
        written = api(app, who, "PUT", f"/api/v1/evaluations/{eid}/members/{member_id}/self-assessment",
                      json={"text": "认真履行党员义务，按时交纳党费。", "nonce": f"browser-{member_id}-nonce"})
        assert written.status_code == 200, written.json

    # At the meeting: peer assessment, then the forms open. 李明 is named a teller; 王芳 takes paper.
    secretary.reload()
    advance(secretary, "peer_assessment")
    advance(secretary, "balloting")
    secretary.get_by_test_id("evaluation-teller-picker").locator(f'input[data-member="{cast.member_id}"]').check()
    expect(secretary.get_by_test_id("evaluation-done")).to_be_visible()
    line = secretary.locator(f'[data-testid="evaluation-member"][data-member="{cast.member2_id}"]')
    line.get_by_test_id("hand-paper").click()
    expect(secretary.get_by_test_id("evaluation-done")).to_contain_text("王芳")
    shot(secretary, screenshot_dir, "guide-eval-2-stage.png")
    assert small_tap_targets(secretary) == []
    secretary.get_by_test_id("paper-count").fill("1")
    secretary.get_by_test_id("print-paper").click()
    form = secretary.get_by_test_id("paper-form")
    expect(form).to_have_count(1)
    code = form.get_attribute("data-code")
    shot(secretary, screenshot_dir, "guide-eval-3-paper.png")

    # 李明 votes on his phone: the ballot is drawn logged in and goes in without the login.
    ballots = []
    member.on("request", lambda r: ballots.append(r) if r.url.endswith("/api/v1/ballots") else None)
    member.goto(f"{url}/evaluation")
    vote = member.get_by_test_id("evaluation-vote")
    expect(vote).to_have_attribute("data-ballot", "signed")
    for member_id, grade in ((cast.member_id, "qualified"), (cast.member2_id, "excellent"),
                             (cast.secretary_id, "excellent")):
        member.get_by_test_id(f"form-member-{member_id}").locator(f'[data-grade="{grade}"]').click()
    shot(member, screenshot_dir, "guide-eval-4-vote.png")
    assert small_tap_targets(member) == []
    member.get_by_test_id("vote-submit").click()
    expect(member.get_by_test_id("vote-done")).to_be_visible()
    assert len(ballots) == 1 and "authorization" not in ballots[0].headers
    member.reload()
    expect(member.get_by_test_id("vote-done")).to_be_visible()  # the phone remembers it voted, nothing more

    # 王芳's paper form: the secretary types it in, 李明 (a teller) confirms it with the paper in hand.
    secretary.goto(f"{url}/evaluation/{eid}/tellers")
    secretary.get_by_test_id("teller-code").fill(code)
    for member_id, grade in ((cast.member_id, "excellent"), (cast.member2_id, "qualified"),
                             (cast.secretary_id, "excellent")):
        secretary.get_by_test_id(f"form-member-{member_id}").locator(f'[data-grade="{grade}"]').click()
    secretary.get_by_test_id("teller-submit").click()
    expect(secretary.get_by_test_id("teller-entry")).to_have_attribute("data-mine", "1")
    member.goto(f"{url}/evaluation")
    member.get_by_test_id("evaluation-tellers").click()
    entry = member.get_by_test_id("teller-entry")
    expect(entry).to_have_attribute("data-mine", "0")
    entry.get_by_test_id("teller-confirm-code").fill(code.lower())
    entry.get_by_test_id("teller-confirm").click()
    expect(member.get_by_test_id("teller-done")).to_be_visible()
    expect(member.get_by_test_id("teller-entry")).to_have_count(0)

    # The forms close: the tally is there; the branch committee proposes the grades and submits them.
    secretary.goto(f"{url}/manage/evaluation")
    expect(secretary.get_by_test_id("evaluation-progress")).to_contain_text("2")
    advance(secretary, "grading")
    expect(secretary.get_by_test_id("evaluation-tally")).to_have_count(3)
    for member_id, grade in ((cast.member_id, "qualified"), (cast.member2_id, "qualified"),
                             (cast.secretary_id, "excellent")):
        secretary.locator(f'[data-testid="evaluation-member"][data-member="{member_id}"] a').click()
        expect(secretary.get_by_test_id("sheet-tally")).to_be_visible()
        secretary.get_by_test_id("sheet-grade").locator(f'[data-grade="{grade}"]').click()
        if member_id == cast.member_id:
            shot(secretary, screenshot_dir, "guide-eval-5-grade.png")
            assert small_tap_targets(secretary) == []
        secretary.get_by_test_id("sheet-propose").click()
        expect(secretary.get_by_test_id("sheet-done")).to_be_visible()
        secretary.get_by_test_id("back").click()
    advance(secretary, "review")

    # The superior committee approves every grade: feedback begins.
    committee = phones.phone(browser=browser)
    live.login(committee, url, cast.committee)
    committee.get_by_test_id("home-evaluation-review").click()
    review = committee.get_by_test_id("review-evaluation").filter(has=committee.get_by_test_id("review-approve"))
    expect(review.get_by_test_id("review-member")).to_have_count(3)
    shot(committee, screenshot_dir, "guide-eval-6-review.png")
    assert small_tap_targets(committee) == []
    review.get_by_test_id("review-approve").click()
    expect(committee.get_by_test_id("review-done")).to_be_visible()
    expect(committee.locator(f'[data-testid="review-evaluation"][data-stage="feedback"]')).to_have_count(1)

    # 李明 reads his grade, which only he and the branch see.
    member.goto(f"{url}/evaluation")
    grade = member.get_by_test_id("evaluation-grade")
    expect(grade).to_have_attribute("data-grade", "qualified")
    expect(grade).to_contain_text("合格")
    shot(member, screenshot_dir, "guide-eval-7-result.png")
    mine = api(app, cast.member2, "GET", f"/api/v1/evaluations/{eid}/members/{cast.member_id}")
    assert mine.status_code == 403


def test_an_invited_non_member_votes_once_with_the_printed_qr_link(phones, live_server, cast):
    """The secretary prints invitations (QR codes, shown once); a guest opens the link on a phone with
    no account and votes; the same link again is refused."""
    import types

    from server.core.db import db
    from tests.server.evaluationkit import evaluation_at

    url, app = live_server.url, live_server.app
    world = types.SimpleNamespace(branch_a=cast.branch_a, member=cast.member_id, member2=cast.member2_id,
                                  secretary_a=cast.secretary_id)
    with app.app_context():
        evaluation_at(world, "balloting")
        db.session.remove()
    secretary = phones.phone()
    live.login(secretary, url, cast.secretary)
    secretary.goto(f"{url}/manage/evaluation")
    secretary.get_by_test_id("guest-count").fill("2")
    secretary.get_by_test_id("print-guests").click()
    invites = secretary.get_by_test_id("guest-invite")
    expect(invites).to_have_count(2)
    expect(invites.first.locator("svg")).to_be_visible()  # the QR code, under the server's CSP
    link = invites.first.get_attribute("data-link")
    assert "#" in link and "/ballot" in link
    secretary.reload()  # shown once: gone from the phone too
    expect(secretary.get_by_test_id("print-gone")).to_be_visible()

    guest = phones.phone()
    guest.goto(link)
    expect(guest.get_by_test_id("ballot-page")).to_have_attribute("data-state", "form")
    guest.get_by_test_id(f"form-member-{cast.member_id}").locator('[data-grade="excellent"]').click()
    guest.get_by_test_id("ballot-submit").click()
    expect(guest.get_by_test_id("ballot-done")).to_be_visible()
    guest.reload()
    expect(guest.get_by_test_id("ballot-page")).to_have_attribute("data-state", "used")

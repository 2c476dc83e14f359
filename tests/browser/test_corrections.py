"""Correction requests (整改通知) on phones (390×844), through the UI against the real server with
the demo loaded: the township committee sends 红旗村 a correction request from its compliance
table in two taps (the rule it missed last month, prefilled with its period and a deadline 15
days on); the branch's secretary sees it waiting on the home screen and answers with evidence;
the committee sees the answer waiting and accepts it. Also the committee's filings inbox.
With ZHIBU_SCREENSHOTS=1 the pictures of `docs/guide-secretary.md` go to docs/screenshots/
(guide-corrections-answer.png). Runs on SQLite only (see conftest.py).
"""
from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from sync import clock
from tests.browser import live
from tests.browser.test_compliance import COMMITTEE, PASSWORD, SECRETARY, serving_the_demo
from tests.browser.test_secretary_month import small_tap_targets

expect.set_options(timeout=15_000)


@pytest.fixture(scope="module")
def demo_server(_sqlite_template, tmp_path_factory):
    with serving_the_demo(_sqlite_template, tmp_path_factory) as server:
        yield server


def shot(page, directory, name):
    page.wait_for_timeout(300)  # let transitions settle
    page.screenshot(path=directory / name, animations="disabled", caret="hide", full_page=True)


def test_committee_sends_a_correction_in_two_taps_and_accepts_the_answer(phones, demo_server, screenshot_dir):
    url = demo_server.url
    committee = phones.phone()
    live.login(committee, url, COMMITTEE, PASSWORD)
    committee.get_by_test_id("home-committee").click()
    committee.get_by_test_id("committee-last-month").click()
    # The demo's open request to 星火科技 about last month's group meeting shows as sent, not offered again.
    xinghuo = committee.locator('[data-testid="correction-offers"]').filter(
        has=committee.locator('[data-testid="correction-sent"][data-rule="3M1-group"]'))
    expect(xinghuo).to_have_count(1)
    hongqi_id = _branch_id(demo_server.app, "红旗村党支部")
    offers = committee.locator(f'[data-testid="correction-offers"][data-branch-id="{hongqi_id}"]')
    offer = offers.get_by_test_id("correction-offer").first
    rule = offer.get_attribute("data-rule")
    assert small_tap_targets(committee) == []

    offer.click()  # tap one: the request, prefilled
    expected = (clock.today() + dt.timedelta(days=15)).isoformat()
    expect(committee.get_by_test_id("correction-deadline")).to_have_value(expected)
    committee.get_by_test_id("correction-confirm-send").click()  # tap two: sent
    expect(committee.get_by_test_id("correction-sent-note")).to_be_visible()
    expect(offers.locator(f'[data-testid="correction-sent"][data-rule="{rule}"]')).to_be_visible()

    # The secretary: told on the home screen, answers with what was done and its evidence.
    secretary = phones.phone()
    live.login(secretary, url, SECRETARY, PASSWORD)
    waiting = secretary.get_by_test_id("home-corrections")
    expect(waiting).to_have_attribute("data-waiting", "1")
    waiting.click()
    secretary.locator('[data-testid="correction"][data-state="sent"]').first.click()
    expect(secretary.get_by_test_id("correction-request")).to_have_attribute("data-state", "sent")
    secretary.get_by_test_id("correction-answer-text").fill("已召开支委会研究整改，补记会议记录并上传照片。")
    choices = secretary.get_by_test_id("correction-evidence-choice")
    expect(choices.first).to_be_visible()
    evidence = choices.first.inner_text().split("·")[1].strip().split(" ")[0]
    choices.first.locator("input").check()
    assert small_tap_targets(secretary) == []
    shot(secretary, screenshot_dir, "guide-corrections-answer.png")
    secretary.get_by_test_id("correction-answer-send").click()
    expect(secretary.get_by_test_id("correction-request")).to_have_attribute("data-state", "answered")
    expect(secretary.get_by_test_id("correction-evidence").first).to_contain_text(evidence)

    # The committee: the answer waits on its home screen; it reads the evidence and accepts.
    committee.goto(url + "/")
    waiting = committee.get_by_test_id("home-corrections")
    expect(waiting).to_have_attribute("data-waiting", "1")
    waiting.click()
    committee.locator('[data-testid="correction"][data-state="answered"]').click()
    expect(committee.get_by_test_id("correction-evidence").first).to_contain_text(evidence)
    committee.get_by_test_id("correction-accept").click()
    expect(committee.get_by_test_id("correction-request")).to_have_attribute("data-state", "accepted")
    expect(committee.get_by_test_id("correction-done")).to_be_visible()

    # And the branch sees it closed.
    secretary.reload()
    expect(secretary.get_by_test_id("correction-request")).to_have_attribute("data-state", "accepted")


def test_committee_returns_a_filing_and_the_branch_sees_why(phones, demo_server):
    url = demo_server.url
    committee = phones.phone()
    live.login(committee, url, COMMITTEE, PASSWORD)
    _file(demo_server.app)
    committee.get_by_test_id("home-committee-filings").click()
    title = "关于党员活动室改造的报告"
    first = committee.locator('[data-testid="inbox-filing"][data-state="sent"]').filter(has_text=title)
    expect(first).to_have_count(1)
    expect(first).to_contain_text("红旗村党支部")
    first.get_by_test_id("inbox-return").click()
    expect(first.get_by_role("alert")).to_be_visible()  # a return says why
    first.get_by_test_id("inbox-reason").fill("请补充会议签到表")
    first.get_by_test_id("inbox-return").click()
    expect(committee.locator('[data-testid="inbox-filing"][data-state="sent"]').filter(has_text=title)).to_have_count(0)

    secretary = phones.phone()
    live.login(secretary, url, SECRETARY, PASSWORD)
    secretary.goto(url + "/manage/filings")
    returned = secretary.locator('[data-testid="filing"][data-state="returned"]').filter(has_text=title)
    expect(returned.first).to_contain_text("请补充会议签到表")


def _branch_id(app, name: str) -> int:
    import sqlalchemy as sa

    from server.core.db import db
    from server.org.models import Branch

    with app.app_context():
        return db.session.scalar(sa.select(Branch.id).where(Branch.name == name))


def _file(app) -> None:
    from server.core.db import db
    from server.core.enums import FilingKind
    from server.org.models import Branch
    from tests.server.factories import create_filing

    with app.app_context():
        create_filing(db.session.get(Branch, _branch_id(app, "红旗村党支部")), FilingKind.other, clock.today().year,
                      title="关于党员活动室改造的报告")
        db.session.commit()

"""述职评议 on the phone (390×844), through the UI against the real server: the secretary opens last
year's review from the manage screen, sees the generated facts, writes the four sections (the text
stays on the phone across a reload before it is saved), saves and submits; the committee finds it
in its list from the home screen, grades it 好, and the secretary sees the grade. Runs on SQLite
only (see conftest.py)."""
from __future__ import annotations

from playwright.sync_api import expect

from sync import clock
from tests.browser import live
from tests.browser.test_secretary_month import small_tap_targets

expect.set_options(timeout=15_000)

TEXTS = {"performance": "带头落实“三会一课”，推动村集体经济发展。", "problems": "党小组会召开不够经常。",
         "measures": "建立党小组会提醒制度。", "plans": "按月召开党小组会，加强流动党员联系。"}


def test_the_secretary_writes_and_submits_and_the_committee_grades(phones, live_server, cast):
    url = live_server.url
    last_year = clock.today().year - 1
    page = phones.phone()
    live.login(page, url, cast.secretary)
    page.goto(f"{url}/manage")
    page.get_by_test_id("desk-secretary-review").click()
    review = page.get_by_test_id("secretary-review")
    expect(review).to_have_attribute("data-state", "none")
    expect(page.get_by_test_id("review-section-performance")).to_contain_text(f"{last_year}年度共评判制度要求")
    expect(page.get_by_test_id("review-submit")).to_be_disabled()
    page.get_by_test_id("review-text-performance").fill(TEXTS["performance"])
    expect(page.get_by_test_id("review-draft-kept")).to_be_visible()
    page.wait_for_timeout(300)  # the draft is written to IndexedDB
    page.reload()
    expect(page.get_by_test_id("review-text-performance")).to_have_value(TEXTS["performance"])
    for key in ("problems", "measures", "plans"):
        page.get_by_test_id(f"review-text-{key}").fill(TEXTS[key])
    page.get_by_test_id("review-save").click()
    expect(review).to_have_attribute("data-state", "draft")
    assert small_tap_targets(page) == []
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_test_id("review-submit").click()
    expect(review).to_have_attribute("data-state", "submitted")
    expect(page.get_by_test_id("review-pdf")).to_be_visible()
    expect(page.get_by_test_id("review-text-plans")).to_have_count(0)  # no longer editable

    committee = phones.phone()
    live.login(committee, url, cast.committee)
    committee.get_by_test_id("home-committee-secretary-reviews").click()
    row = committee.get_by_test_id("review-committee-row").filter(has_text="红旗村党支部")
    expect(row).to_have_attribute("data-state", "submitted")
    row.get_by_test_id("review-committee-open").click()
    expect(committee.get_by_test_id("review-section-problems")).to_contain_text(TEXTS["problems"])
    committee.get_by_test_id("review-grade-choice").select_option("good")
    committee.get_by_test_id("review-comment").fill("材料翔实")
    committee.get_by_test_id("review-grade-send").click()
    expect(committee.get_by_test_id("secretary-review")).to_have_attribute("data-state", "graded")
    expect(committee.get_by_test_id("review-grade")).to_have_text("评议等次：好")
    assert small_tap_targets(committee) == []

    page.reload()
    expect(page.get_by_test_id("review-grade")).to_have_text("评议等次：好")

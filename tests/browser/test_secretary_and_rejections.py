"""The attendance sheet's bulk confirmation, and rejected scans told to the user in plain words.

Runs on SQLite only (see conftest.py); the sync rules are covered on both backends by tests/server.
"""
from __future__ import annotations

import re

from playwright.sync_api import expect

from sync import clock
from tests.browser import live
from tests.browser.test_checkin import open_managed_event
from tests.server.synckit import code_scan, push

expect.set_options(timeout=15_000)

FORGED_TEXT = "签到码无效（不是书记出示的真实签到码）。"
STALE_TEXT = "签到码已过期：请扫描现场正在显示的签到码，不要扫描照片或截图。"


def sign_in_by_api(app, username: str, event: dict) -> None:
    """A member's phone checks in with the event's code (as another phone would, not this browser)."""
    response = push(app.test_client(), live.api_login(app, username), [code_scan(event)])
    assert response.status_code == 200 and response.json["results"][0]["status"] == "applied", response.json


def test_bulk_confirmation_confirms_every_selected_record(phones, live_server, cast):
    url, app, event = live_server.url, live_server.app, cast.event
    for username in (cast.member, cast.member2, cast.floating):
        sign_in_by_api(app, username, event)
    assert {r["status"] for r in live.records_of(app, event["id"])} == {"pending"}

    page = phones.phone()
    live.login(page, url, cast.secretary)
    open_managed_event(page, event["id"], "attendance")
    rows = page.get_by_test_id("attendance-row")
    expect(rows.and_(page.locator('[data-state="present"]'))).to_have_count(3)
    expect(rows.and_(page.locator('[data-record-status="pending"]'))).to_have_count(3)
    expect(page.locator(f'[data-testid="attendance-row"][data-member-id="{cast.secretary_id}"]')).to_have_attribute(
        "data-state", "absent")

    page.get_by_test_id("attendance-select-all").click()
    confirm = page.get_by_test_id("attendance-confirm")
    expect(confirm).to_contain_text("3")
    confirm.click()
    expect(page.get_by_test_id("attendance-message")).to_be_visible()
    live.wait_sync_state(page, "synced", pending=0)
    expect(rows.and_(page.locator('[data-record-status="confirmed"]'))).to_have_count(3)
    expect(page.get_by_test_id("attendance-confirm")).to_be_disabled()

    records = live.records_of(app, event["id"])
    assert len(records) == 3
    assert all(r["status"] == "confirmed" and r["confirmed_at"] is not None for r in records)


def test_a_rejected_scan_is_told_in_plain_chinese(phones, live_server, cast):
    """The browser says English; the app speaks Simplified Chinese by default."""
    url, app, event = live_server.url, live_server.app, cast.event
    page = phones.phone(locale="en-US")
    live.login(page, url, cast.member)
    live.wait_service_worker(page)
    page.get_by_test_id("home-scan").click()
    expect(page.get_by_test_id("scanner")).to_have_attribute("data-state", "running")

    # A made-up code (right shape, wrong digits): refused at once when online.
    genuine = live.event_code_now(event)
    forged = genuine[:-8] + f"{(int(genuine[-8:]) + 1) % 10**8:08d}"
    page.get_by_test_id("manual-toggle").click()
    page.get_by_test_id("manual-code").fill(forged)
    page.get_by_test_id("manual-submit").click()
    result = page.get_by_test_id("scan-result")
    expect(result).to_have_attribute("data-kind", "bad")
    expect(result).to_have_attribute("data-code", "forged_code")
    expect(page.get_by_test_id("scan-result-title")).to_have_text("签到未成功")
    expect(page.get_by_test_id("scan-result-detail")).to_have_text(FORGED_TEXT)
    assert "forged" not in result.inner_text()

    # A photo of an old code, scanned offline: saved, then refused at sync and listed with its reason.
    page.get_by_test_id("scan-again").click()
    live.go_offline(page.context)
    live.wait_sync_state(page, "offline")
    stale = live.event_code_now(event, at=clock.now().timestamp() - 600)
    page.get_by_test_id("manual-code").fill(stale)
    page.get_by_test_id("manual-submit").click()
    expect(result).to_have_attribute("data-kind", "saved")
    live.go_online(page.context)
    live.wait_sync_state(page, "synced", pending=0)
    page.get_by_test_id("scan-done").click()
    expect(page).to_have_url(re.compile("/records$"))
    # Both refusals stay listed (newest first) until the member dismisses them.
    rejections = page.get_by_test_id("rejection")
    expect(rejections).to_have_count(2)
    expect(rejections.nth(0)).to_have_attribute("data-code", "stale_code")
    expect(rejections.nth(0).get_by_test_id("rejection-reason")).to_have_text(STALE_TEXT)
    expect(rejections.nth(1)).to_have_attribute("data-code", "forged_code")
    expect(rejections.nth(1).get_by_test_id("rejection-reason")).to_have_text(FORGED_TEXT)
    rejections.nth(1).get_by_role("button").click()
    expect(rejections).to_have_count(1)
    expect(page.get_by_test_id("records-empty")).to_be_visible()

    scans = live.scans_of(app, event["id"])
    assert [(s["status"], s["reason"]) for s in scans] == [("rejected", "forged_code"), ("rejected", "stale_code")]
    assert live.records_of(app, event["id"]) == []

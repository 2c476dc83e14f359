"""A member's phone with no network: scan, close the browser, reopen it offline, sync once.

Runs on SQLite only (see conftest.py); the sync rules are covered on both backends by tests/server.
"""
from __future__ import annotations

from playwright.sync_api import expect

from tests.browser import live

expect.set_options(timeout=15_000)


def test_offline_scan_survives_closing_the_browser_and_arrives_once(phones, live_server, cast, tmp_path):
    url, app, event = live_server.url, live_server.app, cast.event
    profile = tmp_path / "profile"
    card_qr = live.api_get(app, cast.member, "/api/v1/me/card")["qr"]

    # The fake camera sees the event's code for now (valid ±2 steps of 30 s), made right before launch.
    context, page = phones.persistent(profile, phones.video(live.event_code_now(event)))
    live.login(page, url, cast.member)
    live.wait_service_worker(page)

    live.go_offline(context)
    live.wait_sync_state(page, "offline")
    page.get_by_test_id("home-scan").click()
    result = page.get_by_test_id("scan-result")
    expect(result).to_have_attribute("data-kind", "saved")
    expect(page.get_by_test_id("scan-result-title")).to_have_text("已保存，联网后自动同步")
    expect(page.get_by_test_id("scan-result-detail")).to_contain_text("党员大会")
    expect(page.get_by_test_id("sync-bar")).to_have_attribute("data-pending", "1")
    expect(page.get_by_test_id("sync-pending-count")).to_have_text("1 条待同步")
    assert live.records_of(app, event["id"]) == []

    context.close()  # the browser is closed (as a phone kills the app)

    context, page = phones.persistent(profile, offline=True)
    live.go_offline(context)  # still no network after the restart
    response = page.goto(url + "/")
    assert response is not None and response.from_service_worker, "the app shell must come from the service worker"
    expect(page.get_by_test_id("home-title")).to_contain_text("李明")
    bar = page.get_by_test_id("sync-bar")
    expect(bar).to_have_attribute("data-state", "offline")
    expect(bar).to_have_attribute("data-pending", "1")

    page.get_by_test_id("home-card").click()
    expect(page.get_by_test_id("card-qr")).to_have_attribute("data-qr", card_qr)
    expect(page.get_by_test_id("card-qr").locator("svg")).to_be_visible()
    expect(page.get_by_test_id("card-name")).to_have_text("李明")
    page.get_by_test_id("card-close").click()
    page.get_by_test_id("tab-records").click()
    expect(page.get_by_test_id("queued-checkin")).to_have_count(1)
    assert live.records_of(app, event["id"]) == []

    live.go_online(context)  # the 'online' event starts the sync
    live.wait_sync_state(page, "synced", pending=0)
    expect(page.get_by_test_id("queued-checkin")).to_have_count(0)
    expect(page.locator(f'[data-testid="record"][data-event-id="{event["id"]}"]')).to_have_count(1)

    records = live.records_of(app, event["id"])
    assert [(r["member_id"], r["method"]) for r in records] == [(cast.member_id, "event_code")]
    scans = live.scans_of(app, event["id"])
    assert [s["status"] for s in scans] == ["applied"]

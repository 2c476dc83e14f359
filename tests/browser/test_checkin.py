"""Signing in to events in the browser: the secretary's rotating code (offline), a member's card
scanned by the secretary, a floating member at the host branch, and the same scan twice.

Runs on SQLite only (see conftest.py); the sync rules are covered on both backends by tests/server.
"""
from __future__ import annotations

import io
import re

from PIL import Image
from playwright.sync_api import expect

from sync import clock
from sync.eventcode import event_qr_payload, parse_event_qr
from tests.browser import live
from tests.browser.y4m import frame_with, write_y4m

expect.set_options(timeout=15_000)


def open_managed_event(page, event_id: int, action: str) -> None:
    """Home → 管理 → the event → one of its actions (show-code, scan-card, manual, attendance)."""
    page.get_by_test_id("home-manage").click()
    page.get_by_test_id(f"manage-event-{event_id}").click()
    page.get_by_test_id(f"action-{action}").click()


def test_secretary_shows_the_code_offline_and_a_member_signs_in_with_it(phones, live_server, cast, tmp_path):
    url, app, event = live_server.url, live_server.app, cast.event
    secretary = phones.phone()
    live.login(secretary, url, cast.secretary)  # the pull brings the event's secret to this phone
    live.wait_service_worker(secretary)
    live.go_offline(secretary.context)
    live.wait_sync_state(secretary, "offline")
    open_managed_event(secretary, event["id"], "show-code")

    qr = secretary.get_by_test_id("event-code-qr")
    expect(qr.locator("svg")).to_be_visible()
    expect(secretary.get_by_test_id("code-offline")).to_be_visible()
    expect(secretary.get_by_test_id("code-countdown")).to_contain_text(re.compile(r"\d+"))
    text = qr.get_attribute("data-qr")
    parsed = parse_event_qr(text)
    assert parsed is not None and parsed.event_id == event["id"]
    now = clock.now().timestamp()
    assert text in {event_qr_payload(event["id"], event["secret"], now + d) for d in (-30, 0, 30)}, \
        "the phone made the code offline from the event's secret and the current step"

    # The member's camera films the secretary's screen: a screenshot of the rendered QR.
    picture = Image.open(io.BytesIO(qr.screenshot()))
    video = write_y4m(tmp_path / "secretary-screen.y4m", frame_with(picture))
    member = phones.phone(video)
    live.login(member, url, cast.member)
    member.get_by_test_id("home-scan").click()
    expect(member.get_by_test_id("scan-result")).to_have_attribute("data-kind", "ok")
    expect(member.get_by_test_id("scan-result-title")).to_have_text("签到成功")

    records = live.records_of(app, event["id"])
    assert [(r["member_id"], r["method"]) for r in records] == [(cast.member_id, "event_code")]


def test_secretary_scans_a_member_card_offline_and_it_syncs_as_card_scan(phones, live_server, cast):
    url, app, event = live_server.url, live_server.app, cast.event
    card_qr = live.api_get(app, cast.member, "/api/v1/me/card")["qr"]
    secretary = phones.phone(phones.video(card_qr))  # the member holds up the phone with the card
    live.login(secretary, url, cast.secretary)  # pulls the card keys, revocations and roster
    live.wait_service_worker(secretary)
    live.go_offline(secretary.context)
    live.wait_sync_state(secretary, "offline")
    open_managed_event(secretary, event["id"], "scan-card")

    result = secretary.get_by_test_id("card-scan-result")
    expect(result).to_have_attribute("data-kind", "saved")  # verified on the phone, queued
    expect(secretary.get_by_test_id("card-scan-title")).to_contain_text("李明")
    expect(secretary.get_by_test_id("card-scan-detail")).to_have_text("已保存，联网后自动同步")
    expect(secretary.get_by_test_id("sync-bar")).to_have_attribute("data-pending", "1")
    assert live.records_of(app, event["id"]) == []

    live.go_online(secretary.context)
    live.wait_sync_state(secretary, "synced", pending=0)
    records = live.records_of(app, event["id"])
    assert [(r["member_id"], r["method"]) for r in records] == [(cast.member_id, "card_scan")]

    secretary.get_by_test_id("card-scan-again").click()  # the same card again: already signed in
    expect(secretary.get_by_test_id("card-scan-title")).to_have_text("李明 已经签到过了")
    assert len(live.records_of(app, event["id"])) == 1


def test_floating_member_signs_in_at_the_host_branch_and_both_branches_see_it(phones, live_server, cast):
    url, app, event = live_server.url, live_server.app, cast.event
    floating = phones.phone(phones.video(live.event_code_now(event)))
    live.login(floating, url, cast.floating)
    expect(floating.get_by_test_id("home-card")).to_have_text("我的流动党员活动证")
    floating.get_by_test_id("tab-events").click()
    expect(floating.get_by_test_id(f"event-{event['id']}").get_by_test_id("event-host-tag")).to_contain_text("红旗村党支部")
    floating.get_by_test_id("tab-home").click()
    floating.get_by_test_id("home-scan").click()
    expect(floating.get_by_test_id("scan-result")).to_have_attribute("data-kind", "ok")
    expect(floating.get_by_test_id("scan-result-detail")).to_contain_text("党员大会")

    [record] = live.records_of(app, event["id"])
    assert (record["member_id"], record["branch_id"]) == (cast.floating_id, cast.branch_a)

    # The host branch's secretary sees the floating member on the sheet…
    host = phones.phone(browser=floating.context.browser)
    live.login(host, url, cast.secretary)
    open_managed_event(host, event["id"], "attendance")
    row = host.locator(f'[data-testid="attendance-row"][data-member-id="{cast.floating_id}"]')
    expect(row).to_have_attribute("data-state", "present")
    expect(row).to_contain_text("流动党员")
    # …and the home branch's secretary has the record too (through the API and the change feed).
    home_records = live.api_get(app, cast.secretary_b, "/api/v1/records", member_id=cast.floating_id)
    assert [r["id"] for r in home_records] == [record["id"]]
    from tests.server.synckit import pull_all

    client = app.test_client()
    changes, _, _ = pull_all(client, live.api_login(app, cast.secretary_b))
    assert any(c["entity"] == "record" and c["id"] == record["id"] for c in changes)


def test_the_same_scan_twice_gives_one_record(phones, live_server, cast):
    url, app, event = live_server.url, live_server.app, cast.event
    browser = phones.browser(phones.video(live.event_code_now(event)))
    page = phones.phone(browser=browser)
    live.login(page, url, cast.member)
    live.wait_service_worker(page)

    # Offline, the second scan of the same code on the same phone queues nothing.
    live.go_offline(page.context)
    live.wait_sync_state(page, "offline")
    page.get_by_test_id("home-scan").click()
    expect(page.get_by_test_id("scan-result")).to_have_attribute("data-kind", "saved")
    page.get_by_test_id("scan-again").click()
    expect(page.get_by_test_id("scan-result")).to_have_attribute("data-kind", "already")
    expect(page.get_by_test_id("scan-result-title")).to_have_text("您已签到过这次活动")
    expect(page.get_by_test_id("sync-bar")).to_have_attribute("data-pending", "1")

    # Meanwhile the same member scans the same code on a second phone, online.
    other = phones.phone(browser=browser)
    live.login(other, url, cast.member)
    other.get_by_test_id("home-scan").click()
    expect(other.get_by_test_id("scan-result")).to_have_attribute("data-kind", "ok")

    # The first phone comes back online: its scan is a duplicate of the record, not a second one.
    live.go_online(page.context)
    live.wait_sync_state(page, "synced", pending=0)
    page.get_by_test_id("scan-again").click()
    expect(page.get_by_test_id("scan-result")).to_have_attribute("data-kind", "already")

    records = live.records_of(app, event["id"])
    assert [(r["member_id"], r["method"]) for r in records] == [(cast.member_id, "event_code")]
    scans = live.scans_of(app, event["id"])
    assert sorted(s["status"] for s in scans) == ["applied", "duplicate"]
    assert {s["record_id"] for s in scans} == {records[0]["id"]}

"""The secretary is told who was refused: a member's phone sent wrong event codes until its
check-ins for the event were refused; the attendance screen lists them, and the way in (a
manual entry or the member's card) still works."""
from __future__ import annotations

from playwright.sync_api import expect

from tests.browser import live
from tests.server.synckit import code_scan, push

expect.set_options(timeout=15_000)


def test_the_attendance_screen_lists_refused_scans(phones, cast, live_server):
    app, event = live_server.app, cast.event
    client = app.test_client()
    headers = live.api_login(app, cast.member)
    head = code_scan(event)["event_qr"].rsplit(".", 1)[0]
    guesses = [{**code_scan(event), "event_qr": f"{head}.{i:08d}"} for i in range(7)]
    codes = [r["code"] for r in push(client, headers, guesses).json["results"]]
    assert "too_many_wrong_codes" in codes

    page = phones.phone()
    live.login(page, live_server.url, cast.secretary)
    page.goto(f"{live_server.url}/manage/events/{event['id']}/attendance")
    tallies = page.get_by_test_id("scan-tally")
    expect(page.locator('[data-testid="scan-tally"][data-reason="too_many_wrong_codes"]')).to_contain_text("李明")
    expect(tallies.first).to_contain_text("次")

"""Notices that reach the members: a published notice appears in the member's notifications
screen; opening it marks it read, and the secretary's read list shows so. The push opt-in says
honestly what it cannot do (headless Chromium has no push service to subscribe with).

Runs on SQLite only (see conftest.py); the rules are covered on both backends by
tests/server/test_notifications.py.
"""
from __future__ import annotations

import time

from playwright.sync_api import expect

from tests.browser import live
from tests.server.factories import PASSWORD

expect.set_options(timeout=15_000)
NOTICE = "请于上午 8:50 在村委会门口集合，佩戴党徽。"


def publish_notice(app, username: str, event_id: int, text: str) -> None:
    client = app.test_client()
    with client.post(f"/api/v1/events/{event_id}/notice", json={"notice": text},
                     headers=live.api_login(app, username)) as response:
        assert response.status_code == 200, response.json


def reads_of(app, username: str, event_id: int) -> dict:
    return live.api_get(app, username, f"/api/v1/events/{event_id}/notice/reads")


def test_a_member_sees_the_notice_and_the_secretary_sees_it_read(phones, live_server, cast):
    url, app, event_id = live_server.url, live_server.app, cast.event["id"]
    publish_notice(app, cast.secretary, event_id, NOTICE)

    member = phones.phone()
    live.login(member, url, cast.member)
    entry = member.get_by_test_id("home-notifications")
    expect(entry).to_have_attribute("data-unread", "1")
    expect(member.get_by_test_id("home-notifications-unread")).to_contain_text("1 条未读")
    entry.click()
    item = member.locator('[data-testid^="notification-"][data-kind="notice"]')
    expect(item).to_have_count(1)
    expect(item).to_have_attribute("data-unread", "1")
    expect(item).to_contain_text("活动通知：党员大会")
    expect(item).to_contain_text("未读")
    expect(item).to_contain_text(NOTICE)
    item.click()

    # The event opens with its notice, and the notice counts as read.
    expect(member).to_have_url(f"{url}/events/{event_id}")
    expect(member.get_by_test_id("event-notice")).to_have_text(NOTICE)
    deadline = time.monotonic() + 10
    while cast.member_id not in {r["member_id"] for r in reads_of(app, cast.secretary, event_id)["read"]}:
        assert time.monotonic() < deadline, "the member's reading never reached the server"
        time.sleep(0.2)
    member.go_back()
    expect(member.locator('[data-testid^="notification-"][data-kind="notice"]')).to_have_attribute("data-unread", "0")

    reads = reads_of(app, cast.secretary, event_id)
    assert {r["member_name"] for r in reads["unread"]} == {"王芳", "孙流动"}

    # The secretary's screen of the event: read by the member, not yet by the other two.
    secretary = phones.phone()
    live.login(secretary, url, cast.secretary)
    secretary.goto(f"{url}/manage/events/{event_id}")
    expect(secretary.get_by_test_id("notice-reads")).to_contain_text("已读 2 / 4 人")
    unread = secretary.get_by_test_id("notice-unread")
    expect(unread).to_contain_text("王芳")
    expect(unread).not_to_contain_text("李明")


def test_the_push_opt_in_says_what_it_cannot_do(phones, live_server, cast):
    url = live_server.url
    # The test server sends no push (no ZHIBU_PUSH_CONTACT): reminders stay in the app.
    page = phones.phone()
    live.login(page, url, cast.member)
    page.goto(f"{url}/settings")
    opt_in = page.get_by_test_id("push-opt-in")
    expect(opt_in).to_contain_text("接收活动提醒")
    expect(opt_in).to_have_attribute("data-state", "server-off")
    expect(page.get_by_test_id("push-in-app")).to_have_text("提醒会显示在应用的通知里。")
    expect(page.get_by_test_id("push-enable")).to_have_count(0)

    # A browser without Web Push.
    old = phones.phone(locale="en-US")
    old.context.add_init_script("delete window.PushManager")
    live.login(old, url, cast.member2, PASSWORD)
    old.goto(f"{url}/settings")
    expect(old.get_by_test_id("push-opt-in")).to_have_attribute("data-state", "unsupported")
    expect(old.get_by_test_id("push-unsupported")).to_have_text("这个浏览器不能接收推送提醒。")
    expect(old.get_by_test_id("push-in-app")).to_be_visible()

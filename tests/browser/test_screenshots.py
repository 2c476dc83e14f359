"""The main screens at a phone's size (390x844), walked through as a member and a secretary.

With ZHIBU_SCREENSHOTS=1 the pictures go to docs/screenshots/ (the README shows them):

    ZHIBU_SCREENSHOTS=1 .venv/bin/python -m pytest tests/browser/test_screenshots.py -p no:cacheprovider

otherwise to a temporary folder, so `make test` leaves the repository as it was. Runs on SQLite only.
"""
from __future__ import annotations

import datetime as dt

from playwright.sync_api import expect

from tests.browser import live
from tests.browser.test_checkin import open_managed_event
from tests.browser.test_secretary_and_rejections import sign_in_by_api
from sync import clock

expect.set_options(timeout=15_000)

SCREENS = [
    ("01-login.png", "login"),
    ("02-home.png", "member home"),
    ("03-card.png", "card"),
    ("04-scan-result.png", "scan result, offline"),
    ("05-records.png", "records"),
    ("06-event-code.png", "secretary's rotating code"),
    ("07-attendance.png", "attendance sheet"),
    ("08-sync-waiting.png", "sync status with items waiting"),
]


def furnish(app, cast) -> None:
    """A lived-in branch: a past lecture (confirmed), a coming activity day with its notice, more
    members, one of them excused."""
    from server.core.db import db
    from server.core.enums import CheckinMethod, EventKind
    from server.events.operations import decide_leave, publish_notice, request_leave
    from server.org.models import Branch, Member
    from tests.server import factories as f

    with app.app_context():
        a = db.session.get(Branch, cast.branch_a)
        member = db.session.get(Member, cast.member_id)
        now = clock.now().replace(microsecond=0)
        past = f.create_event_for(a, EventKind.party_lecture, "党课：学习新修订的党章", starts_at=now - dt.timedelta(days=6),
                                  place="党员活动室")
        f.create_record(member, event=past, checkin_method=CheckinMethod.event_code,
                        checked_in_at=past.starts_at + dt.timedelta(minutes=3),
                        acknowledged_at=now - dt.timedelta(days=5), confirmed_at=now - dt.timedelta(days=5))
        coming = f.create_event_for(a, EventKind.activity_day, "主题党日：走访慰问困难群众", starts_at=now + dt.timedelta(days=2),
                                    place="村委会门口")
        publish_notice(coming, "请于上午 8:50 在村委会门口集合，佩戴党徽。", actor_id=None)
        for name in ("陈刚", "刘秀英", "周建国"):
            f.create_member(a, name)
        excused = f.create_member(a, "吴海燕")
        event = db.session.get(type(past), cast.event["id"])
        decide_leave(request_leave(event, excused, "外出务工"), True, actor_id=None)
        db.session.commit()


def test_screenshots_of_the_main_screens(phones, live_server, screenshot_dir):
    app, url = live_server.app, live_server.url
    cast = live.make_cast(app, event_title="党员大会：学习贯彻全会精神")
    furnish(app, cast)
    event = cast.event
    for username in (cast.member2, cast.floating):
        sign_in_by_api(app, username, event)

    def shot(page, name):
        page.wait_for_timeout(300)  # let transitions settle
        page.screenshot(path=screenshot_dir / name, animations="disabled", caret="hide")

    member = phones.phone(phones.video(live.event_code_now(event)))
    member.goto(url + "/login")
    expect(member.get_by_test_id("login-form")).to_be_visible()
    shot(member, "01-login.png")

    live.login(member, url, cast.member)
    live.wait_service_worker(member)
    expect(member.get_by_test_id("home-upcoming")).to_contain_text("主题党日")
    shot(member, "02-home.png")

    member.get_by_test_id("home-card").click()
    expect(member.get_by_test_id("card-qr").locator("svg")).to_be_visible()
    shot(member, "03-card.png")
    member.get_by_test_id("card-close").click()

    live.go_offline(member.context)
    live.wait_sync_state(member, "offline")
    member.get_by_test_id("home-scan").click()
    expect(member.get_by_test_id("scan-result")).to_have_attribute("data-kind", "saved")
    shot(member, "04-scan-result.png")

    member.get_by_test_id("scan-done").click()
    expect(member.get_by_test_id("queued-checkin")).to_have_count(1)
    expect(member.get_by_test_id("sync-bar")).to_have_attribute("data-pending", "1")
    shot(member, "08-sync-waiting.png")

    live.go_online(member.context)
    live.wait_sync_state(member, "synced", pending=0)
    expect(member.get_by_test_id("record")).to_have_count(2)
    shot(member, "05-records.png")

    secretary = phones.phone(browser=member.context.browser)
    live.login(secretary, url, cast.secretary)
    open_managed_event(secretary, event["id"], "show-code")
    expect(secretary.get_by_test_id("event-code-qr").locator("svg")).to_be_visible()
    expect(secretary.get_by_test_id("code-count")).to_contain_text("3")
    shot(secretary, "06-event-code.png")

    secretary.get_by_test_id("code-close").click()
    secretary.get_by_test_id("action-attendance").click()
    expect(secretary.get_by_test_id("attendance-row")).to_have_count(8)
    secretary.get_by_test_id("attendance-select-all").click()
    shot(secretary, "07-attendance.png")

    for name, _ in SCREENS:
        assert (screenshot_dir / name).stat().st_size > 5000, name

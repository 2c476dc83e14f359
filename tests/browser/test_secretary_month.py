"""The secretary runs the branch from the phone (390×844), through the UI against the real server:
plan an event, publish its notice (and see who read it), take attendance and confirm it in one
action, write the minutes, file with the committee, look back at a past month's compliance;
leave, cancelling, rescheduling, the roster and cards, the plan, rectification items, drafts kept
offline, China time on any phone, large type.

With ZHIBU_SCREENSHOTS=1 the pictures of `docs/guide-secretary.md` go to docs/screenshots/
(guide-*.png). Runs on SQLite only (see conftest.py).
"""
from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from sync import clock
from tests.browser import live
from tests.browser.test_secretary_and_rejections import sign_in_by_api

expect.set_options(timeout=15_000)


def shot(page, directory, name):
    page.wait_for_timeout(300)  # let transitions settle
    page.screenshot(path=directory / name, animations="disabled", caret="hide", full_page=True)


def in_days(n: int) -> str:
    return (clock.today() + dt.timedelta(days=n)).isoformat()


def api(app, username: str, method: str, path: str, **kw):
    client = app.test_client()
    return client.open(path, method=method, headers=live.api_login(app, username), **kw)


def create_event_in_the_app(page, url, *, kind, title, date, start="14:30", end="16:30", place="村委会会议室"):
    page.goto(f"{url}/manage")
    page.get_by_test_id("manage-new-event").click()
    page.get_by_test_id("event-kind").select_option(kind)
    page.get_by_test_id("event-title").fill(title)
    page.get_by_test_id("event-place").fill(place)
    page.get_by_test_id("event-date").fill(date)
    page.get_by_test_id("event-start").fill(start)
    page.get_by_test_id("event-end").fill(end)
    page.get_by_test_id("event-save").click()
    expect(page.get_by_test_id("manage-event-detail")).to_be_visible()
    return int(page.url.rstrip("/").split("/")[-1])


def test_a_secretarys_month(phones, live_server, cast, screenshot_dir):
    url, app = live_server.url, live_server.app
    from server.core.db import db
    from server.org.models import Branch

    with app.app_context():  # a branch with a past: its earlier months are judged
        db.session.get(Branch, cast.branch_a).created_at = clock.now() - dt.timedelta(days=400)
        db.session.commit()
        db.session.remove()
    page = phones.phone()
    live.login(page, url, cast.secretary)
    shot(page, screenshot_dir, "guide-01-home.png")

    # Plan: the month's activity day, five days ahead.
    event_id = create_event_in_the_app(page, url, kind="activity_day", title="12月主题党日", date=in_days(5))
    expect(page.locator("h1")).to_contain_text("12月主题党日")
    expect(page.get_by_test_id("manage-event-detail")).to_contain_text("14:30")
    shot(page, screenshot_dir, "guide-02-event.png")

    # Notice: five days ahead, no warning; published, and the members are told.
    expect(page.get_by_test_id("notice-late")).to_have_count(0)
    page.get_by_test_id("notice-text").fill("定于本周三14:30在村委会会议室开展主题党日活动，请全体党员准时参加。")
    page.get_by_test_id("notice-publish").click()
    expect(page.get_by_test_id("notice-done")).to_be_visible()
    expect(page.get_by_test_id("notice-reads")).to_contain_text("1 /")  # the secretary wrote it

    member = phones.phone()
    live.login(member, url, cast.member)
    member.goto(f"{url}/events/{event_id}")
    expect(member.get_by_test_id("event-notice")).to_contain_text("主题党日")
    page.reload()
    expect(page.get_by_test_id("notice-reads")).to_contain_text("2 /")
    shot(page, screenshot_dir, "guide-03-notice.png")

    # The meeting happening now: members sign in; one action confirms them all.
    for username in (cast.member, cast.member2, cast.floating):
        sign_in_by_api(app, username, cast.event)
    page.goto(f"{url}/manage/events/{cast.event['id']}")
    live.wait_sync_state(page, "synced")
    confirm = page.get_by_test_id("action-confirm-all")
    expect(confirm).to_contain_text("3")
    shot(page, screenshot_dir, "guide-04-meeting.png")
    confirm.click()
    expect(page.get_by_test_id("manage-event-message")).to_contain_text("3")
    live.wait_sync_state(page, "synced", pending=0)
    assert {r["status"] for r in live.records_of(app, cast.event["id"])} == {"confirmed"}

    # Minutes, saved and said so.
    page.get_by_test_id("minutes-text").fill("会议时间：今天。参加人员：全体党员。内容：学习党章，讨论下月工作。")
    page.get_by_test_id("minutes-save").click()
    expect(page.get_by_test_id("minutes-message")).to_contain_text("✓")
    shot(page, screenshot_dir, "guide-05-minutes.png")

    # File with the committee.
    page.goto(f"{url}/manage/filings")
    page.get_by_test_id("filing-new").click()
    page.get_by_test_id("filing-kind").select_option("org_life_report")
    page.get_by_test_id("filing-title").fill("2026年度组织生活会情况报告")
    page.get_by_test_id("filing-body").fill("会议召开情况、查摆问题、整改措施。")
    page.get_by_test_id("filing-send").click()
    expect(page.get_by_test_id("filing-done")).to_be_visible()
    expect(page.get_by_test_id("filing").first).to_have_attribute("data-state", "sent")
    shot(page, screenshot_dir, "guide-06-filings.png")

    # Look back: last month's compliance, a past period, with its rules.
    page.goto(f"{url}/compliance/branches/{cast.branch_a}")
    expect(page.get_by_test_id("compliance-rule").first).to_be_visible()
    page.get_by_test_id("compliance-prev").click()
    previous = clock.today().replace(day=1) - dt.timedelta(days=1)
    expect(page.get_by_test_id("compliance-month")).to_have_value(previous.strftime("%Y-%m"))
    expect(page.locator('[data-testid="compliance-rule"][data-state="missed"]').first).to_be_visible()
    shot(page, screenshot_dir, "guide-07-compliance.png")


def test_a_returned_filing_is_amended_and_sent_again(phones, live_server, cast):
    url, app = live_server.url, live_server.app
    sent = api(app, cast.secretary, "POST", f"/api/v1/branches/{cast.branch_a}/filings",
               json={"kind": "other", "year": clock.today().year, "title": "党员情况统计表"})
    assert sent.status_code == 201, sent.json
    committee = cast.committee
    returned = api(app, committee, "POST", f"/api/v1/filings/{sent.json['id']}/decision",
                   json={"approve": False, "note": "缺少流动党员情况，请补充后重新报送。"})
    assert returned.status_code == 200, returned.json
    page = phones.phone()
    live.login(page, url, cast.secretary)
    page.goto(f"{url}/manage/filings")
    filing = page.get_by_test_id("filing").first
    expect(filing).to_have_attribute("data-state", "returned")
    expect(filing).to_contain_text("缺少流动党员情况")
    filing.get_by_test_id("filing-refile").click()
    page.get_by_test_id("filing-body").fill("已补充流动党员情况。")
    page.get_by_test_id("filing-send").click()
    expect(page.get_by_test_id("filing-done")).to_be_visible()
    expect(page.get_by_test_id("filing").first).to_have_attribute("data-state", "sent")


def test_leave_asked_once_then_refused_with_a_reason(phones, live_server, cast):
    url, app = live_server.url, live_server.app
    event = api(app, cast.secretary, "POST", f"/api/v1/branches/{cast.branch_a}/events",
                json={"kind": "general_assembly", "title": "党员大会", "starts_at": f"{in_days(4)}T14:30:00+08:00",
                      "ends_at": f"{in_days(4)}T16:30:00+08:00"}).json
    member = phones.phone()
    live.login(member, url, cast.member)
    member.goto(f"{url}/events/{event['id']}")
    member.get_by_test_id("leave-reason").fill("外出务工，无法返回")
    member.get_by_test_id("leave-submit").click()
    expect(member.get_by_test_id("leave-state")).to_have_attribute("data-status", "requested")
    expect(member.get_by_test_id("leave-form")).to_have_count(0)  # it cannot be sent twice

    page = phones.phone()
    live.login(page, url, cast.secretary)
    page.goto(f"{url}/manage/events/{event['id']}")
    request = page.get_by_test_id("leave-request").first
    request.get_by_test_id("leave-refuse").click()
    page.get_by_test_id("leave-refuse-confirm").click()
    expect(page.get_by_role("alert")).to_contain_text("原因")
    page.get_by_test_id("leave-refuse-reason").fill("本次大会要表决，请尽量参加")
    page.get_by_test_id("leave-refuse-confirm").click()
    expect(page.get_by_test_id("leave-request").first).to_have_attribute("data-status", "declined")

    member.reload()
    expect(member.get_by_test_id("leave-state")).to_contain_text("本次大会要表决")


def test_an_event_is_rescheduled_then_cancelled_with_a_reason(phones, live_server, cast):
    url, app = live_server.url, live_server.app
    page = phones.phone()
    live.login(page, url, cast.secretary)
    event_id = create_event_in_the_app(page, url, kind="party_lecture", title="党课", date=in_days(6))
    page.get_by_test_id("action-edit").click()
    page.get_by_test_id("event-start").fill("09:00")
    page.get_by_test_id("event-end").fill("10:30")
    page.get_by_test_id("event-save").click()
    expect(page.get_by_test_id("manage-event-detail")).to_contain_text("09:00")

    page.get_by_test_id("action-cancel").click()
    page.get_by_test_id("cancel-confirm").click()
    expect(page.get_by_test_id("manage-event-error")).to_be_visible()  # a reason is needed
    page.get_by_test_id("cancel-reason").fill("讲课人临时出差，改期另行通知")
    page.get_by_test_id("cancel-confirm").click()
    expect(page.get_by_test_id("event-cancelled")).to_be_visible()
    expect(page.get_by_test_id("event-cancel-reason")).to_contain_text("讲课人临时出差")

    member = phones.phone()
    live.login(member, url, cast.member)
    member.goto(f"{url}/events/{event_id}")
    expect(member.get_by_test_id("event-cancelled-note")).to_contain_text("讲课人临时出差")


def test_a_group_meeting_planned_from_the_compliance_next_step(phones, live_server, cast):
    url = live_server.url
    page = phones.phone()
    live.login(page, url, cast.secretary)
    page.goto(f"{url}/compliance/branches/{cast.branch_a}")
    rule = page.locator('[data-testid="compliance-rule"][data-rule="3M1-group"]').first
    rule.get_by_test_id("compliance-step-action").click()
    expect(page.get_by_test_id("event-kind")).to_have_value("group_meeting")
    expect(page.get_by_test_id("event-group")).not_to_have_value("")
    expect(page.get_by_test_id("event-date")).to_have_value(clock.today().isoformat())


def test_a_new_event_typed_offline_is_kept_until_it_can_be_saved(phones, live_server, cast):
    url = live_server.url
    page = phones.phone()
    live.login(page, url, cast.secretary)
    live.wait_service_worker(page)  # the app must open with no network
    page.goto(f"{url}/manage/events/new")
    live.go_offline(page.context)
    page.get_by_test_id("event-kind").select_option("party_lecture")
    page.get_by_test_id("event-title").fill("第四季度党课")
    page.get_by_test_id("event-date").fill(in_days(7))
    page.get_by_test_id("event-save").click()
    expect(page.get_by_test_id("event-form-error")).to_contain_text("联网")
    page.reload()
    expect(page.get_by_test_id("event-form-restored")).to_be_visible()
    expect(page.get_by_test_id("event-title")).to_have_value("第四季度党课")
    live.go_online(page.context)
    page.get_by_test_id("event-save").click()
    expect(page.locator("h1")).to_contain_text("第四季度党课")


def test_the_roster_a_new_member_and_their_card(phones, live_server, cast, tmp_path):
    url, app = live_server.url, live_server.app
    page = phones.phone(accept_downloads=True)
    live.login(page, url, cast.secretary)
    page.goto(f"{url}/manage/members")
    expect(page.get_by_test_id("roster-member")).to_have_count(3)  # the secretary and two members
    page.get_by_test_id("roster-add").click()
    page.get_by_test_id("member-name").fill("张新")
    page.get_by_test_id("member-status").select_option("probationary")
    page.get_by_test_id("member-admitted").fill("2026-07-01")
    page.get_by_test_id("member-work-sector").fill("农业")
    page.get_by_test_id("member-phone").fill("139 0000 9999")
    page.get_by_test_id("member-save").click()
    expect(page.get_by_test_id("member-card")).to_be_visible()
    page.get_by_test_id("member-issue").click()
    expect(page.get_by_test_id("member-done")).to_be_visible()
    with page.expect_download() as info:
        page.get_by_test_id("member-print-card").click()
    assert info.value.suggested_filename.endswith(".pdf")
    page.get_by_test_id("member-reissue-reason").fill("手机丢失")
    page.get_by_test_id("member-reissue").click()
    expect(page.get_by_test_id("member-done")).to_contain_text("旧证已作废")

    # A post held, then ended from the member's screen (audited by the server).
    member_id = int(page.url.rstrip("/").split("/")[-1])
    appointed = api(app, cast.secretary, "POST", f"/api/v1/branches/{cast.branch_a}/roles",
                    json={"member_id": member_id, "role": "group_leader", "starts_on": "2026-01-01"})
    assert appointed.status_code == 201, appointed.json
    page.reload()
    page.get_by_test_id("member-post").get_by_test_id("member-post-end").click()
    expect(page.get_by_test_id("member-done")).to_contain_text("已免去")
    expect(page.get_by_test_id("member-post")).to_have_count(0)

    page.goto(f"{url}/manage/members")
    expect(page.get_by_test_id("roster-member")).to_have_count(4)
    with page.expect_download() as info:
        page.get_by_test_id("roster-sheet").click()
    assert info.value.suggested_filename.endswith(".pdf")


def test_the_plan_is_generated_and_filed(phones, live_server, cast):
    url = live_server.url
    page = phones.phone()
    live.login(page, url, cast.secretary)
    page.goto(f"{url}/manage/plan")
    page.get_by_test_id("plan-next").click()
    expect(page.get_by_test_id("plan-month")).to_have_count(12)
    page.get_by_test_id("plan-generate").click()
    expect(page.get_by_test_id("plan-done")).to_be_visible()
    expect(page.locator('[data-testid="plan-month"][data-planned="1"]')).to_have_count(12)
    page.get_by_test_id("plan-file").click()
    expect(page.get_by_test_id("plan-filed")).to_be_visible()


def test_rectification_items_are_assigned_followed_and_announced(phones, live_server, cast):
    url = live_server.url
    page = phones.phone()
    live.login(page, url, cast.secretary)
    page.goto(f"{url}/manage/rectification")
    page.get_by_test_id("rect-new").click()
    page.get_by_test_id("rect-problem").fill("理论学习不够深入")
    page.get_by_test_id("rect-measures").fill("每月开展一次专题学习")
    page.get_by_test_id("rect-assignee").select_option(label="李明")
    page.get_by_test_id("rect-add").click()
    item = page.get_by_test_id("rect-item").first
    expect(item).to_contain_text("李明")
    item.get_by_test_id("rect-update").click()
    page.get_by_test_id("rect-progress").fill("已开展两次专题学习")
    page.get_by_test_id("rect-completed").check()
    page.get_by_test_id("rect-announce").fill("整改完成：已开展两次专题学习。")
    page.get_by_test_id("rect-save").click()
    expect(page.get_by_test_id("rect-item").first).to_have_attribute("data-done", "1")
    expect(page.get_by_test_id("rect-announcement").first).to_contain_text("整改完成")
    member = phones.phone()
    live.login(member, url, cast.member)
    expect(member.get_by_test_id("home-announcement").first).to_contain_text("整改完成")


@pytest.mark.parametrize("timezone", ["UTC", "America/Los_Angeles"])
def test_times_are_china_time_on_any_phone(phones, live_server, cast, timezone):
    """Finding: a phone set to UTC showed a 14:30 meeting as 06:30."""
    url, app = live_server.url, live_server.app
    event = api(app, cast.secretary, "POST", f"/api/v1/branches/{cast.branch_a}/events",
                json={"kind": "party_lecture", "title": "党课", "starts_at": f"{in_days(3)}T14:30:00+08:00",
                      "ends_at": f"{in_days(3)}T16:00:00+08:00"}).json
    page = phones.phone(timezone_id=timezone)
    live.login(page, url, cast.secretary)
    page.goto(f"{url}/manage/events/{event['id']}")
    detail = page.get_by_test_id("manage-event-detail")
    expect(detail).to_contain_text("14:30")
    expect(detail).to_contain_text("北京时间")


def small_tap_targets(page) -> list:
    """Controls on the page smaller than 44 px (checkboxes and radios count by their label)."""
    controls = page.locator("button, input:not([type=checkbox]):not([type=radio]), select, .van-tabbar-item").evaluate_all(
        "els => els.filter(e => e.offsetParent).map(e => [e.dataset.testid || e.className, e.getBoundingClientRect().height])")
    boxes = page.locator("input[type=checkbox], input[type=radio]").evaluate_all(
        "els => els.filter(e => e.offsetParent).map(e => [e.dataset.testid || 'box', e.closest('label').getBoundingClientRect().height])")
    assert controls
    return [c for c in controls + boxes if c[1] < 44]


def test_large_type_makes_every_screen_larger(phones, live_server, cast):
    url = live_server.url
    page = phones.phone()
    live.login(page, url, cast.member)
    page.goto(f"{url}/settings")
    expect(page.get_by_test_id("large-type")).to_be_visible()
    assert small_tap_targets(page) == []
    base = page.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)")
    page.get_by_test_id("large-type").check()
    expect(page.locator("html")).to_have_class("large-type")
    page.reload()  # kept on the phone
    expect(page.locator("html")).to_have_class("large-type")
    expect(page.get_by_test_id("large-type")).to_be_checked()
    large = page.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)")
    assert large >= base * 1.2
    assert small_tap_targets(page) == []
    page.goto(f"{url}/events/{cast.event['id']}")
    expect(page.get_by_test_id("event-detail")).to_be_visible()
    assert small_tap_targets(page) == []


def test_the_code_stops_when_the_event_is_over(phones, live_server, cast):
    url, app = live_server.url, live_server.app
    from server.core.db import db
    from server.events.models import Event

    with app.app_context():
        event = db.session.get(Event, cast.event["id"])
        event.checkin_closes_at = clock.now() - dt.timedelta(minutes=1)
        event.ends_at = clock.now() - dt.timedelta(minutes=2)
        db.session.commit()
        db.session.remove()
    page = phones.phone()
    live.login(page, url, cast.secretary)
    page.goto(f"{url}/manage/events/{cast.event['id']}/code")
    expect(page.get_by_test_id("code-closed")).to_be_visible()
    expect(page.get_by_test_id("code-countdown")).to_have_count(0)


def test_a_committee_account_has_no_members_records_tab(phones, live_server, cast):
    url, app = live_server.url, live_server.app
    page = phones.phone()
    live.login(page, url, cast.committee)
    expect(page.get_by_test_id("tab-home")).to_be_visible()
    expect(page.get_by_test_id("tab-records")).to_have_count(0)

"""The compliance screens on the demo data: the secretary's branch view, the committee's table of
branches, the Excel exports (downloaded through the app with its bearer token), and the branch
view offline from its cached copy.

The demo (server/demo/operations.py) goes into a database of its own (a second live server for
this module): its committee and usernames must not meet the casts of the other tests.
With ZHIBU_SCREENSHOTS=1 the pictures 09-compliance.png and 10-committee.png go to
docs/screenshots/ (see test_screenshots.py). Runs on SQLite only.
"""
from __future__ import annotations

import contextlib
import os
import re

import openpyxl
import pytest
from playwright.sync_api import expect

from sync import clock
from tests.browser import live

expect.set_options(timeout=15_000)

SECRETARY = "hongqi_shuji"
COMMITTEE = "chengguan"
PASSWORD = "zhibu-demo"
BRANCHES = ["红旗村党支部", "县财政局机关党支部", "星火科技有限公司党支部"]


@contextlib.contextmanager
def serving_the_demo(template, tmp_path_factory):
    """A live server on a database of its own, with the demo loaded on the clock's today."""
    from server.core.db import db
    from server.demo.operations import load_demo

    workdir = tmp_path_factory.mktemp("live-demo")
    url = live.copy_template(template, workdir)
    saved = os.environ.get("ZHIBU_INSTANCE_PATH")
    try:
        with live.LiveServer(url, workdir / "instance") as server:
            with server.app.app_context():
                created, _ = load_demo()
                assert created
                db.session.commit()
                db.session.remove()
            yield server
    finally:
        if saved is None:
            os.environ.pop("ZHIBU_INSTANCE_PATH", None)
        else:
            os.environ["ZHIBU_INSTANCE_PATH"] = saved


@pytest.fixture(scope="module")
def demo_server(_sqlite_template, tmp_path_factory):
    with serving_the_demo(_sqlite_template, tmp_path_factory) as server:
        yield server


@pytest.fixture(scope="module")
def dated_demo_server(suite_date, _sqlite_template, tmp_path_factory):
    """The demo loaded on the `suite_date` the test runs on (the phones' clocks follow it)."""
    with serving_the_demo(_sqlite_template, tmp_path_factory) as server:
        yield server


def demo_api_get(app, username: str, path: str):
    client = app.test_client()
    login = client.post("/api/v1/auth/login", json={"username": username, "password": PASSWORD})
    assert login.status_code == 200, login.json
    response = client.get(path, headers={"Authorization": f"Bearer {login.json['access_token']}"})
    assert response.status_code == 200, response.json
    return response.json


def shot(page, directory, name):
    page.wait_for_timeout(300)  # let transitions settle
    page.screenshot(path=directory / name, animations="disabled", caret="hide")


def check_download(page, button, expected_title: str, tmp_path):
    with page.expect_download() as info:
        button.click()
    download = info.value
    assert download.suggested_filename.endswith(".xlsx"), download.suggested_filename
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    sheet = openpyxl.load_workbook(path).active
    title = " ".join(str(c.value) for c in sheet[1] if c.value)
    assert expected_title in title, title
    return sheet


def test_secretary_sees_the_branch_compliance_and_exports_it(phones, demo_server, screenshot_dir, tmp_path):
    url = demo_server.url
    page = phones.phone(accept_downloads=True)
    live.login(page, url, SECRETARY, PASSWORD)
    page.get_by_test_id("home-compliance").click()
    expect(page.get_by_test_id("compliance-branch")).to_have_text("红旗村党支部")
    rules = page.get_by_test_id("compliance-rule")
    expect(rules.first).to_be_visible()
    states = set(rules.evaluate_all("els => els.map(e => e.dataset.state)"))
    assert "met" in states and states & {"due", "late", "missed"}, states
    for kind in ("month", "quarter", "year"):
        expect(page.get_by_test_id(f"compliance-period-{kind}")).to_be_visible()
    # The state is a word as well as a colour; next steps are worded by the app.
    expect(page.locator('[data-testid="compliance-rule"][data-state="met"]').first.get_by_test_id("compliance-state")) \
        .to_contain_text("已落实")
    expect(page.get_by_test_id("compliance-next-step").first).not_to_be_empty()
    expect(page.get_by_test_id("compliance-evidence-event").first).to_be_visible()
    shot(page, screenshot_dir, "09-compliance.png")

    check_download(page, page.get_by_test_id("compliance-export"), "红旗村党支部", tmp_path)

    # Offline: the last copy, and when it is from.
    live.wait_service_worker(page)  # the app must open with no network
    live.go_offline(page.context)
    page.reload()
    expect(page.get_by_test_id("compliance-offline")).to_contain_text("离线")
    expect(page.get_by_test_id("compliance-rule").first).to_be_visible()
    live.go_online(page.context)


def test_committee_sees_every_branch_and_exports_the_table(phones, demo_server, screenshot_dir, tmp_path):
    from server.compliance.operations import REGISTRY  # every feature's rules registered

    url = demo_server.url
    page = phones.phone(accept_downloads=True)
    live.login(page, url, COMMITTEE, PASSWORD)
    page.get_by_test_id("home-committee").click()
    rows = page.get_by_test_id("committee-branch")
    expect(rows).to_have_count(3)
    # One state per rule: every basic rule, and the rules of the featured systems some branch
    # adopted (the demo's branches each adopted their sector's templates), the same for every row.
    basic = [rule for rule in REGISTRY if not rule.startswith("X-")]
    expect(rows.nth(0).get_by_test_id("compliance-state").first).to_be_visible()
    columns = None
    for i, name in enumerate(BRANCHES):
        expect(rows.nth(i)).to_contain_text(name)
        shown = rows.nth(i).get_by_test_id("compliance-state").evaluate_all("els => els.map(e => e.dataset.rule)")
        assert len(shown) == len(set(shown)) and set(basic) <= set(shown) <= set(REGISTRY), shown
        assert columns in (None, shown)
        columns = shown
    assert set(columns) - set(basic)  # the adopted featured systems' rules
    states = set(page.get_by_test_id("compliance-state").evaluate_all("els => els.map(e => e.dataset.state)"))
    assert "met" in states and states & {"due", "late", "missed"}, states
    shot(page, screenshot_dir, "10-committee.png")

    check_download(page, page.get_by_test_id("committee-export"), "城关镇党委", tmp_path)

    rows.nth(1).click()
    expect(page.get_by_test_id("compliance-branch")).to_have_text(BRANCHES[1])
    page.get_by_test_id("back").click()
    expect(page.get_by_test_id("committee-branch")).to_have_count(3)


def test_attendance_sheet_exports_to_excel(phones, demo_server, tmp_path):
    import sqlalchemy as sa

    from server.core.db import db
    from server.events.models import Event

    app = demo_server.app
    with app.app_context():
        event_id, title = db.session.execute(
            sa.select(Event.id, Event.title).where(Event.branch_id == 1).order_by(Event.starts_at.desc())
            .where(Event.starts_at < clock.now())).first()
        db.session.remove()
    page = phones.phone(accept_downloads=True)
    live.login(page, demo_server.url, SECRETARY, PASSWORD)
    page.goto(f"{demo_server.url}/manage/events/{event_id}/attendance")
    expect(page.get_by_test_id("attendance-row").first).to_be_visible()
    check_download(page, page.get_by_test_id("attendance-export"), "红旗村党支部", tmp_path)


def tiny_png() -> bytes:
    import struct
    import zlib

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00")) + chunk(b"IEND", b""))


@pytest.mark.dated
def test_minutes_written_offline_upload_and_turn_the_rule_met(phones, dated_demo_server):
    """The committee meeting lacking minutes (the demo's latest one: this month's once held, last
    month's before that): written offline (waiting in the sync bar), uploaded when online with a
    photo, and 3M1-minutes of that meeting's month is then met. (3M1-committee is met all along:
    the meeting was held with attendance; its minutes are 3M1-minutes' to judge.)"""
    import sqlalchemy as sa

    from server.core.db import db
    from server.core.enums import EventKind
    from server.events.models import Event
    from server.minutes.models import Minutes, MinutesPhoto

    app, url = dated_demo_server.app, dated_demo_server.url
    with app.app_context():
        meeting = db.session.scalars(
            sa.select(Event).where(Event.branch_id == 1, Event.kind == EventKind.branch_committee_meeting,
                                   Event.ends_at <= clock.now()).order_by(Event.starts_at.desc())).first()
        event_id, day = meeting.id, meeting.starts_at.astimezone(clock.CHINA).date()
        db.session.remove()
    compliance = f"/api/v1/branches/1/compliance?year={day.year}&month={day.month}"
    before = demo_api_get(app, SECRETARY, compliance)
    step = next(r for r in before["results"] if r["rule"] == "3M1-minutes")
    assert step["state"] != "met" and step["next_step"]["key"] == "minutes.incomplete", step
    assert step["next_step"]["params"]["event_id"] == event_id
    assert next(r for r in before["results"] if r["rule"] == "3M1-committee")["state"] == "met"

    page = phones.phone()
    live.login(page, url, SECRETARY, PASSWORD)
    page.goto(f"{url}/manage/events/{event_id}")
    expect(page.get_by_test_id("minutes")).to_be_visible()
    live.go_offline(page.context)
    live.wait_sync_state(page, "offline")
    page.get_by_test_id("minutes-text").fill(f"会议时间：{day.month}月{day.day}日。参加人员：支委全体。议题：研究下月工作安排。")
    page.get_by_test_id("minutes-save").click()
    page.get_by_test_id("minutes-photo").set_input_files(
        files=[{"name": "minutes.png", "mimeType": "image/png", "buffer": tiny_png()}])
    expect(page.get_by_test_id("minutes-waiting")).to_contain_text("2")
    expect(page.get_by_test_id("sync-bar")).to_have_attribute("data-pending", "2")

    live.go_online(page.context)
    live.wait_sync_state(page, "synced", pending=0)
    with app.app_context():
        minutes = db.session.scalars(sa.select(Minutes).where(Minutes.event_id == event_id)).one()
        assert "研究下月工作安排" in minutes.text
        assert db.session.scalar(sa.select(sa.func.count()).select_from(MinutesPhoto)
                                 .where(MinutesPhoto.minutes_id == minutes.id)) == 1
        db.session.remove()
    after = demo_api_get(app, SECRETARY, compliance)
    assert next(r for r in after["results"] if r["rule"] == "3M1-minutes")["state"] == "met"


def test_calendar_feed_in_settings(phones, demo_server):
    url = demo_server.url
    page = phones.phone()
    live.login(page, url, SECRETARY, PASSWORD)
    page.goto(f"{url}/settings")
    feed = page.get_by_test_id("calendar-feed")
    expect(feed).to_contain_text("订阅日历")
    if feed.get_attribute("data-state") != "ready":
        expect(feed).to_have_attribute("data-state", "none")
        page.get_by_test_id("calendar-create").click()
    address = page.get_by_test_id("calendar-url")
    expect(address).to_have_value(re.compile(r"/api/v1/calendar/[^/]+\.ics$"))
    first = address.input_value()
    ics = page.request.get(first)
    assert ics.ok and "BEGIN:VCALENDAR" in ics.text()
    page.get_by_test_id("calendar-regenerate").click()
    page.locator(".van-dialog__confirm").click()
    expect(address).not_to_have_value(first)
    assert page.request.get(first).status == 404

"""Education and service on the phone (390×844), through the UI against the real server: a member
with no signal logs a study record (saved on the phone), comes back online (sent, 待确认, not
counted), the secretary confirms it on the 服务岗位 screen, and the member sees it counted.

Runs on SQLite only (see conftest.py).
"""
from __future__ import annotations

import sqlalchemy as sa
from playwright.sync_api import expect

from tests.browser import live
from tests.browser.test_secretary_month import small_tap_targets

expect.set_options(timeout=15_000)


def own_records_of(app, member_id: int) -> list[dict]:
    from server.core.db import db
    from server.records.models import Record

    with app.app_context():
        rows = db.session.scalars(sa.select(Record).where(Record.member_id == member_id,
                                                          Record.client_id.is_not(None))).all()
        result = [{"kind": r.kind.value, "title": r.title, "status": r.status.value} for r in rows]
        db.session.remove()
        return result


def test_a_study_record_logged_offline_counts_once_the_branch_confirms_it(phones, live_server, cast, tmp_path):
    url, app = live_server.url, live_server.app
    context, page = phones.persistent(tmp_path / "member")
    live.login(page, url, cast.member)
    live.wait_service_worker(page)
    page.get_by_test_id("home-service").click()
    counted = page.get_by_test_id("service-counted")
    expect(counted).to_contain_text("学习0条，服务0条")
    expect(page.get_by_test_id("service-no-records")).to_be_visible()

    live.go_offline(context)
    live.wait_sync_state(page, "offline")
    page.get_by_test_id("service-add").click()
    page.get_by_test_id("service-title").fill("网上学习党的二十大精神")
    page.get_by_test_id("service-detail").fill("在学习强国学习专题课程两小时")
    assert small_tap_targets(page) == []
    page.get_by_test_id("service-save").click()
    expect(page.get_by_test_id("service-message")).to_have_text("已保存在手机，联网后自动提交。")
    row = page.get_by_test_id("service-record")
    expect(row).to_have_count(1)
    expect(row).to_have_attribute("data-state", "saved")
    expect(row.get_by_test_id("service-record-state")).to_have_text("已保存在手机")
    expect(page.get_by_test_id("sync-bar")).to_have_attribute("data-pending", "1")
    assert own_records_of(app, cast.member_id) == []

    live.go_online(context)  # the 'online' event sends it
    live.wait_sync_state(page, "synced", pending=0)
    expect(row).to_have_attribute("data-state", "waiting")
    expect(row.get_by_test_id("service-record-state")).to_have_text("待确认")
    expect(counted).to_contain_text("学习0条")  # not counted before the branch confirms it
    assert own_records_of(app, cast.member_id) == [
        {"kind": "study", "title": "网上学习党的二十大精神", "status": "acknowledged"}]

    secretary = phones.phone()
    live.login(secretary, url, cast.secretary)
    secretary.goto(url + "/manage")
    secretary.get_by_test_id("desk-service").click()
    review = secretary.get_by_test_id("service-review")
    expect(review).to_have_count(1)
    expect(review).to_contain_text("李明：网上学习党的二十大精神")
    assert small_tap_targets(secretary) == []
    review.get_by_test_id("service-confirm").click()
    expect(review).to_have_count(0)  # queued: off the list to confirm
    live.wait_sync_state(secretary, "synced", pending=0)
    # The confirmation is pushed in the background: the server has it within a few seconds.
    for _ in range(50):
        if own_records_of(app, cast.member_id)[0]["status"] == "confirmed":
            break
        secretary.wait_for_timeout(200)
    assert own_records_of(app, cast.member_id)[0]["status"] == "confirmed"

    page.reload()  # the app syncs on start and pulls the confirmation
    live.wait_sync_state(page, "synced", pending=0)
    row = page.get_by_test_id("service-record")
    expect(row).to_have_attribute("data-state", "confirmed")
    expect(row.get_by_test_id("service-record-state")).to_have_text("已确认")
    expect(page.get_by_test_id("service-counted")).to_contain_text("学习1条，服务0条")

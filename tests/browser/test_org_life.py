"""The org-life meeting on the phone (390×844), through the UI against the real server: a member
writes their party-spirit analysis with no network (saved on the phone, then handed in when the
network is back); the secretary records the missing heart-to-heart talk, notes a paper analysis,
sees the preparation checklist complete, and records every member's criticism and
self-criticism at the meeting.

With ZHIBU_SCREENSHOTS=1 the pictures of `docs/guide-secretary.md` go to docs/screenshots/
(guide-org-life-*.png). Runs on SQLite only (see conftest.py).
"""
from __future__ import annotations

import datetime as dt

from playwright.sync_api import expect

from sync import clock
from tests.browser import live
from tests.browser.test_secretary_month import small_tap_targets

expect.set_options(timeout=15_000)

ANALYSIS = "对照党章党规查找差距：理论学习不够系统，联系群众不够经常。今后每周学习一次，每月走访两户困难群众。"


def shot(page, directory, name, full_page=True):
    page.wait_for_timeout(300)  # let transitions settle
    page.screenshot(path=directory / name, animations="disabled", caret="hide", full_page=full_page)


def meeting_tonight(app, cast) -> int:
    """Branch A's org-life meeting of the year, tonight at 23:00 (analyses still open, criticism
    recordable): theme and problems, yesterday's party lecture as study, a symposium, the
    secretary's talk with 李明 and the secretary's own analysis. 王芳 has had no talk and handed in
    no analysis; 李明 has not written his."""
    import sqlalchemy as sa

    from server.auth.models import User
    from server.core.db import db
    from server.core.enums import EventKind
    from server.org.models import Branch, Member
    from server.org_life import operations as ops
    from tests.server import factories as f

    today = clock.today()
    with app.app_context():
        secretary = db.session.scalar(sa.select(User.id).where(User.username == cast.secretary))
        branch = db.session.get(Branch, cast.branch_a)
        event = f.create_event_for(branch, EventKind.org_life_meeting, f"{today.year}年度组织生活会",
                                   starts_at=f.china_time(today, 23), place="村党群服务中心", theme="学思想、强党性、重实践")
        lecture = f.create_meeting(branch, EventKind.party_lecture, today - dt.timedelta(days=1), title="专题党课")
        meeting = ops.create_meeting(branch, {"year": today.year, "event_id": event.id,
                                              "problems": ["联系服务群众不够经常"]}, secretary)
        ops.link_study(meeting, lecture.id, secretary, today)
        ops.add_opinion(meeting, {"method": "symposium", "held_on": today, "summary": "座谈会征求意见6条"}, secretary,
                        today)
        ops.add_talk(meeting, {"member_a_id": cast.secretary_id, "member_b_id": cast.member_id, "held_on": today},
                     secretary, today)
        ops.write_analysis(meeting, db.session.get(Member, cast.secretary_id), "书记的党性分析材料：带头学习不够深入。",
                           "browser-secretary-analysis", secretary, today)
        db.session.commit()
        meeting_id = meeting.id
        db.session.remove()
        return meeting_id


def analyses_on_server(app, meeting_id) -> dict:
    import sqlalchemy as sa

    from server.core.db import db
    from server.org_life.models import OrgLifeAnalysis

    with app.app_context():
        rows = db.session.scalars(sa.select(OrgLifeAnalysis).where(OrgLifeAnalysis.meeting_id == meeting_id)).all()
        result = {a.member.name: (a.text, a.on_paper) for a in rows}
        db.session.remove()
        return result


def test_a_member_writes_offline_and_the_secretary_completes_the_checklist(phones, live_server, cast, tmp_path,
                                                                             screenshot_dir):
    url, app = live_server.url, live_server.app
    meeting_id = meeting_tonight(app, cast)

    # 李明 opens his org-life meeting from the home screen, then loses the network and writes.
    context, member = phones.persistent(tmp_path / "member-profile")
    live.login(member, url, cast.member)
    live.wait_service_worker(member)
    card = member.get_by_test_id("home-org-life")
    expect(card).to_have_attribute("data-state", "none")
    member.get_by_test_id("home-org-life-open").click()
    expect(member.get_by_test_id("olm-mine-meeting")).to_contain_text("学思想、强党性、重实践")
    expect(member.get_by_test_id("olm-mine-talk")).to_contain_text("赵书记")
    live.go_offline(context)
    live.wait_sync_state(member, "offline")
    member.get_by_test_id("olm-analysis-text").fill(ANALYSIS)
    member.get_by_test_id("olm-analysis-save").click()
    expect(member.get_by_test_id("olm-analysis")).to_have_attribute("data-state", "waiting")
    expect(member.get_by_test_id("olm-analysis-waiting")).to_contain_text("已保存在手机上")
    expect(member.get_by_test_id("sync-bar")).to_have_attribute("data-pending", "1")
    shot(member, screenshot_dir, "guide-org-life-3-member.png", full_page=False)
    assert "李明" not in analyses_on_server(app, meeting_id)
    # Still there after the app is reopened offline.
    member.reload()
    expect(member.get_by_test_id("olm-analysis-text")).to_have_value(ANALYSIS)
    expect(member.get_by_test_id("olm-analysis")).to_have_attribute("data-state", "waiting")

    live.go_online(context)  # the 'online' event starts the sync
    live.wait_sync_state(member, "synced", pending=0)
    expect(member.get_by_test_id("olm-analysis")).to_have_attribute("data-state", "sent")
    assert analyses_on_server(app, meeting_id)["李明"] == (ANALYSIS, False)
    assert small_tap_targets(member) == []

    # The secretary: one talk and one analysis missing, both 王芳's.
    page = phones.phone()
    live.login(page, url, cast.secretary)
    page.goto(f"{url}/manage")
    page.get_by_test_id("desk-org-life").click()
    checklist = page.get_by_test_id("olm-checklist")
    expect(checklist).to_have_attribute("data-complete", "0")
    expect(page.get_by_test_id("olm-progress")).to_contain_text("会前准备 3/5")
    expect(page.get_by_test_id("olm-check-talks")).to_have_attribute("data-done", "0")
    expect(page.get_by_test_id("olm-talks-missing")).to_have_text("尚未谈心谈话：王芳")
    rows = page.get_by_test_id("olm-analysis-row")
    expect(rows.filter(has_text="李明")).to_have_attribute("data-state", "phone")
    expect(rows.filter(has_text="王芳")).to_have_attribute("data-state", "none")

    # One tap on the item goes to the talks; the secretary records the talk with 王芳.
    page.get_by_test_id("olm-check-talks").click()
    page.get_by_test_id("olm-talk-a").select_option(label="赵书记")
    page.get_by_test_id("olm-talk-b").select_option(label="王芳")
    page.get_by_test_id("olm-talk-date").fill(clock.today().isoformat())
    page.get_by_test_id("olm-talk-note").fill("谈了预备期的学习和思想情况")
    page.get_by_test_id("olm-talk-add").click()
    expect(page.get_by_test_id("olm-talks-all")).to_be_visible()
    expect(page.get_by_test_id("olm-check-talks")).to_have_attribute("data-done", "1")
    # 王芳 handed hers in on paper.
    rows.filter(has_text="王芳").get_by_test_id("olm-analysis-paper").click()
    expect(rows.filter(has_text="王芳")).to_have_attribute("data-state", "paper")
    expect(checklist).to_have_attribute("data-complete", "1")
    expect(page.get_by_test_id("olm-progress")).to_contain_text("会前准备 5/5")
    page.get_by_test_id("olm-checklist").scroll_into_view_if_needed()
    shot(page, screenshot_dir, "guide-org-life-1-checklist.png", full_page=False)

    # At the meeting: criticism and self-criticism for every member.
    expect(page.get_by_test_id("olm-criticism-missing")).to_contain_text("李明")
    for name in ("李明", "王芳", "赵书记"):
        row = page.get_by_test_id("olm-criticism-row").filter(has_text=name)
        row.get_by_test_id("olm-criticism-open").click()
        row.get_by_test_id("olm-criticism-self").fill(f"{name}：理论学习不够深入，联系群众不够经常")
        row.get_by_test_id("olm-criticism-received").fill("希望多走访困难群众，带头参加志愿服务")
        row.get_by_test_id("olm-criticism-save").click()
        expect(row).to_have_attribute("data-recorded", "1")
    expect(page.get_by_test_id("olm-criticism-all")).to_be_visible()
    expect(checklist).to_have_attribute("data-meeting-complete", "1")
    expect(page.get_by_test_id("olm-check-criticism")).to_have_attribute("data-done", "1")
    page.get_by_test_id("olm-criticism").scroll_into_view_if_needed()
    shot(page, screenshot_dir, "guide-org-life-2-criticism.png", full_page=False)

    assert small_tap_targets(page) == []

    # The committee reads the checklist's state, read-only.
    committee = phones.phone()
    live.login(committee, url, cast.committee, wait_synced=False)
    committee.get_by_test_id("home-committee-org-life").click()
    row = committee.get_by_test_id("olm-committee-row").filter(has_text="红旗村党支部")
    expect(row).to_have_attribute("data-complete", "1")
    row.get_by_test_id("olm-committee-open").click()
    expect(committee.get_by_test_id("olm-readonly")).to_be_visible()
    expect(committee.get_by_test_id("olm-checklist")).to_have_attribute("data-complete", "1")
    expect(committee.get_by_test_id("olm-talk-form")).to_have_count(0)
    expect(committee.get_by_test_id("olm-criticism-open")).to_have_count(0)

    detail = live.api_get(app, cast.secretary, f"/api/v1/org-life-meetings/{meeting_id}")
    assert detail["checklist"]["preparation_complete"] and detail["checklist"]["meeting_complete"]
    assert [t["member_b_name"] for t in detail["talks"]] == ["李明", "王芳"]
    assert analyses_on_server(app, meeting_id)["王芳"] == (None, True)

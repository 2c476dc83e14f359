"""The org-life meeting (组织生活会) as a workflow: who reads and writes what, what is refused and
when, the checklist, and OLM-report's new requirement (rectification progress announced)."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from server.core.db import db
from server.core.enums import EventKind, EventStatus, FilingKind
from server.events.models import Event
from server.filings.models import RectificationItem
from server.org.models import Branch, Member
from tests.server import factories

D = dt.date
API = "/api/v1"
MEETING_DAY = D(2026, 12, 18)


@pytest.fixture
def olm(app, world, clock):
    """A's org-life meeting of 2026 planned on 18 December; today is 10 December. Last year's two
    rectification items are there to review."""
    clock.set_now(D(2026, 12, 10))
    with app.app_context():
        a = db.session.get(Branch, world.branch_a)
        a.created_at = dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc)
        event = factories.create_event_for(a, kind=EventKind.org_life_meeting, title="2026年度组织生活会",
                                           starts_at=factories.china_time(MEETING_DAY, 14))
        lecture = factories.create_meeting(a, EventKind.party_lecture, D(2026, 11, 25), title="第四季度党课")
        later = factories.create_event_for(a, kind=EventKind.party_lecture, title="下周的党课",
                                           starts_at=factories.china_time(D(2026, 12, 15), 14))
        items = [RectificationItem(branch_id=a.id, year=2025, problem=p) for p in ("走访群众偏少", "学习方式单一")]
        db.session.add_all(items)
        db.session.add(RectificationItem(branch_id=a.id, year=2024, problem="前年的事项"))
        db.session.commit()
        return {"event": event.id, "lecture": lecture.id, "later": later.id, "items": [i.id for i in items]}


def create(client, auth, world, olm, **body):
    body = {"year": 2026, "event_id": olm["event"], "theme": "学思想、强党性，查找差距", "problems": ["联系群众不够经常"],
            **body}
    return client.post(f"{API}/branches/{world.branch_a}/org-life-meetings", json=body,
                       headers=auth.headers("secretary_a"))


@pytest.fixture
def meeting(client, auth, world, olm):
    created = create(client, auth, world, olm)
    assert created.status_code == 201, created.json
    return created.json


def post(client, auth, url, body=None, who="secretary_a"):
    return client.post(API + url, json=body if body is not None else {}, headers=auth.headers(who))


def put(client, auth, url, body, who="secretary_a"):
    return client.put(API + url, json=body, headers=auth.headers(who))


def get(client, auth, url, who="secretary_a"):
    return client.get(API + url, headers=auth.headers(who))


def talk(client, auth, meeting, a, b, held_on="2026-12-05", who="secretary_a"):
    return post(client, auth, f"/org-life-meetings/{meeting['id']}/talks",
                {"member_a_id": a, "member_b_id": b, "held_on": held_on, "note": "谈了工作和思想情况"}, who)


def analysis(client, auth, meeting, who, text="对照党章查找差距：理论学习不够深入，联系群众不够经常。", nonce=None):
    return put(client, auth, f"/org-life-meetings/{meeting['id']}/analyses/mine",
               {"text": text, "nonce": nonce or f"nonce-{who}-{len(text)}"}, who)


def items(page):
    return {i["key"]: i for i in page["checklist"]["items"]}


# --- the meeting and its checklist -----------------------------------------------------------------

def test_the_checklist_follows_the_preparation_then_the_meeting(app, client, auth, world, olm, meeting, clock):
    members = {world.member: "李明", world.member2: "王芳", world.secretary_a: "赵书记"}
    assert meeting["theme"] == "学思想、强党性，查找差距" and meeting["problems"] == ["联系群众不够经常"]
    assert meeting["event"]["day"] == "2026-12-18" and meeting["analysis_open"] and not meeting["started"]
    assert {m["member_id"] for m in meeting["members"]} == set(members)  # A's members; not the floating guest
    check = items(meeting)
    assert check["theme"]["done"] and not check["study"]["done"] and not check["opinions"]["done"]
    assert {w["name"] for w in check["talks"]["missing"]} == set(members.values())
    assert meeting["checklist"]["preparation_done"] == 1 and meeting["checklist"]["preparation_total"] == 5

    page = post(client, auth, f"/org-life-meetings/{meeting['id']}/studies", {"event_id": olm["lecture"]})
    assert page.status_code == 201 and items(page.json)["study"]["done"]
    assert page.json["studies"][0]["title"] == "第四季度党课"
    page = post(client, auth, f"/org-life-meetings/{meeting['id']}/opinions",
                {"method": "symposium", "held_on": "2026-12-01", "summary": "征求意见8条"})
    assert page.status_code == 201 and items(page.json)["opinions"]["count"] == 1
    page = talk(client, auth, meeting, world.secretary_a, world.member).json
    assert items(page)["talks"]["count"] == 2 and [w["name"] for w in items(page)["talks"]["missing"]] == ["王芳"]
    page = talk(client, auth, meeting, world.member2, world.secretary_a, "2026-12-10").json
    assert items(page)["talks"]["done"] and items(page)["talks"]["missing"] == []
    for who in ("member", "member2"):
        assert analysis(client, auth, meeting, who).status_code == 200
    page = get(client, auth, f"/org-life-meetings/{meeting['id']}").json
    assert [w["name"] for w in items(page)["analyses"]["missing"]] == ["赵书记"]
    assert {m["name"]: m["analysis"] for m in page["members"]} == {"李明": "phone", "王芳": "phone", "赵书记": None}
    assert analysis(client, auth, meeting, "secretary_a").status_code == 200
    page = get(client, auth, f"/org-life-meetings/{meeting['id']}").json
    assert page["checklist"]["preparation_complete"] and page["checklist"]["preparation_done"] == 5
    assert not page["checklist"]["meeting_complete"]
    assert [r["problem"] for r in page["reviews"]] == ["走访群众偏少", "学习方式单一"]  # last year's, not 2024's

    # The meeting's day: last year's items reviewed, every member's criticism recorded.
    clock.set_now(MEETING_DAY)
    for item_id, status in zip(olm["items"], ("done", "ongoing")):
        page = put(client, auth, f"/org-life-meetings/{meeting['id']}/reviews/{item_id}",
                   {"status": status, "note": "会上逐项对照检查"})
        assert page.status_code == 200, page.json
    assert items(page.json)["review"]["done"] and [r["status"] for r in page.json["reviews"]] == ["done", "ongoing"]
    for member_id in members:
        page = put(client, auth, f"/org-life-meetings/{meeting['id']}/criticisms/{member_id}",
                   {"self_criticism": "学习不够深入", "criticism_received": "希望多走访群众"})
        assert page.status_code == 200, page.json
    assert items(page.json)["criticism"]["done"] and page.json["checklist"]["meeting_complete"]
    # Recording again replaces (one record per member).
    page = put(client, auth, f"/org-life-meetings/{meeting['id']}/criticisms/{world.member}",
               {"self_criticism": "修改后的自我批评", "criticism_received": "希望多走访群众"}).json
    assert [c["self_criticism"] for c in page["criticisms"] if c["member_id"] == world.member] == ["修改后的自我批评"]

    listed = get(client, auth, f"/branches/{world.branch_a}/org-life-meetings").json
    assert [(m["year"], m["preparation_complete"], m["open_items"]) for m in listed] == [
        (2026, True, ["rectification", "announcement", "report"])]
    actions = [e["action"] for e in get(client, auth, f"/branches/{world.branch_a}/audit?page_size=100").json]
    for action in ("org_life.created", "org_life.study_linked", "org_life.opinion_added", "org_life.talk_added",
                   "org_life.analysis_written", "org_life.review_recorded", "org_life.criticism_recorded"):
        assert action in actions, action


def test_one_meeting_per_branch_and_year_on_an_org_life_event_of_the_branch(client, auth, world, olm, meeting):
    assert create(client, auth, world, olm).status_code == 409
    assert create(client, auth, world, olm, year=2027).status_code == 422  # December 2026 is not 2027's
    assert create(client, auth, world, olm, year=2025, event_id=olm["lecture"]).status_code == 422
    assert create(client, auth, world, olm, year=2025, event_id=world.event_b).status_code == 422
    assert create(client, auth, world, olm, problems=["一", "二", "三"]).status_code == 422
    # The theme is the event's: changed here, the event says so too.
    page = client.patch(f"{API}/org-life-meetings/{meeting['id']}", json={"theme": "新的主题", "problems": ["甲", "乙"]},
                        headers=auth.headers("secretary_a")).json
    assert page["theme"] == page["event"]["theme"] == "新的主题" and page["problems"] == ["甲", "乙"]
    assert get(client, auth, f"/events/{olm['event']}").json["theme"] == "新的主题"


def test_who_may_read_and_write(client, auth, world, olm, meeting):
    mid = meeting["id"]
    assert get(client, auth, f"/org-life-meetings/{mid}", "committee").status_code == 200
    for who in ("member", "member2", "floating", "secretary_b", "member_b", "other_committee"):
        assert get(client, auth, f"/org-life-meetings/{mid}", who).status_code == 403, who
        assert get(client, auth, f"/branches/{world.branch_a}/org-life-meetings", who).status_code == 403, who
    for who in ("member", "secretary_b", "committee"):
        assert talk(client, auth, meeting, world.member, world.member2, who=who).status_code == 403, who
        assert put(client, auth, f"/org-life-meetings/{mid}/criticisms/{world.member}",
                   {"self_criticism": "xx", "criticism_received": "yy"}, who).status_code == 403, who
    # The committee reads the checklist, not the secretary's notes on talks.
    talk(client, auth, meeting, world.member, world.member2)
    assert get(client, auth, f"/org-life-meetings/{mid}").json["talks"][0]["note"] == "谈了工作和思想情况"
    assert get(client, auth, f"/org-life-meetings/{mid}", "committee").json["talks"][0]["note"] is None
    committee = get(client, auth, f"/committees/{world.committee_id}/org-life-meetings?year=2026", "committee").json
    rows = {r["branch_id"]: r for r in committee}
    assert rows[world.branch_a]["meeting"]["id"] == mid and rows[world.branch_b]["meeting"] is None
    other = get(client, auth, f"/committees/{world.committee_id}/org-life-meetings", "other_committee")
    assert other.status_code == 403


def test_a_member_reads_only_their_own_analysis_and_another_branch_none(client, auth, world, meeting):
    mid = meeting["id"]
    written = analysis(client, auth, meeting, "member", "我的党性分析：理论学习不够系统，今后每周学习。")
    assert written.status_code == 200 and written.json["member_id"] == world.member and written.json["version"] == 1
    analysis(client, auth, meeting, "member2", "王芳的党性分析材料，写给支部书记看。")
    mine = get(client, auth, "/me/org-life", "member").json
    assert mine["exists"] and mine["meeting_id"] == mid and mine["analysis_open"]
    assert mine["analysis"]["text"] == "我的党性分析：理论学习不够系统，今后每周学习。"
    assert "王芳" not in str(mine)
    # The list of texts: the branch's managers only (not members, not the committee, not another branch).
    for who in ("member", "member2", "committee", "secretary_b", "member_b", "floating"):
        assert get(client, auth, f"/org-life-meetings/{mid}/analyses", who).status_code == 403, who
    texts = {a["member_name"]: a["text"] for a in get(client, auth, f"/org-life-meetings/{mid}/analyses").json}
    assert set(texts) == {"李明", "王芳"}
    # Only a member of the branch writes one (not a member of B, nor B's member floating to A).
    for who in ("member_b", "floating", "secretary_b", "committee"):
        assert analysis(client, auth, meeting, who).status_code == 403, who
    assert get(client, auth, "/me/org-life", "member_b").json == {"exists": False}
    assert get(client, auth, "/me/org-life", "committee").json == {"exists": False}


def test_an_analysis_is_idempotent_by_nonce_and_closed_once_the_meeting_was_held(app, client, auth, world, meeting,
                                                                                  clock):
    first = analysis(client, auth, meeting, "member", "第一稿：理论学习不够深入。", nonce="nonce-first-1")
    again = analysis(client, auth, meeting, "member", "第一稿：理论学习不够深入。", nonce="nonce-first-1")
    assert (first.json["version"], again.json["version"]) == (1, 1)
    second = analysis(client, auth, meeting, "member", "第二稿：理论学习不够深入，联系群众不够。", nonce="nonce-second")
    assert second.json["version"] == 2
    # A replay of the first write (an outbox retry) does not bring the old text back.
    replay = analysis(client, auth, meeting, "member", "第一稿：理论学习不够深入。", nonce="nonce-first-1")
    assert replay.status_code == 200 and replay.json["text"] == "第二稿：理论学习不够深入，联系群众不够。"
    assert analysis(client, auth, meeting, "member", "短", nonce="nonce-short").status_code == 422
    # On the meeting's day it is still open; once the event is marked held, or the day is past, closed.
    clock.set_now(MEETING_DAY)
    assert analysis(client, auth, meeting, "member", "会前最后修改：理论学习不够深入。", nonce="nonce-day").status_code == 200
    with app.app_context():
        db.session.get(Event, meeting["event"]["id"]).status = EventStatus.held
        db.session.commit()
    late = analysis(client, auth, meeting, "member", "会后又修改的党性分析材料。", nonce="nonce-after")
    assert late.status_code == 409 and "2026-12-18" in late.json["message"]
    assert analysis(client, auth, meeting, "member2", "会后才交的党性分析材料。", nonce="nonce-late2").status_code == 409
    # The write accepted before still answers its retry (the phone removes it from its queue).
    assert analysis(client, auth, meeting, "member", "会前最后修改：理论学习不够深入。", nonce="nonce-day").status_code == 200
    assert get(client, auth, "/me/org-life", "member").json["analysis_open"] is False


def test_a_paper_analysis_counts_and_is_noted_once(client, auth, world, meeting):
    mid = meeting["id"]
    page = post(client, auth, f"/org-life-meetings/{mid}/analyses/{world.member2}/paper")
    assert page.status_code == 201
    assert {m["name"]: m["analysis"] for m in page.json["members"]}["王芳"] == "paper"
    assert post(client, auth, f"/org-life-meetings/{mid}/analyses/{world.member2}/paper").status_code == 409
    assert post(client, auth, f"/org-life-meetings/{mid}/analyses/{world.member_b}/paper").status_code == 422
    by_member = post(client, auth, f"/org-life-meetings/{mid}/analyses/{world.member}/paper", who="member")
    assert by_member.status_code == 403
    # Written on the phone later, it replaces the paper note.
    assert analysis(client, auth, meeting, "member2").json["on_paper"] is False
    analysis(client, auth, meeting, "member")
    assert post(client, auth, f"/org-life-meetings/{mid}/analyses/{world.member}/paper").status_code == 409


def test_refusals_talks(client, auth, world, olm, meeting):
    with_oneself = talk(client, auth, meeting, world.member, world.member)
    assert with_oneself.status_code == 422 and "member_b_id" in with_oneself.json["errors"]["json"]
    future = talk(client, auth, meeting, world.member, world.member2, "2026-12-11")
    assert future.status_code == 422 and "future" in future.json["errors"]["json"]["held_on"][0]
    for outsider in (world.member_b, world.floating):  # B's members (the floating one attends A, belongs to B)
        assert talk(client, auth, meeting, world.member, outsider).status_code == 422
    assert talk(client, auth, meeting, world.member, world.member2).status_code == 201
    assert talk(client, auth, meeting, world.member2, world.member).status_code == 409  # the same talk again
    talk_id = get(client, auth, f"/org-life-meetings/{meeting['id']}").json["talks"][0]["id"]
    page = client.delete(f"{API}/org-life-talks/{talk_id}", headers=auth.headers("secretary_a"))
    assert page.status_code == 200 and page.json["talks"] == []
    # Study: before the meeting and held; not the meeting itself, not another branch's event.
    for event_id in (olm["later"], olm["event"], world.event_b):
        linked = post(client, auth, f"/org-life-meetings/{meeting['id']}/studies", {"event_id": event_id})
        assert linked.status_code == 422, event_id
    opinion = post(client, auth, f"/org-life-meetings/{meeting['id']}/opinions",
                   {"method": "questionnaire", "held_on": "2026-12-20", "summary": "问卷"})
    assert opinion.status_code == 422


def test_refusals_at_the_meeting(client, auth, world, olm, meeting, clock):
    mid = meeting["id"]
    body = {"self_criticism": "学习不够", "criticism_received": "多走访"}
    early = put(client, auth, f"/org-life-meetings/{mid}/criticisms/{world.member}", body)
    assert early.status_code == 409  # recorded at the meeting, not before
    review_url = f"/org-life-meetings/{mid}/reviews/{olm['items'][0]}"
    assert put(client, auth, review_url, {"status": "done"}).status_code == 409
    clock.set_now(dt.date(2026, 12, 19))
    for outsider in (world.member_b, world.floating):
        refused = put(client, auth, f"/org-life-meetings/{mid}/criticisms/{outsider}", body)
        assert refused.status_code == 422 and "member_id" in refused.json["errors"]["json"], outsider
    assert put(client, auth, f"/org-life-meetings/{mid}/criticisms/{world.member}", body).status_code == 200
    # Only last year's items of the branch are reviewed here.
    page = get(client, auth, f"/org-life-meetings/{mid}").json
    assert [r["item_id"] for r in page["reviews"]] == olm["items"]
    assert put(client, auth, review_url, {"status": "finished"}).status_code == 422
    # A talk after the meeting's day is not preparation.
    assert talk(client, auth, meeting, world.member, world.member2, "2026-12-19").status_code == 422


def test_a_wrong_year_item_is_not_reviewed(app, client, auth, world, meeting, clock):
    clock.set_now(MEETING_DAY)
    with app.app_context():
        old = db.session.scalar(sa.select(RectificationItem).where(RectificationItem.year == 2024))
        old_id = old.id
    reviewed = put(client, auth, f"/org-life-meetings/{meeting['id']}/reviews/{old_id}", {"status": "done"})
    assert reviewed.status_code == 404


# --- OLM-report through the API: the announcement -----------------------------------------------------

def test_olm_report_needs_the_rectification_progress_announced(app, client, auth, world, olm, meeting, clock):
    """Held on 18 December with attendance and minutes; the report (linked: it files the minutes)
    on the 22nd; the year's item set at the meeting: OLM-report waits for the announcement (its
    details name the item), and is met once it went out."""
    clock.set_now(D(2026, 12, 22))
    with app.app_context():
        a = db.session.get(Branch, world.branch_a)
        event = db.session.get(Event, olm["event"])
        event.status = EventStatus.held
        factories.create_record(db.session.get(Member, world.member), event=event, occurred_on=MEETING_DAY)
        factories.create_minutes(event)
        factories.create_filing(a, FilingKind.org_life_report, 2026, event_id=event.id)
        item = RectificationItem(branch_id=a.id, year=2026, event_id=event.id, problem="村务公开不够及时")
        db.session.add(item)
        db.session.commit()
        item_id = item.id

    def olm_report():
        page = get(client, auth, f"/org-life-meetings/{meeting['id']}").json
        return next(r for r in page["compliance"] if r["rule"] == "OLM-report"), items(page)

    rule, check = olm_report()
    assert rule["state"] == "due" and rule["deadline"] == "2027-01-02"
    assert rule["details"] == ["整改事项“村务公开不够及时”的整改进展尚未向党员通报"]
    assert "整改情况向党员通报" in rule["next_step"]["text"]
    assert check["report"]["done"] and check["rectification"]["done"] and not check["announcement"]["done"]
    compliance = get(client, auth, f"/branches/{world.branch_a}/compliance?year=2026&month=12").json
    assert next(r for r in compliance["results"] if r["rule"] == "OLM-report")["state"] == "due"
    assert post(client, auth, f"/rectification-items/{item_id}/announce", {"text": "整改方案已制定，每月公开村务"}).status_code == 200
    rule, check = olm_report()
    assert rule["state"] == "met" and rule["details"] == [] and check["announcement"]["done"]


@pytest.mark.parametrize(("today", "state"), [(D(2026, 12, 30), "due"), (D(2026, 12, 31), "due"),
                                              (D(2027, 1, 3), "missed")])
def test_olm_report_unannounced_through_the_deadline(app, client, auth, world, olm, meeting, clock, today, state):
    clock.set_now(today)
    with app.app_context():
        a = db.session.get(Branch, world.branch_a)
        event = db.session.get(Event, olm["event"])
        event.status = EventStatus.held
        factories.create_record(db.session.get(Member, world.member), event=event, occurred_on=MEETING_DAY)
        factories.create_minutes(event)
        factories.create_filing(a, FilingKind.org_life_report, 2026, event_id=event.id,
                                filed_at=factories.china_time(D(2026, 12, 20)))
        db.session.add(RectificationItem(branch_id=a.id, year=2026, event_id=event.id, problem="村务公开不够及时"))
        db.session.commit()
    compliance = get(client, auth, f"/branches/{world.branch_a}/compliance?year=2026&month=12").json
    result = next(r for r in compliance["results"] if r["rule"] == "OLM-report")
    assert result["state"] == state and result["next_step"]["params"]["missing"] == ["announcement"]


def test_a_member_who_left_the_branch_writes_no_analysis_and_is_not_counted(app, client, auth, world, meeting):
    with app.app_context():
        db.session.get(Member, world.member2).left_on = D(2026, 12, 1)
        db.session.commit()
    assert analysis(client, auth, meeting, "member2").status_code == 403
    page = get(client, auth, f"/org-life-meetings/{meeting['id']}").json
    assert "王芳" not in {m["name"] for m in page["members"]}
    assert talk(client, auth, meeting, world.member, world.member2).status_code == 422

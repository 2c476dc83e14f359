"""Filings with the superior committee, its decisions, rectification items and the activity-day plan."""
from __future__ import annotations

import datetime as dt

from server.core.db import db
from server.core.enums import EventKind
from server.org.models import Branch
from tests.server import factories


def file(client, auth, branch_id, who="secretary_a", **body):
    body = {"kind": "org_life_report", "year": 2026, "title": "2026年度组织生活会情况报告", **body}
    return client.post(f"/api/v1/branches/{branch_id}/filings", json=body, headers=auth.headers(who))


def test_a_branch_files_and_its_committee_lists_and_approves(client, auth, world):
    created = file(client, auth, world.branch_a, kind="org_life_date_change", title="关于组织生活会延期召开的请示",
                   requested_on="2027-01-15", body="因村“两委”换届，拟延期至1月15日召开。")
    assert created.status_code == 201, created.json
    filing = created.json
    assert filing["filed_at"] and filing["decision"] is None and filing["branch_name"] == "红旗村党支部"
    listed = client.get(f"/api/v1/committees/{world.committee_id}/filings?pending=true", headers=auth.headers("committee"))
    assert listed.status_code == 200 and [f["id"] for f in listed.json] == [filing["id"]]
    decided = client.post(f"/api/v1/filings/{filing['id']}/decision", json={"approve": True, "note": "同意"},
                          headers=auth.headers("committee"))
    assert decided.status_code == 200, decided.json
    assert decided.json["decision"] == "approved" and decided.json["approved_at"] and decided.json["decision_note"] == "同意"
    assert client.post(f"/api/v1/filings/{filing['id']}/decision", json={"approve": False},
                       headers=auth.headers("committee")).status_code == 409
    assert client.get(f"/api/v1/committees/{world.committee_id}/filings?pending=true",
                      headers=auth.headers("committee")).json == []
    own = client.get(f"/api/v1/branches/{world.branch_a}/filings?kind=org_life_date_change",
                     headers=auth.headers("secretary_a"))
    assert [f["decision"] for f in own.json] == ["approved"]


def test_a_date_change_names_the_date_and_a_linked_event_is_the_branchs(client, auth, world):
    assert file(client, auth, world.branch_a, kind="org_life_date_change").status_code == 422
    assert file(client, auth, world.branch_a, event_id=world.event_b).status_code == 422
    assert file(client, auth, world.branch_a, event_id=world.event_a).status_code == 201


def test_who_may_file_list_and_decide(client, auth, world):
    filing = file(client, auth, world.branch_a).json
    for who in ("member", "floating", "secretary_b", "committee"):
        assert file(client, auth, world.branch_a, who=who).status_code == 403, who
    for who in ("member", "secretary_b", "other_committee"):
        assert client.get(f"/api/v1/branches/{world.branch_a}/filings", headers=auth.headers(who)).status_code == 403
        assert client.get(f"/api/v1/filings/{filing['id']}", headers=auth.headers(who)).status_code == 403
    for who in ("secretary_a", "member", "other_committee"):
        assert client.post(f"/api/v1/filings/{filing['id']}/decision", json={"approve": True},
                           headers=auth.headers(who)).status_code == 403, who
    for who in ("secretary_a", "other_committee"):
        assert client.get(f"/api/v1/committees/{world.committee_id}/filings",
                          headers=auth.headers(who)).status_code == 403
    assert client.get(f"/api/v1/filings/{filing['id']}", headers=auth.headers("committee")).status_code == 200


def test_rectification_items_recorded_updated_and_reviewed_at_next_years_meeting(app, client, auth, world):
    item = client.post(f"/api/v1/branches/{world.branch_a}/rectification-items",
                       json={"year": 2026, "problem": "联系服务群众不够经常", "measures": "每月走访困难户",
                             "responsible": "赵书记", "due_on": "2027-06-30"},
                       headers=auth.headers("secretary_a"))
    assert item.status_code == 201, item.json
    patched = client.patch(f"/api/v1/rectification-items/{item.json['id']}",
                           json={"progress": "已走访12户", "completed_on": "2027-05-20"}, headers=auth.headers("secretary_a"))
    assert patched.status_code == 200 and patched.json["completed_on"] == "2027-05-20"
    # Members see the progress announced to them.
    listed = client.get(f"/api/v1/branches/{world.branch_a}/rectification-items?year=2026", headers=auth.headers("member"))
    assert [i["progress"] for i in listed.json] == ["已走访12户"]
    assert client.patch(f"/api/v1/rectification-items/{item.json['id']}", json={"progress": "x"},
                        headers=auth.headers("member")).status_code == 403
    with app.app_context():
        a = db.session.get(Branch, world.branch_a)
        meeting = factories.create_event_for(a, kind=EventKind.org_life_meeting, title="2027年度组织生活会",
                                             starts_at=factories.china_time(dt.date(2027, 12, 20), 14))
        db.session.commit()
        meeting_id = meeting.id
    review = client.get(f"/api/v1/events/{meeting_id}/rectification-review", headers=auth.headers("member"))
    assert review.status_code == 200
    assert review.json["reviewed_year"] == 2026 and [i["id"] for i in review.json["items"]] == [item.json["id"]]
    assert client.get(f"/api/v1/events/{world.event_a}/rectification-review",
                      headers=auth.headers("member")).status_code == 409
    assert client.get(f"/api/v1/events/{meeting_id}/rectification-review",
                      headers=auth.headers("member_b")).status_code == 403


def test_activity_day_plan_generated_on_rule_dates_editable_and_filed(app, client, auth, world, clock):
    clock.set_now(dt.date(2026, 1, 5))
    generated = client.post(f"/api/v1/branches/{world.branch_a}/activity-day-plan",
                            json={"year": 2026, "place": "村党群服务中心", "themes": ["重温入党誓词"]},
                            headers=auth.headers("secretary_a"))
    assert generated.status_code == 200, generated.json
    months = generated.json["months"]
    assert [m["rule_date"] for m in months][9] == "2026-10-14"
    assert all(m["event"] is not None and m["on_rule_date"] for m in months)
    assert months[0]["event"]["theme"] == "重温入党誓词" and months[0]["event"]["kind"] == "activity_day"
    assert months[9]["event"]["starts_at"] == "2026-10-14T06:30:00+00:00"  # 14:30 in China
    again = client.post(f"/api/v1/branches/{world.branch_a}/activity-day-plan", json={"year": 2026},
                        headers=auth.headers("secretary_a"))
    assert [m["event"]["id"] for m in again.json["months"]] == [m["event"]["id"] for m in months]
    # Editable: the secretary moves April's activity day; the plan shows it off the rule date.
    april = months[3]["event"]
    moved = client.patch(f"/api/v1/events/{april['id']}", json={
        "starts_at": "2026-04-08T06:30:00+00:00", "ends_at": "2026-04-08T08:30:00+00:00",
        "checkin_opens_at": "2026-04-08T06:00:00+00:00", "checkin_closes_at": "2026-04-08T09:00:00+00:00"},
        headers=auth.headers("secretary_a"))
    assert moved.status_code == 200, moved.json
    plan = client.get(f"/api/v1/branches/{world.branch_a}/activity-day-plan?year=2026", headers=auth.headers("member"))
    assert plan.json["months"][3]["on_rule_date"] is False
    filed = client.post(f"/api/v1/branches/{world.branch_a}/activity-day-plan/filing", json={"year": 2026},
                        headers=auth.headers("secretary_a"))
    assert filed.status_code == 201, filed.json
    assert filed.json["kind"] == "activity_day_plan" and len(filed.json["details"]["days"]) == 12
    assert filed.json["details"]["days"][3]["date"] == "2026-04-08"
    plan = client.get(f"/api/v1/branches/{world.branch_a}/activity-day-plan?year=2026", headers=auth.headers("member"))
    assert [f["id"] for f in plan.json["filings"]] == [filed.json["id"]]


def test_the_plan_never_creates_activity_days_in_the_past(client, auth, world, clock):
    clock.set_now(dt.date(2026, 10, 15))
    generated = client.post(f"/api/v1/branches/{world.branch_a}/activity-day-plan", json={"year": 2026},
                            headers=auth.headers("secretary_a"))
    assert [m["month"] for m in generated.json["months"] if m["event"]] == [11, 12]
    assert client.post(f"/api/v1/branches/{world.branch_b}/activity-day-plan/filing", json={"year": 2026},
                       headers=auth.headers("secretary_b")).status_code == 409
    for who in ("member", "committee", "secretary_b"):
        assert client.post(f"/api/v1/branches/{world.branch_a}/activity-day-plan", json={"year": 2026},
                           headers=auth.headers(who)).status_code == 403


# --- states, returning and refiling ---------------------------------------------------------------

def decide(client, auth, filing_id, **body):
    return client.post(f"/api/v1/filings/{filing_id}/decision", json=body, headers=auth.headers("committee"))


def refile(client, auth, filing_id, who="secretary_a", **body):
    return client.post(f"/api/v1/filings/{filing_id}/refile", json=body, headers=auth.headers(who))


def test_a_filing_is_sent_then_accepted_or_returned_with_the_committees_reason(client, auth, world, clock):
    clock.set_now(dt.date(2026, 12, 1))
    sent = file(client, auth, world.branch_a, period="2026-Q4").json
    assert (sent["state"], sent["decision_reason"], sent["decided_at"]) == ("sent", None, None)
    missing = decide(client, auth, sent["id"], approve=False)
    assert missing.status_code == 422 and "note" in missing.json["errors"]["json"]
    returned = decide(client, auth, sent["id"], approve=False, note="缺少整改措施，请补充后重新报送")
    assert returned.status_code == 200, returned.json
    assert returned.json["state"] == "returned" and returned.json["decided_at"]
    assert returned.json["decision_reason"] == "缺少整改措施，请补充后重新报送"
    clock.set_now(dt.date(2026, 12, 2))
    accepted = file(client, auth, world.branch_a, title="第二份").json
    assert decide(client, auth, accepted["id"], approve=True).json["state"] == "accepted"


def test_the_branch_refiles_a_returned_filing_once(client, auth, world, clock):
    clock.set_now(dt.date(2026, 12, 1))
    first = file(client, auth, world.branch_a, period="2026-Q4", body="初稿", event_id=world.event_a).json
    assert refile(client, auth, first["id"], title="x").status_code == 409  # still awaiting the committee
    decide(client, auth, first["id"], approve=False, note="请补充会议记录")
    for who in ("member", "secretary_b", "committee"):
        assert refile(client, auth, first["id"], who=who, body="x").status_code == 403, who
    clock.set_now(dt.date(2026, 12, 3))
    again = refile(client, auth, first["id"], body="修改稿：已补充会议记录", details={"pages": 3})
    assert again.status_code == 201, again.json
    new = again.json
    assert new["id"] != first["id"] and new["refiles_id"] == first["id"] and new["state"] == "sent"
    assert (new["kind"], new["year"], new["period"], new["event_id"]) == ("org_life_report", 2026, "2026-Q4",
                                                                          world.event_a)
    assert new["title"] == first["title"] and new["body"] == "修改稿：已补充会议记录" and new["details"] == {"pages": 3}
    assert refile(client, auth, first["id"], body="第三稿").status_code == 409
    listed = client.get(f"/api/v1/branches/{world.branch_a}/filings?kind=org_life_report&year=2026",
                        headers=auth.headers("secretary_a")).json
    assert [(f["id"], f["state"], f["refiled_as_id"]) for f in listed] == [
        (new["id"], "sent", None), (first["id"], "returned", new["id"])]
    accepted = file(client, auth, world.branch_a).json
    decide(client, auth, accepted["id"], approve=True)
    assert refile(client, auth, accepted["id"], body="x").status_code == 409
    actions = [e["action"] for e in client.get(f"/api/v1/branches/{world.branch_a}/audit",
                                               headers=auth.headers("secretary_a")).json]
    assert "filing.refiled" in actions


def test_any_document_the_committee_asks_for_is_an_other_filing_listed_newest_first(client, auth, world, clock):
    for day, title in ((1, "关于党员队伍情况的报告"), (5, "关于村级组织换届的报告")):
        clock.set_now(dt.date(2026, 11, day))
        assert file(client, auth, world.branch_a, kind="other", title=title, body="正文").status_code == 201
    file(client, auth, world.branch_a, kind="other", year=2025, title="去年的报告")
    listed = client.get(f"/api/v1/branches/{world.branch_a}/filings?kind=other&year=2026",
                        headers=auth.headers("secretary_a"))
    assert listed.status_code == 200
    assert [(f["title"], f["state"]) for f in listed.json] == [("关于村级组织换届的报告", "sent"),
                                                               ("关于党员队伍情况的报告", "sent")]


# --- rectification items: assigned and announced ---------------------------------------------------

def test_a_rectification_item_is_assigned_to_a_member_of_the_branch(client, auth, world):
    headers = auth.headers("secretary_a")
    url = f"/api/v1/branches/{world.branch_a}/rectification-items"
    for other in (world.member_b, world.floating, 999_999):
        refused = client.post(url, json={"year": 2026, "problem": "学习不够", "assignee_member_id": other}, headers=headers)
        assert refused.status_code == 422 and "assignee_member_id" in refused.json["errors"]["json"], other
    item = client.post(url, json={"year": 2026, "problem": "学习不够", "assignee_member_id": world.member},
                       headers=headers)
    assert item.status_code == 201 and item.json["assignee_name"] == "李明"
    moved = client.patch(f"/api/v1/rectification-items/{item.json['id']}",
                         json={"assignee_member_id": world.member2}, headers=headers)
    assert moved.status_code == 200 and (moved.json["assignee_member_id"], moved.json["assignee_name"]) == (
        world.member2, "王芳")
    assert client.patch(f"/api/v1/rectification-items/{item.json['id']}", json={"assignee_member_id": world.member_b},
                        headers=headers).status_code == 422
    cleared = client.patch(f"/api/v1/rectification-items/{item.json['id']}", json={"assignee_member_id": None},
                           headers=headers)
    assert cleared.json["assignee_member_id"] is None and cleared.json["assignee_name"] is None


def test_progress_is_announced_to_the_branchs_members(client, auth, world, clock):
    clock.set_now(dt.date(2027, 3, 1))
    item = client.post(f"/api/v1/branches/{world.branch_a}/rectification-items",
                       json={"year": 2026, "problem": "联系群众不够"}, headers=auth.headers("secretary_a")).json
    assert item["announcement"] is None and item["announced_at"] is None
    url = f"/api/v1/rectification-items/{item['id']}/announce"
    for who in ("member", "secretary_b", "committee"):
        assert client.post(url, json={"text": "已走访"}, headers=auth.headers(who)).status_code == 403, who
    assert client.post(url, json={"text": "好"}, headers=auth.headers("secretary_a")).status_code == 422
    assert client.post(url, json={"text": "   "}, headers=auth.headers("secretary_a")).status_code == 422
    first = client.post(url, json={"text": "已走访困难群众12户"}, headers=auth.headers("secretary_a"))
    assert first.status_code == 200 and first.json["announcement"] == "已走访困难群众12户"
    clock.set_now(dt.date(2027, 4, 1))
    client.post(url, json={"text": "整改已完成，建立每月走访制度"}, headers=auth.headers("secretary_a"))
    for who in ("member", "floating"):  # the branch's members and the floating member it hosts
        (seen,) = client.get(f"/api/v1/branches/{world.branch_a}/rectification-items",
                             headers=auth.headers(who)).json
        assert seen["announcement"] == "整改已完成，建立每月走访制度", who
        assert seen["announced_at"].startswith("2027-04-01")
    entries = [e for e in client.get(f"/api/v1/branches/{world.branch_a}/audit", headers=auth.headers("secretary_a")).json
               if e["action"] == "rectification.announced"]
    assert [e["data"]["text"] for e in entries] == ["整改已完成，建立每月走访制度", "已走访困难群众12户"]

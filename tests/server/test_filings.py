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

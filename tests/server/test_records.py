from __future__ import annotations

import sqlalchemy as sa

from server.audit.models import AuditEntry
from server.core.db import db


def _confirm(client, auth, ids, who="secretary_a"):
    return client.post("/api/v1/records/confirm", json={"record_ids": ids}, headers=auth.headers(who))


def test_member_lists_only_their_own_records(client, auth, world):
    response = client.get("/api/v1/records", headers=auth.headers("member"))
    assert response.status_code == 200
    assert [r["id"] for r in response.json] == [world.record_member]
    assert response.json[0]["status"] == "pending"


def test_filters_and_pagination(client, auth, world):
    headers = auth.headers("secretary_a")
    by_event = client.get(f"/api/v1/records?event_id={world.event_a}", headers=headers).json
    assert {r["id"] for r in by_event} == {world.record_member, world.record_floating_a}
    page = client.get(f"/api/v1/records?event_id={world.event_a}&page=1&page_size=1", headers=headers)
    assert len(page.json) == 1
    assert '"total": 2' in page.headers["X-Pagination"]
    assert client.get("/api/v1/records?status=confirmed", headers=headers).json == []


def test_member_acknowledges_and_secretary_confirms_in_bulk(client, auth, world):
    ack = client.post(f"/api/v1/records/{world.record_member}/acknowledge", headers=auth.headers("member"))
    assert ack.status_code == 200 and ack.json["status"] == "acknowledged"
    confirmed = _confirm(client, auth, [world.record_member, world.record_floating_a])
    assert confirmed.status_code == 200
    assert [r["status"] for r in confirmed.json] == ["confirmed", "confirmed"]
    assert client.get("/api/v1/records?status=confirmed", headers=auth.headers("secretary_a")).json


def test_bulk_confirmation_is_all_or_nothing(client, auth, world):
    # record_b is kept by branch B: secretary A may not confirm it, so nothing is confirmed.
    response = _confirm(client, auth, [world.record_member, world.record_b])
    assert response.status_code == 403
    record = client.get(f"/api/v1/records/{world.record_member}", headers=auth.headers("secretary_a")).json
    assert record["status"] == "pending"


def test_only_the_member_acknowledges_their_record(client, auth, world):
    response = client.post(f"/api/v1/records/{world.record_member}/acknowledge", headers=auth.headers("secretary_a"))
    assert response.status_code == 403


def test_correction_keeps_the_old_value_with_who_and_why(app, client, auth, world):
    headers = auth.headers("secretary_a")
    unconfirmed = client.post(f"/api/v1/records/{world.record_member}/corrections",
                              json={"reason": "录入错误", "changes": {"title": "新标题"}}, headers=headers)
    assert unconfirmed.status_code == 409
    _confirm(client, auth, [world.record_member])
    corrected = client.post(f"/api/v1/records/{world.record_member}/corrections",
                            json={"reason": "会议名称录入错误", "changes": {"title": "七月党员大会"}}, headers=headers)
    assert corrected.status_code == 201
    assert corrected.json["old_values"] == {"title": "党员大会"}
    assert corrected.json["new_values"] == {"title": "七月党员大会"}
    history = client.get(f"/api/v1/records/{world.record_member}/corrections", headers=auth.headers("member")).json
    assert history[0]["reason"] == "会议名称录入错误"
    record = client.get(f"/api/v1/records/{world.record_member}", headers=auth.headers("member")).json
    assert record["title"] == "七月党员大会" and record["status"] == "confirmed"
    with app.app_context():
        actions = db.session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions[-2:] == ["record.confirmed", "record.corrected"]


def test_manual_attendance_needs_a_reason_and_stays_one_per_member_and_event(client, auth, world):
    headers = auth.headers("secretary_a")
    body = {"member_id": world.member2, "kind": "attendance", "event_id": world.event_a,
            "occurred_on": "2026-11-27", "title": "党员大会"}
    no_reason = client.post(f"/api/v1/branches/{world.branch_a}/records", json=body, headers=headers)
    assert no_reason.status_code == 422
    assert "manual_reason" in no_reason.json["errors"]["json"]
    body["manual_reason"] = "忘带手机"
    created = client.post(f"/api/v1/branches/{world.branch_a}/records", json=body, headers=headers)
    assert created.status_code == 201 and created.json["checkin_method"] == "manual"
    second = client.post(f"/api/v1/branches/{world.branch_a}/records", json=body, headers=headers)
    assert second.status_code == 409
    listed = client.get(f"/api/v1/records?event_id={world.event_a}&member_id={world.member2}", headers=headers).json
    assert len(listed) == 1


def test_attendance_entry_refuses_a_member_neither_of_the_branch_nor_floating_to_it(client, auth, world):
    headers = auth.headers("secretary_a")
    base = {"kind": "attendance", "event_id": world.event_a, "occurred_on": "2026-11-27",
            "title": "党员大会", "manual_reason": "纸质签到"}
    stranger = client.post(f"/api/v1/branches/{world.branch_a}/records",
                           json={**base, "member_id": world.member_b}, headers=headers)
    assert stranger.status_code == 422


def test_audit_log_is_append_only_in_the_database(app, client, auth, world):
    _confirm(client, auth, [world.record_member])
    with app.app_context():
        with db.engine.connect() as conn:
            for statement in ("UPDATE audit_entry SET action = 'x'", "DELETE FROM audit_entry"):
                try:
                    with conn.begin():
                        conn.execute(sa.text(statement))
                except sa.exc.DBAPIError as exc:
                    assert "append-only" in str(exc)
                else:
                    raise AssertionError(f"{statement} was allowed")
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) >= 1

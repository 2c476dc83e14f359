from __future__ import annotations

import pytest

from server.core.db import db
from server.core.enums import EventKind
from server.org.models import Branch, Group
from tests.server import factories
from tests.server.synckit import code_scan, live_event, push
from sync import clock


def sheet(client, auth, event_id, who="secretary_a"):
    response = client.get(f"/api/v1/events/{event_id}/attendance", headers=auth.headers(who))
    assert response.status_code == 200, response.json
    return {row["member_name"]: row for row in response.json}


def test_sheet_shows_present_excused_absent_and_duplicates(app, client, auth, world):
    event = live_event(app, world.branch_a, started_minutes_ago=-120)  # starts in two hours
    leave = client.post(f"/api/v1/events/{event['id']}/leave-requests", json={"reason": "出差"},
                        headers=auth.headers("member2"))
    assert leave.status_code == 201, leave.json
    decided = client.post(f"/api/v1/leave-requests/{leave.json['id']}/decision", json={"approve": True},
                          headers=auth.headers("secretary_a"))
    assert decided.status_code == 200, decided.json
    with app.app_context():
        import datetime as dt

        from server.events.models import Event
    
        e = db.session.get(Event, event["id"])
        e.starts_at = clock.now() - dt.timedelta(minutes=10)
        e.checkin_opens_at = e.starts_at - dt.timedelta(minutes=30)
        db.session.commit()
    push(client, auth.headers("member"), [code_scan(event)], device="phone-aaaa")
    push(client, auth.headers("member"), [code_scan(event)], device="phone-bbbb")
    push(client, auth.headers("floating"), [code_scan(event)])
    rows = sheet(client, auth, event["id"])
    assert rows["李明"]["state"] == "present" and rows["李明"]["duplicate_scans"] == 1
    assert rows["王芳"]["state"] == "excused"
    assert rows["赵书记"]["state"] == "absent"
    assert rows["孙流动"]["state"] == "present" and rows["孙流动"]["floating"] is True
    assert set(rows) == {"李明", "王芳", "赵书记", "孙流动"}


@pytest.mark.parametrize("kind,expected", [
    (EventKind.branch_committee_meeting, {"赵书记"}),
    (EventKind.group_meeting, {"李明", "王芳"}),
    (EventKind.party_lecture, {"李明", "王芳", "赵书记", "孙流动"}),
])
def test_expected_attendance_follows_the_event_kind(app, client, auth, world, kind, expected):
    with app.test_request_context():
        branch = db.session.get(Branch, world.branch_a)
        group = db.session.get(Group, world.group_a)
        event = factories.create_event_for(branch, kind=kind, group_id=group.id if kind == EventKind.group_meeting else None)
        db.session.commit()
        event_id = event.id
    assert set(sheet(client, auth, event_id)) == expected


def test_only_the_branch_and_its_committee_see_the_sheet(client, auth, world):
    assert client.get(f"/api/v1/events/{world.event_a}/attendance", headers=auth.headers("committee")).status_code == 200
    for who in ("member", "secretary_b", "floating"):
        assert client.get(f"/api/v1/events/{world.event_a}/attendance", headers=auth.headers(who)).status_code == 403


def test_a_member_floating_elsewhere_is_not_expected_at_home_branch_events(app, client, auth, world):
    # The floating member belongs to B and floats to A: B's meetings do not expect them.
    rows = sheet(client, auth, world.event_b, who="secretary_b")
    assert "孙流动" not in rows and "周B" in rows


def test_member_sees_their_own_leave_requests(client, auth, world):
    client.post(f"/api/v1/events/{world.event_a}/leave-requests", json={"reason": "出差"},
                headers=auth.headers("member"))
    mine = client.get("/api/v1/me/leave-requests", headers=auth.headers("member"))
    assert mine.status_code == 200
    assert [(r["event_id"], r["status"]) for r in mine.json] == [(world.event_a, "requested")]
    assert client.get("/api/v1/me/leave-requests", headers=auth.headers("member2")).json == []


def test_events_carry_their_branch_name(client, auth, world):
    event = client.get(f"/api/v1/events/{world.event_a}", headers=auth.headers("member")).json
    assert event["branch_name"] == "红旗村党支部"

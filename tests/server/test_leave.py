"""Leave requests (请假): who may ask, the secretary's decision with its reason, withdrawing one."""
from __future__ import annotations

import datetime as dt

import pytest

from server.core.db import db
from server.core.enums import EventKind, EventStatus
from server.events.models import Event
from server.org.models import Branch
from tests.server import factories

API = "/api/v1"


def ask(client, auth, event_id, who="member", reason="外出务工"):
    return client.post(f"{API}/events/{event_id}/leave-requests", json={"reason": reason}, headers=auth.headers(who))


def decide(client, auth, leave_id, who="secretary_a", **body):
    return client.post(f"{API}/leave-requests/{leave_id}/decision", json=body, headers=auth.headers(who))


def an_event(app, world, kind=EventKind.general_assembly, *, branch="branch_a", **kw) -> int:
    with app.test_request_context():
        event = factories.create_event_for(db.session.get(Branch, getattr(world, branch)), kind=kind, **kw)
        db.session.commit()
        return event.id


# --- who may ask: the members expected at the event ------------------------------------------------

def test_a_member_floating_elsewhere_cannot_ask_leave_from_a_home_branch_event(client, auth, world):
    """The floating member belongs to B but floats to A: A's events expect them, B's do not."""
    refused = ask(client, auth, world.event_b, who="floating")
    assert refused.status_code == 403 and "expected" in refused.json["message"]
    assert ask(client, auth, world.event_a, who="floating").status_code == 201
    assert ask(client, auth, world.event_b, who="secretary_b").status_code == 201


def test_only_the_groups_members_may_ask_leave_from_a_group_meeting(app, client, auth, world):
    event_id = an_event(app, world, EventKind.group_meeting, title="第一党小组会", group_id=world.group_a)
    assert ask(client, auth, event_id, who="member").status_code == 201
    for who in ("secretary_a", "floating", "member_b"):  # not in the group; a floating member has no group here
        assert ask(client, auth, event_id, who=who).status_code == 403, who


def test_only_the_branch_committee_may_ask_leave_from_its_meeting(app, client, auth, world):
    event_id = an_event(app, world, EventKind.branch_committee_meeting, title="支委会")
    assert ask(client, auth, event_id, who="member").status_code == 403
    assert ask(client, auth, event_id, who="secretary_a").status_code == 201


def test_other_branches_members_and_committee_accounts_cannot_ask(client, auth, world):
    for who in ("member_b", "committee", "secretary_b"):
        response = ask(client, auth, world.event_a, who=who)
        assert response.status_code == 403 and response.json["message"], who


def test_no_leave_from_a_cancelled_or_past_event(app, client, auth, world, clock):
    with app.app_context():
        db.session.get(Event, world.event_a).status = EventStatus.cancelled
        db.session.commit()
    cancelled = ask(client, auth, world.event_a)
    assert cancelled.status_code == 422 and "cancelled" in cancelled.json["message"]
    clock.travel_to(clock.now() + dt.timedelta(days=3))  # event_b (tomorrow) is over
    past = ask(client, auth, world.event_b, who="secretary_b")
    assert past.status_code == 422


def test_asking_twice_is_a_conflict_and_asking_is_audited(client, auth, world):
    assert ask(client, auth, world.event_a).status_code == 201
    assert ask(client, auth, world.event_a).status_code == 409
    actions = [e["action"] for e in client.get(f"{API}/branches/{world.branch_a}/audit",
                                               headers=auth.headers("secretary_a")).json]
    assert actions[0] == "leave.requested"


# --- the decision -------------------------------------------------------------------------------

def test_a_refusal_needs_a_reason_the_member_then_sees(client, auth, world):
    leave = ask(client, auth, world.event_a, reason="家中老人住院").json
    assert leave["member_name"] == "李明" and leave["event_title"] == "党员大会" and leave["decision_reason"] is None
    missing = decide(client, auth, leave["id"], approve=False)
    assert missing.status_code == 422 and "reason" in missing.json["errors"]["json"]
    assert decide(client, auth, leave["id"], approve=False, reason=" ").status_code == 422
    refused = decide(client, auth, leave["id"], approve=False, reason="本次大会须全体党员参加选举")
    assert refused.status_code == 200, refused.json
    assert refused.json["status"] == "declined" and refused.json["decision_reason"] == "本次大会须全体党员参加选举"
    assert decide(client, auth, leave["id"], approve=True).status_code == 409
    (mine,) = client.get(f"{API}/me/leave-requests", headers=auth.headers("member")).json
    assert (mine["status"], mine["decision_reason"], mine["event_title"]) == (
        "declined", "本次大会须全体党员参加选举", "党员大会")
    listed = client.get(f"{API}/events/{world.event_a}/leave-requests", headers=auth.headers("secretary_a")).json
    assert [(r["member_name"], r["decision_reason"]) for r in listed] == [("李明", "本次大会须全体党员参加选举")]


def test_an_approval_needs_no_reason_and_is_audited(client, auth, world):
    leave = ask(client, auth, world.event_a, who="floating").json
    approved = decide(client, auth, leave["id"], approve=True)
    assert approved.status_code == 200 and approved.json["status"] == "approved"
    assert approved.json["decision_reason"] is None and approved.json["member_name"] == "孙流动"
    entry = client.get(f"{API}/branches/{world.branch_a}/audit", headers=auth.headers("secretary_a")).json[0]
    assert entry["action"] == "leave.decided" and entry["data"]["approved"] is True


# --- withdrawing --------------------------------------------------------------------------------

def test_a_member_withdraws_their_pending_request_and_may_ask_again(client, auth, world):
    leave = ask(client, auth, world.event_a).json
    for who in ("member2", "secretary_a", "committee"):
        assert client.delete(f"{API}/leave-requests/{leave['id']}", headers=auth.headers(who)).status_code == 403, who
    withdrawn = client.delete(f"{API}/leave-requests/{leave['id']}", headers=auth.headers("member"))
    assert withdrawn.status_code == 204 and withdrawn.data == b""
    assert client.get(f"{API}/me/leave-requests", headers=auth.headers("member")).json == []
    assert client.delete(f"{API}/leave-requests/{leave['id']}", headers=auth.headers("member")).status_code == 404
    actions = [e["action"] for e in client.get(f"{API}/branches/{world.branch_a}/audit",
                                               headers=auth.headers("secretary_a")).json]
    assert actions[:2] == ["leave.withdrawn", "leave.requested"]
    assert ask(client, auth, world.event_a).status_code == 201


@pytest.mark.parametrize("approve", [True, False])
def test_a_decided_request_cannot_be_withdrawn(client, auth, world, approve):
    leave = ask(client, auth, world.event_a).json
    decide(client, auth, leave["id"], approve=approve, reason="已安排他人代为传达")
    response = client.delete(f"{API}/leave-requests/{leave['id']}", headers=auth.headers("member"))
    assert response.status_code == 409

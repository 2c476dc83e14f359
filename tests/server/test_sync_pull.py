"""Pull: what each caller may see, resumable cursors, revocations as explicit entries."""
from __future__ import annotations

import pytest

from tests.server.synckit import code_scan, live_event, pull_all, push


def by_entity(changes, entity):
    return {c["id"]: c for c in changes if c["entity"] == entity}


def test_member_pulls_own_card_with_qr_own_records_and_branch_events_without_secrets(client, auth, world):
    changes, cursor, _ = pull_all(client, auth.headers("member"))
    cards = by_entity(changes, "card")
    assert list(cards) == [world.card_member]
    assert cards[world.card_member]["data"]["qr"].startswith("ZC1.")
    assert set(by_entity(changes, "record")) == {world.record_member}
    events = by_entity(changes, "event")
    assert world.event_a in events and world.event_b not in events
    assert all("code_secret" not in e["data"] for e in events.values())


def test_secretary_receives_event_secrets_and_the_branch_roster(client, auth, world):
    changes, _, _ = pull_all(client, auth.headers("secretary_a"))
    events = by_entity(changes, "event")
    assert events[world.event_a]["data"]["code_secret"]
    assert world.event_b not in events
    records = by_entity(changes, "record")
    assert {world.record_member, world.record_floating_a} <= set(records)
    assert world.record_floating_home not in records  # kept by the home branch
    assert world.record_b not in records


def test_home_branch_sees_all_records_of_its_floating_member(client, auth, world):
    changes, _, _ = pull_all(client, auth.headers("secretary_b"))
    records = by_entity(changes, "record")
    assert {world.record_floating_a, world.record_floating_home, world.record_b} <= set(records)
    assert world.record_member not in records


def test_floating_member_sees_host_events(client, auth, world):
    changes, _, _ = pull_all(client, auth.headers("floating"))
    events = by_entity(changes, "event")
    assert {world.event_a, world.event_b} <= set(events)


def test_cursor_resumes_after_the_last_change_and_pages_cover_everything(app, client, auth, world):
    everything, cursor, _ = pull_all(client, auth.headers("secretary_a"), limit=1000)
    paged, paged_cursor, pages = pull_all(client, auth.headers("secretary_a"), limit=2)
    assert pages > 2
    key = lambda c: (c["entity"], c["id"])  # noqa: E731
    assert {key(c) for c in paged} == {key(c) for c in everything}
    assert paged_cursor == cursor
    # Nothing new: an empty page. Then one new scan: exactly that record.
    assert pull_all(client, auth.headers("secretary_a"), cursor=cursor)[0] == []
    event = live_event(app, world.branch_a)
    [result] = push(client, auth.headers("member2"), [code_scan(event)]).json["results"]
    new, _, _ = pull_all(client, auth.headers("secretary_a"), cursor=cursor)
    assert [(c["entity"], c["id"]) for c in new] == [("event", event["id"]), ("record", result["record_id"])]


def test_revocation_reaches_every_secretary_as_an_explicit_entry(client, auth, world):
    _, cursor_b, _ = pull_all(client, auth.headers("secretary_b"))
    _, cursor_member2, _ = pull_all(client, auth.headers("member2"))
    client.post(f"/api/v1/cards/{world.card_member}/revoke", json={"reason": "离开支部"},
                headers=auth.headers("secretary_a"))
    changes, _, _ = pull_all(client, auth.headers("secretary_b"), cursor=cursor_b)
    revoked = [c for c in changes if c["entity"] == "card" and c["op"] == "revoke"]
    assert [c["data"]["serial"] for c in revoked] and revoked[0]["id"] == world.card_member
    # An ordinary member does not learn of other people's cards.
    assert pull_all(client, auth.headers("member2"), cursor=cursor_member2)[0] == []


def test_a_change_of_scope_resets_the_cursor(client, auth, world):
    _, cursor, _ = pull_all(client, auth.headers("member2"))
    role = client.post(f"/api/v1/branches/{world.branch_a}/roles",
                       json={"member_id": world.member2, "role": "organizer", "starts_on": "2020-01-01"},
                       headers=auth.headers("secretary_a"))
    assert role.status_code == 201
    response = client.get("/api/v1/sync/pull", query_string={"protocol_version": 1, "cursor": cursor},
                          headers=auth.headers("member2"))
    assert response.json["reset"] is True
    events = by_entity(response.json["changes"], "event")
    assert events[world.event_a]["data"]["code_secret"]  # now an organizer: may run events


@pytest.mark.parametrize("cursor", ["garbage", "1.2", "-1.-1.x", "9" * 150])
def test_a_bad_cursor_restarts_from_the_beginning(client, auth, world, cursor):
    response = client.get("/api/v1/sync/pull", query_string={"protocol_version": 1, "cursor": cursor},
                          headers=auth.headers("member"))
    assert response.status_code == 200 and response.json["reset"] is True
    assert by_entity(response.json["changes"], "card")


def test_pull_serves_public_card_keys_and_clock_offset(client, auth, world):
    response = client.get("/api/v1/sync/pull", query_string={"protocol_version": 1, "client_time_ms": 0},
                          headers=auth.headers("member")).json
    assert len(response["card_keys"]) == 1
    assert response["clock_offset_ms"] == response["server_time_ms"]


def test_a_member_cursor_moves_past_changes_they_cannot_see(app, client, auth, world):
    _, cursor, _ = pull_all(client, auth.headers("member"))
    live_event(app, world.branch_b)  # someone else's change
    changes, moved, _ = pull_all(client, auth.headers("member"), cursor=cursor)
    assert changes == []
    assert int(moved.split(".")[0]) > int(cursor.split(".")[0])
    # ...and nothing of theirs is skipped afterwards.
    event = live_event(app, world.branch_a)
    changes, _, _ = pull_all(client, auth.headers("member"), cursor=moved)
    assert [(c["entity"], c["id"]) for c in changes] == [("event", event["id"])]

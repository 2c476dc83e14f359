"""Push: every scan lands once or comes back with its reason; one event, one record."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from server.core.db import db
from server.records.models import Record
from server.sync_api.models import Scan
from tests.server.synckit import card_scan, code_scan, live_event, manual, nonce, now_ms, push


@pytest.fixture
def event(app, world):
    return live_event(app, world.branch_a)


def records_for(app, event_id):
    with app.app_context():
        return db.session.scalars(sa.select(Record).where(Record.event_id == event_id)).all()


def scans(app, **filters):
    with app.app_context():
        return db.session.scalars(sa.select(Scan).filter_by(**filters).order_by(Scan.id)).all()


def test_member_scan_makes_one_attendance_record(app, client, auth, world, event):
    response = push(client, auth.headers("member"), [code_scan(event)])
    assert response.status_code == 200
    [item] = response.json["results"]
    assert item["status"] == "applied" and item["code"] is None and item["flags"] == []
    [record] = records_for(app, event["id"])
    assert (record.id, record.member_id, record.checkin_method.value) == (item["record_id"], world.member, "event_code")
    assert abs(record.checked_in_at.timestamp() * 1000 - now_ms()) < 60_000


def test_pushing_the_same_batch_twice_changes_nothing_and_answers_the_same(app, client, auth, world, event):
    batch = [code_scan(event), manual(event["id"], world.member2)]
    first = push(client, auth.headers("secretary_a"), batch).json["results"]
    # Half of it again, as after a timeout, then all of it.
    half = push(client, auth.headers("secretary_a"), batch[1:]).json["results"]
    again = push(client, auth.headers("secretary_a"), batch).json["results"]
    assert half == first[1:] and again == first
    assert len(records_for(app, event["id"])) == 2
    assert len(scans(app, event_id=event["id"])) == 2


def test_idempotency_key_replays_the_whole_answer(client, auth, event):
    batch = [code_scan(event)]
    first = push(client, auth.headers("member"), batch, idempotency_key="retry-key-0001").json
    second = push(client, auth.headers("member"), batch, idempotency_key="retry-key-0001").json
    assert first == second  # including server_time_ms: it is the stored answer


def test_a_replay_answers_as_the_first_time_and_marks_the_phone_seen(app, client, auth, event, clock):
    """On both databases alike: the stored answer, and the phone's row brought up to date (it was seen)."""
    from server.sync_api.models import Device

    batch = [code_scan(event)]
    first = push(client, auth.headers("member"), batch, device="phone-replay", idempotency_key="retry-key-0002").json
    clock.travel_to(clock.now() + dt.timedelta(minutes=3))
    again = push(client, auth.headers("member"), batch, device="phone-replay", idempotency_key="retry-key-0002").json
    assert again == first
    with app.app_context():
        device = db.session.scalar(sa.select(Device).where(Device.device_key == "phone-replay"))
        assert device.last_seen_at - device.first_seen_at >= dt.timedelta(minutes=3)


def test_second_device_scan_is_a_duplicate_linked_to_the_record(app, client, auth, world, event):
    a = push(client, auth.headers("member"), [code_scan(event)], device="phone-aaaa").json["results"][0]
    b = push(client, auth.headers("member"), [code_scan(event)], device="phone-bbbb").json["results"][0]
    c = push(client, auth.headers("secretary_a"), [manual(event["id"], world.member)]).json["results"][0]
    assert a["status"] == "applied"
    assert b["status"] == c["status"] == "duplicate"
    assert a["record_id"] == b["record_id"] == c["record_id"]
    assert len(records_for(app, event["id"])) == 1
    assert [s.status for s in scans(app, event_id=event["id"])] == ["applied", "duplicate", "duplicate"]


def test_earlier_scan_delivered_later_becomes_the_records_time(app, client, auth, event):
    late_scan = code_scan(event, at_ms=now_ms() - 60_000)
    push(client, auth.headers("member"), [code_scan(event)], device="phone-aaaa")
    push(client, auth.headers("member"), [late_scan], device="phone-bbbb")
    [record] = records_for(app, event["id"])
    assert record.source_nonce == late_scan["id"]


@pytest.mark.parametrize("case,expected", [
    ("forged", "forged_code"),
    ("replayed", "stale_code"),
    ("other_event_secret", "forged_code"),
    ("body_names_other_event", "wrong_event"),
    ("garbage", "malformed"),
    ("before_window", "outside_window"),
])
def test_bad_event_codes_are_rejected_with_their_reason(app, client, auth, world, event, case, expected):
    other = live_event(app, world.branch_a)
    scan = code_scan(event)
    if case == "forged":
        scan["event_qr"] = scan["event_qr"][:-8] + ("00000000" if not scan["event_qr"].endswith("00000000") else "11111111")
    elif case == "replayed":
        scan = code_scan(event, code_at_ms=now_ms() - 10 * 60_000)
    elif case == "other_event_secret":
        scan = code_scan({"id": event["id"], "secret": other["secret"]})
    elif case == "body_names_other_event":
        scan["event_id"] = other["id"]
    elif case == "garbage":
        scan["event_qr"] = "https://example.com/not-a-code"
    elif case == "before_window":
        scan = code_scan(event, at_ms=now_ms() - 3 * 3600_000)
    [item] = push(client, auth.headers("member"), [scan]).json["results"]
    assert (item["status"], item["code"]) == ("rejected", expected)
    assert item["message"]
    assert records_for(app, event["id"]) == []
    if expected == "malformed":  # no event to log it in: answered, not stored
        assert scans(app, nonce=scan["id"]) == []
        return
    [stored] = scans(app, nonce=scan["id"])
    assert (stored.status, stored.reason_code) == ("rejected", expected)


def test_member_of_another_branch_is_not_expected_and_writes_nothing_into_its_log(app, client, auth, world, event):
    """Finding: any logged-in member could write into any branch's event scan log."""
    scan = code_scan(event)
    [item] = push(client, auth.headers("member_b"), [scan]).json["results"]
    assert item["code"] == "not_expected"
    assert scans(app, nonce=scan["id"]) == []
    forged = {**code_scan(event), "event_qr": code_scan(event)["event_qr"][:-8] + "00000000"}
    assert push(client, auth.headers("member_b"), [forged]).json["results"][0]["code"] == "not_expected"
    with app.app_context():
        from server.sync_api.models import ScanTally

        assert db.session.scalar(sa.select(sa.func.count()).select_from(ScanTally)) == 0


def test_floating_member_signs_in_at_the_host_branch_and_both_branches_see_it(app, client, auth, world, event):
    [item] = push(client, auth.headers("floating"), [code_scan(event)]).json["results"]
    assert item["status"] == "applied"
    for who in ("secretary_a", "secretary_b"):
        response = client.get(f"/api/v1/records/{item['record_id']}", headers=auth.headers(who))
        assert response.status_code == 200 and response.json["branch_id"] == world.branch_a


def test_members_cannot_submit_card_or_manual_check_ins_for_others(client, auth, world, event):
    other_card = client.get("/api/v1/me/card", headers=auth.headers("floating")).json["qr"]
    results = push(client, auth.headers("member"),
                   [manual(event["id"], world.member2), card_scan(event["id"], other_card)]).json["results"]
    assert [(r["status"], r["code"]) for r in results] == [("rejected", "not_allowed")] * 2


def test_secretary_scans_a_member_card_offline_style(app, client, auth, world, event):
    qr = client.get("/api/v1/me/card", headers=auth.headers("member")).json["qr"]
    [item] = push(client, auth.headers("secretary_a"), [card_scan(event["id"], qr)]).json["results"]
    assert item["status"] == "applied"
    [record] = records_for(app, event["id"])
    assert (record.member_id, record.checkin_method.value) == (world.member, "card_scan")


def test_revoked_altered_and_unsigned_cards_are_rejected(app, client, auth, world, event):
    qr = client.get("/api/v1/me/card", headers=auth.headers("member")).json["qr"]
    prefix, payload, signature = qr.split(".")
    altered = f"{prefix}.{payload[:-2]}{'A' if payload[-2] != 'A' else 'B'}{payload[-1]}.{signature}"
    unsigned = f"{prefix}.{payload}"
    client.post(f"/api/v1/cards/{world.card_member}/reissue", json={"reason": "手机丢失"},
                headers=auth.headers("secretary_a"))
    results = push(client, auth.headers("secretary_a"),
                   [card_scan(event["id"], qr), card_scan(event["id"], altered), card_scan(event["id"], unsigned)])
    assert [r["code"] for r in results.json["results"]] == ["card_revoked", "card_invalid", "card_invalid"]
    assert records_for(app, event["id"]) == []


def test_expired_card_is_rejected(app, client, auth, world, event):
    from server.cards.signing import _private_key
    from sync.cards import CardClaims, sign_card

    with app.app_context():
        expired = sign_card(CardClaims("OLDCARD001", world.member, "regular", world.branch_a,
                                       dt.date(2020, 1, 1)), _private_key())
    [item] = push(client, auth.headers("secretary_a"), [card_scan(event["id"], expired)]).json["results"]
    assert item["code"] == "card_expired"


def test_secretary_of_another_branch_cannot_scan_into_this_event(client, auth, world, event):
    qr = client.get("/api/v1/me/card", headers=auth.headers("member")).json["qr"]
    [item] = push(client, auth.headers("secretary_b"), [card_scan(event["id"], qr)]).json["results"]
    assert item["code"] == "not_allowed"


def test_manual_entry_is_marked_manual_with_its_reason(app, client, auth, world, event):
    [item] = push(client, auth.headers("secretary_a"), [manual(event["id"], world.member2, "手机没电")]).json["results"]
    assert item["status"] == "applied"
    [record] = records_for(app, event["id"])
    assert (record.checkin_method.value, record.manual_reason) == ("manual", "手机没电")


def test_one_malformed_item_never_blocks_the_rest(app, client, auth, world, event):
    batch = [{"id": "bad-item-0001", "type": "checkin_event_code"}, "not an object",
             {"id": "bad-item-0002", "type": ["checkin_event_code"]}, code_scan(event)]
    results = push(client, auth.headers("member"), batch).json["results"]
    assert [(r["status"], r["code"]) for r in results] == [
        ("rejected", "malformed"), ("rejected", "malformed"), ("rejected", "malformed"), ("applied", None)]
    assert "event_qr" in results[0]["errors"]


def test_oversized_batches_are_refused_whole_with_a_reason(client, auth, event):
    response = push(client, auth.headers("member"), [code_scan(event) for _ in range(501)])
    assert response.status_code == 422
    assert "At most 500" in str(response.json["errors"])


def test_late_delivery_and_wrong_device_clock_are_accepted_but_flagged(app, client, auth, world):
    long_event = live_event(app, world.branch_a, started_minutes_ago=8 * 60, hours=10)
    seven_hours_ago = now_ms() - 7 * 3600_000
    [late] = push(client, auth.headers("member"), [code_scan(long_event, at_ms=seven_hours_ago)]).json["results"]
    assert late["status"] == "applied" and late["flags"] == ["late_delivery"]
    # A phone whose clock is 10 minutes slow: its claimed time is corrected by the measured offset.
    slow = now_ms() - 600_000
    scan = code_scan(long_event, at_ms=slow, code_at_ms=now_ms())
    response = push(client, auth.headers("member2"), [scan], client_time_ms=slow).json
    assert abs(response["clock_offset_ms"] - 600_000) < 60_000
    assert response["results"][0]["status"] == "applied"
    # Counted, not silently: a phone whose clock disagrees cannot vouch for when it saw the code.
    assert response["results"][0]["flags"] == ["device_clock_off", "code_timing"]


def test_scans_are_stored_with_both_timestamps(app, client, auth, event):
    claimed = now_ms() - 5_000
    scan = code_scan(event, at_ms=claimed)
    push(client, auth.headers("member"), [scan])
    [stored] = scans(app, nonce=scan["id"])
    assert int(stored.claimed_at.timestamp() * 1000) == claimed
    assert stored.received_at > stored.claimed_at


def test_acknowledge_and_confirm_flow_through_sync_and_replay_the_same(client, auth, world):
    ack = {"id": "ack-nonce-0001", "type": "record_acknowledge", "record_id": world.record_member}
    first = push(client, auth.headers("member"), [ack]).json["results"]
    assert push(client, auth.headers("member"), [ack]).json["results"] == first
    assert first[0]["status"] == "applied"
    confirm = {"id": "confirm-nonce-01", "type": "record_confirm", "record_id": world.record_member}
    refused = push(client, auth.headers("member"), [{**confirm, "id": "confirm-nonce-02"}]).json["results"]
    assert refused[0]["code"] == "not_allowed"
    done = push(client, auth.headers("secretary_a"), [confirm]).json["results"]
    assert done[0]["status"] == "applied"
    record = client.get(f"/api/v1/records/{world.record_member}", headers=auth.headers("member")).json
    assert record["status"] == "confirmed"


def test_unknown_protocol_version_is_refused(client, auth, event):
    response = push(client, auth.headers("member"), [code_scan(event)], version=99)
    assert response.status_code == 400 and "protocol version" in response.json["message"]


class TestTooOldClient:
    @pytest.fixture
    def app_config(self):
        return {"SYNC_MIN_PROTOCOL_VERSION": 2}

    def test_old_client_is_told_to_update_after_its_scans_are_accepted(self, app, client, auth, event):
        response = push(client, auth.headers("member"), [code_scan(event)]).json
        assert response["client_update_required"] is True and "update" in response["message"]
        assert response["results"][0]["status"] == "applied"
        pulled = client.get("/api/v1/sync/pull", query_string={"protocol_version": 1}, headers=auth.headers("member"))
        assert pulled.status_code == 426 and "update" in pulled.json["message"]


def test_secretary_reviews_duplicates_and_rejections_of_an_event(client, auth, world, event):
    push(client, auth.headers("member"), [code_scan(event)], device="phone-aaaa")
    push(client, auth.headers("member"), [code_scan(event)], device="phone-bbbb")
    stale = code_scan(event, code_at_ms=now_ms() - 10 * 60_000)
    push(client, auth.headers("member2"), [stale])
    push(client, auth.headers("member_b"), [code_scan(event)])  # not expected: not written into this log
    scans = client.get(f"/api/v1/events/{event['id']}/scans", headers=auth.headers("secretary_a"))
    assert scans.status_code == 200
    assert [(s["member_name"], s["status"], s["reason_code"]) for s in scans.json] == [
        ("王芳", "rejected", "stale_code"), ("李明", "duplicate", None), ("李明", "applied", None)]
    assert scans.json[1]["record_id"] == scans.json[2]["record_id"]
    rejected = client.get(f"/api/v1/events/{event['id']}/scans?status=rejected", headers=auth.headers("secretary_a"))
    assert [s["reason_code"] for s in rejected.json] == ["stale_code"]
    tallies = client.get(f"/api/v1/events/{event['id']}/scan-tallies", headers=auth.headers("secretary_a"))
    assert [(t["member_name"], t["reason_code"], t["count"]) for t in tallies.json] == [("王芳", "stale_code", 1)]
    # Only those who manage the event read its log: not a member, not the committee.
    for who in ("member", "committee", "secretary_b"):
        assert client.get(f"/api/v1/events/{event['id']}/scans", headers=auth.headers(who)).status_code == 403
        assert client.get(f"/api/v1/events/{event['id']}/scan-tallies", headers=auth.headers(who)).status_code == 403


def test_an_idempotency_key_reused_for_a_different_batch_is_refused(app, client, auth, event):
    push(client, auth.headers("member"), [code_scan(event)], idempotency_key="reused-key-0001")
    other = push(client, auth.headers("member"), [code_scan(event)], idempotency_key="reused-key-0001")
    assert other.status_code == 422
    assert "different batch" in other.json["message"]


def test_the_answer_sent_is_exactly_what_its_documented_schema_describes(client, auth, world, event):
    """The push answer is sent as built (not dumped through PushResponseSchema, for speed): every
    kind of item result must still be what the schema, the API docs and the PWA expect."""
    from sync.messages import PushResponseSchema

    headers = auth.headers("secretary_a")
    mutations = [manual(event["id"], world.member), manual(event["id"], world.member),
                 {"id": "x" * 20, "type": "checkin_manual", "event_id": "not a number"},
                 manual(event["id"], 999_999), card_scan(event["id"], "not a card")]
    answers = [push(client, headers, mutations).json, push(client, headers, mutations[:2]).json]
    for answer in answers:
        assert answer == PushResponseSchema().dump(answer)
        assert {r["status"] for r in answer["results"]} <= {"applied", "duplicate", "rejected"}
    assert {r["status"] for r in answers[0]["results"]} == {"applied", "duplicate", "rejected"}


def test_a_manual_check_in_of_an_unknown_member_is_rejected_and_the_rest_of_the_batch_lands(
        app, client, auth, world, event):
    """It used to be counted in the rejection tally under its made-up member id, which broke the
    tally's foreign key: the whole batch failed with 409 and nothing was saved."""
    response = push(client, auth.headers("secretary_a"),
                    [manual(event["id"], 999_999), manual(event["id"], world.member)])
    assert response.status_code == 200
    assert [r["status"] for r in response.json["results"]] == ["rejected", "applied"]
    assert [r.member_id for r in records_for(app, event["id"])] == [world.member]


def test_a_large_batch_stores_every_reason_exactly_whatever_characters_it_holds(app, client, auth, world, event):
    """Batches of more than a few rows reach PostgreSQL as array literals built in Python; quotes,
    backslashes, braces, commas, the word NULL and emoji must come back unchanged."""
    from server.org.models import Branch
    from tests.server.factories import create_member

    with app.test_request_context():
        branch = db.session.get(Branch, world.branch_a)
        ids = [create_member(branch, f"批量{i}").id for i in range(14)]
        db.session.commit()
    reasons = ['他说"忘带手机"', "C:\\temp\\", "{a,b}", "NULL", "(空)", "逗号, 和 引号'", "emoji 🙂", "\\\"", "tab\tend",
               "斜杠/和反斜杠\\", "}}", "{{ ", "a\\b\"c", "普通原因"]
    mutations = [manual(event["id"], member_id, reason=reason) for member_id, reason in zip(ids, reasons)]
    response = push(client, auth.headers("secretary_a"), mutations)
    assert [r["status"] for r in response.json["results"]] == ["applied"] * 14
    stored = {r.member_id: r.manual_reason for r in records_for(app, event["id"])}
    assert [stored[m] for m in ids] == reasons
    logged = {s.member_id: s.manual_reason for s in scans(app, event_id=event["id"])}
    assert [logged[m] for m in ids] == reasons


def test_ids_and_clocks_beyond_any_column_are_answered_not_errors(app, client, auth, world, event):
    """Numbers beyond PostgreSQL's integer columns (an event id in a QR text can have 53 bits) name
    no row: the items are rejected one by one, the rest applied; a phone clock months off still syncs."""
    largest = 2**31 - 1
    half_a_year_ago = now_ms() - 183 * 24 * 3600_000
    response = push(client, auth.headers("secretary_a"), [manual(largest, world.member), manual(event["id"], largest)],
                    client_time_ms=half_a_year_ago)
    assert response.status_code == 200, response.get_data()
    assert [(r["status"], r["code"]) for r in response.json["results"]] == [
        ("rejected", "unknown_event"), ("rejected", "not_expected")]
    far = {"id": nonce(), "type": "checkin_event_code", "event_qr": f"ZE1.{2**53 - 1}.1.12345678",
           "claimed_at_ms": now_ms()}
    results = push(client, auth.headers("member"), [far, code_scan(event)]).json["results"]
    assert [(r["status"], r["code"]) for r in results] == [("rejected", "unknown_event"), ("applied", None)]
    # Ids given in a mutation are row keys: beyond 32 bits the item is malformed, on its own.
    results = push(client, auth.headers("secretary_a"), [
        {"id": nonce(), "type": "record_confirm", "record_id": largest + 1},
        manual(event["id"], largest + 1), manual(event["id"], world.member)]).json["results"]
    assert [(r["status"], r["code"]) for r in results] == [
        ("rejected", "malformed"), ("rejected", "malformed"), ("duplicate", None)]


@pytest.fixture
def nonce_stored_meanwhile(monkeypatch):
    """Makes the next push miss the named nonce when it reads the stored scans, as when another
    request stores it between that read and this push's insert."""
    from server.sync_api import operations

    read = operations._stored_results
    hidden = []

    def racing(nonces, *args, **kwargs):
        if hidden:
            nonces = [n for n in nonces if n != hidden.pop()]
        return read(nonces, *args, **kwargs)

    monkeypatch.setattr(operations, "_stored_results", racing)
    return hidden


@pytest.mark.parametrize("who", ["member", "member2"])
def test_a_scan_whose_nonce_was_stored_meanwhile_is_answered_with_what_was_stored(
        app, client, auth, world, event, nonce_stored_meanwhile, who):
    """The same phone's retry racing its first request (member), or someone else's scan reusing
    the nonce (member2): the scan log keeps the first scan only, and the answer is the first
    request's (or not_allowed, for someone else's nonce)."""
    first = code_scan(event)
    answer = push(client, auth.headers("member"), [first]).json["results"][0]
    assert answer["status"] == "applied"
    nonce_stored_meanwhile.append(first["id"])
    again = push(client, auth.headers(who), [code_scan(event, id=first["id"])])
    assert again.status_code == 200
    expected = answer if who == "member" else {**answer, "status": "rejected", "code": "not_allowed",
                                                "message": again.json["results"][0]["message"],
                                                "record_id": None}
    assert again.json["results"][0] == expected
    [stored] = scans(app, nonce=first["id"])
    assert (stored.member_id, stored.status, stored.record_id) == (world.member, "applied", answer["record_id"])
    assert [r.member_id for r in records_for(app, event["id"]) if r.member_id == world.member] == [world.member]

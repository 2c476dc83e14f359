"""The hot path's statements run on the driver's cursor (server/core/statements.py): they must give
exactly what SQLAlchemy's execution of the same statements gives, and fail as it fails."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from server.auth import access
from server.auth import operations as auth_operations
from server.auth.models import AuthSession
from server.core.db import db
from server.core.statements import execute, insert_rows
from server.sync_api import operations as sync_operations
from server.sync_api.models import Device, PushReceipt, Scan
from sync import clock
from tests.server.synckit import code_scan, live_event, manual, push


@pytest.fixture
def pushed(app, client, world, auth):
    """A member's scan and a secretary's manual check-in, delivered with idempotency keys."""
    event = live_event(app, world.branch_a)
    member = auth.headers("member")
    assert push(client, member, [code_scan(event)], idempotency_key="key-member-0001").status_code == 200
    secretary = auth.headers("secretary_a")
    assert push(client, secretary, [manual(event["id"], world.member2)],
                idempotency_key="key-secretary-01").status_code == 200
    return event


def through_sqlalchemy(stmt, params):
    return [tuple(row) for row in db.session.connection().execute(stmt, params).all()]


def through_driver(stmt, params):
    return [tuple(row) for row in execute(stmt, params)]


def test_the_driver_reads_what_sqlalchemy_reads(app, world, pushed):
    with app.app_context():
        user_ids = dict(db.session.execute(sa.text("SELECT username, id FROM user_account")).all())
        sid = db.session.scalar(sa.select(AuthSession.id).where(AuthSession.user_id == user_ids["member"]))
        nonces = list(db.session.scalars(sa.select(Scan.nonce)))
        event_ids = set(db.session.scalars(sa.select(Scan.event_id)))
        # (The device upsert runs twice: the second time it finds the row and answers the same.)
        device_and_receipt = {"user_id": user_ids["member"], "device_key": "device-receipt-01", "now": clock.now(),
                              "offset_ms": 0, "protocol_version": 1, "key": "key-member-0001"}
        cases = [
            (auth_operations._session_state(), {"sid": sid, "uid": user_ids["member"]}),
            (access._account_of(), {"user_id": user_ids["committee"]}),
            (access._posts_and_floating(), {"member_id": world.secretary_a}),
            (sync_operations._DEVICE_AND_RECEIPT[False](), device_and_receipt),
            (sync_operations._stored_scans(), {"nonces": sync_operations._among_values(nonces, Scan.nonce)}),
            (sync_operations._stored_scans_and_tallies(), {
                "nonces": sync_operations._among_values(nonces, Scan.nonce),
                "event_ids": sync_operations._among_values(event_ids, Scan.event_id)}),
        ]
        for stmt, params in cases:
            expected = through_sqlalchemy(stmt, params)
            assert expected, f"the case proves nothing without rows: {stmt}"
            got = through_driver(stmt, params)
            assert got == expected
            # The same Python types: aware datetimes, enums, dates, parsed JSON.
            assert [[type(v) for v in row] for row in got] == [[type(v) for v in row] for row in expected]
        receipt = execute(sync_operations._DEVICE_AND_RECEIPT[False](), device_and_receipt).one()
        assert receipt.response["results"][0]["status"] == "applied"  # rows are named
        state = execute(auth_operations._session_state(), {"sid": sid, "uid": user_ids["member"]}).one()
        assert state.revoked_at is None and state.is_active is True


def test_the_driver_writes_what_sqlalchemy_writes(app, world, pushed):
    now = clock.now()
    with app.app_context():
        user_id = db.session.scalar(sa.text("SELECT id FROM user_account WHERE username = 'member'"))
        device = sync_operations.register_device(user_id, "device-driver-01", -1500, 1, synced=True)
        stored = db.session.get(Device, device.id)
        assert (stored.user_id, stored.device_key, stored.clock_offset_ms) == (user_id, "device-driver-01", -1500)
        assert stored.synced_at is not None and stored.synced_at.tzinfo is not None
        assert abs(stored.last_seen_at - now) < dt.timedelta(minutes=1)
        insert_rows(PushReceipt.__table__, [{"user_id": user_id, "idempotency_key": "key-driver-0001",
                                             "response": {"results": [{"status": "applied", "名": "李明"}]},
                                             "request_digest": "d" * 64, "created_at": now}])
        receipt = db.session.scalar(sa.select(PushReceipt).where(PushReceipt.idempotency_key == "key-driver-0001"))
        assert receipt.response == {"results": [{"status": "applied", "名": "李明"}]}
        assert receipt.created_at == now


def test_several_rows_are_written_as_sqlalchemy_writes_them(app, world, pushed):
    """Several rows at once (SQLite: one JSON text; PostgreSQL: VALUES, or arrays past a few rows):
    the values read back equal, the conflicting row skipped and not returned."""
    now = clock.now()
    with app.app_context():
        user_id = db.session.scalar(sa.text("SELECT id FROM user_account WHERE username = 'member'"))
        rows = [{"user_id": user_id, "idempotency_key": f"key-many-{i:04d}",
                 "response": {"results": [{"status": "applied", "名": "李明", "n": i, "flags": ["a'\"b"]}]},
                 "request_digest": f"{i:064d}", "created_at": now + dt.timedelta(seconds=i)} for i in range(12)]
        written = insert_rows(PushReceipt.__table__, rows, conflict=["user_id", "idempotency_key"],
                              returning=("idempotency_key",))
        assert sorted(key for (key,) in written) == [row["idempotency_key"] for row in rows]
        again = insert_rows(PushReceipt.__table__, rows[:2] + [{**rows[0], "idempotency_key": "key-many-new"}],
                            conflict=["user_id", "idempotency_key"], returning=("idempotency_key",))
        assert [key for (key,) in again] == ["key-many-new"]
        stored = {r.idempotency_key: r for r in db.session.scalars(
            sa.select(PushReceipt).where(PushReceipt.idempotency_key.like("key-many-%")))}
        for row in rows:
            receipt = stored[row["idempotency_key"]]
            assert (receipt.response, receipt.request_digest, receipt.created_at) == (
                row["response"], row["request_digest"], row["created_at"])


def test_a_driver_error_is_sqlalchemys_and_the_transaction_rolls_back(app, world, pushed):
    with app.app_context():
        user_id = db.session.scalar(sa.text("SELECT id FROM user_account WHERE username = 'member'"))
        with pytest.raises(sa.exc.IntegrityError):  # no such user: a foreign key refuses it
            insert_rows(PushReceipt.__table__, [{"user_id": 987654, "idempotency_key": "key-driver-0002",
                                                 "response": {}, "request_digest": "d" * 64,
                                                 "created_at": clock.now()}])
        db.session.rollback()
        # The session goes on with a new transaction, on the driver as through SQLAlchemy.
        assert execute(access._account_of(), {"user_id": user_id}).one().member_id == world.member


def test_a_missing_parameter_is_an_error_not_a_null(app, world, pushed):
    with app.app_context():
        with pytest.raises(sa.exc.ArgumentError, match="nonces"):
            execute(sync_operations._stored_scans(), {})



def test_statement_counters_see_the_driver_statements(app, client, world, auth, pushed, backend):
    """Listeners of the engine's cursor events (tests/server/querycount.py, bench/profile.py) still
    see every statement of a push; and a phone's scan costs no more round trips than these."""
    from tests.server.querycount import statements_run

    member = auth.headers("member2")
    seen = statements_run(app, lambda: push(client, member, [code_scan(pushed)], idempotency_key="key-count-0001"))
    # This scan repeats one of the event's: the session check (which also tells that this member
    # has no post nor floating membership: the principal needs no statement of its own), the
    # device with the receipt (one statement; on PostgreSQL it also takes the guessing lock), the
    # stored scans with the guessing tallies, the record insert that finds the record there, the
    # record read, the scan and the receipt stored; no change to the feed.
    assert seen == 7


def test_a_members_first_scan_costs_these_statements(app, client, world, auth, pushed, backend):
    """A member's new check-in (event and principal already cached by the worker): the session
    check, the device with the receipt look-up, the stored scans with the guessing tallies, the
    record and the scan (one statement on PostgreSQL); then the commit's writes: on PostgreSQL one
    statement moves the clock and writes the change and the receipt, on SQLite the clock, the
    change and the receipt apart."""
    from tests.server.querycount import statements_run

    event = live_event(app, world.branch_a)
    assert push(client, auth.headers("member2"), [code_scan(event)], idempotency_key="key-first-0001"
                ).json["results"][0]["status"] == "applied"  # the event is now in the worker's cache
    member, scan = auth.headers("member"), code_scan(event)
    answers = []
    seen = statements_run(app, lambda: answers.append(push(client, member, [scan], idempotency_key="key-first-0002")))
    assert answers[0].json["results"][0]["status"] == "applied"
    assert seen == (5 if backend == "postgresql" else 8)
    # The receipt went in with the commit: the request retried is answered from it, word for word.
    again = push(client, member, [scan], idempotency_key="key-first-0002")
    assert again.json == answers[0].json
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(PushReceipt).where(
            PushReceipt.idempotency_key == "key-first-0002")) == 1

"""Truly concurrent pushes and pulls (threads over real connections; PostgreSQL runs them in
parallel, SQLite serializes writers): never two records for one pair, never a skipped change."""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import sqlalchemy as sa

from server.core.db import db
from server.records.models import Record
from tests.server.synckit import live_event, manual, pull_all, push

ROUNDS = 6
THREADS = 6


def test_concurrent_pushes_for_the_same_pairs_make_one_record_each(app, auth, world):
    headers = auth.headers("secretary_a")
    members = [world.member, world.member2, world.secretary_a]
    for _ in range(ROUNDS):
        event = live_event(app, world.branch_a)
        barrier = threading.Barrier(THREADS)

        def one_device(n: int, event_id=event["id"], barrier=barrier):
            client = app.test_client()
            barrier.wait()
            batch = [manual(event_id, m) for m in members]
            response = push(client, headers, batch, device=f"device-{n:04d}")
            assert response.status_code == 200, response.json
            return response.json["results"]

        with ThreadPoolExecutor(THREADS) as pool:
            results = [r for batch in pool.map(one_device, range(THREADS)) for r in batch]
        assert sorted(r["status"] for r in results).count("applied") == len(members)
        assert {r["status"] for r in results} == {"applied", "duplicate"}
        with app.app_context():
            records = db.session.scalars(sa.select(Record).where(Record.event_id == event["id"])).all()
        assert sorted(r.member_id for r in records) == sorted(members)
        assert {r["record_id"] for r in results} == {r.id for r in records}


def test_a_puller_running_beside_concurrent_writers_never_misses_a_change(app, auth, world):
    secretary = auth.headers("secretary_a")
    _, cursor, _ = pull_all(app.test_client(), secretary)
    events = [live_event(app, world.branch_a) for _ in range(THREADS)]
    seen: set[int] = set()
    done = threading.Event()

    def writer(event):
        client = app.test_client()
        for member in (world.member, world.member2, world.secretary_a, world.floating):
            push(client, secretary, [manual(event["id"], member)], device=f"w-{event['id']:06d}")

    def puller():
        nonlocal cursor
        client = app.test_client()
        while True:
            finished = done.is_set()
            changes, cursor, _ = pull_all(client, secretary, cursor=cursor, limit=7)
            seen.update(c["id"] for c in changes if c["entity"] == "record")
            if finished:
                return

    reader = threading.Thread(target=puller)
    reader.start()
    with ThreadPoolExecutor(THREADS) as pool:
        list(pool.map(writer, events))
    done.set()
    reader.join(timeout=60)
    with app.app_context():
        created = set(db.session.scalars(sa.select(Record.id).where(Record.event_id.in_([e["id"] for e in events]))))
    assert len(created) == 4 * THREADS
    assert created <= seen

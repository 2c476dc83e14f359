"""Property: whatever the interleaving of devices, batches, retries and orders, the server ends
with exactly one record per (member, event), sourced from the earliest accepted scan."""
from __future__ import annotations

import random

import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from server.core.db import db
from server.records.models import Record
from server.sync_api.models import Scan
from tests.server.synckit import code_scan, live_event, manual, now_ms, push

# Who scans: members with their own phones (event codes) and the secretary entering by hand.
SCANNERS = ["member", "member2", "floating", "manual:member", "manual:member2"]

scan_plans = st.lists(st.tuples(st.sampled_from(SCANNERS), st.integers(0, 1)), min_size=1, max_size=14)


@settings(max_examples=12, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(plan=scan_plans, seed=st.integers(0, 10_000), batch_size=st.integers(1, 5))
def test_any_interleaving_gives_one_record_per_member_and_event(app, client, auth, world, plan, seed, batch_size):
    rnd = random.Random(seed)
    events = [live_event(app, world.branch_a), live_event(app, world.branch_a)]
    member_of = {"member": world.member, "member2": world.member2, "floating": world.floating}
    base = now_ms() - 120_000
    scans = []  # (submitter, mutation, member_id, event_id)
    for i, (who, e) in enumerate(plan):
        at = base + i * 3000  # distinct seconds: ordering never hinges on clock jitter
        if who.startswith("manual:"):
            target = who.split(":")[1]
            scans.append(("secretary_a", manual(events[e]["id"], member_of[target], at_ms=at),
                          member_of[target], events[e]["id"]))
        else:
            scans.append((who, code_scan(events[e], at_ms=at), member_of[who], events[e]["id"]))

    deliveries = scans + rnd.sample(scans, k=len(scans) // 2)  # some delivered twice (retries)
    rnd.shuffle(deliveries)
    while deliveries:
        submitter = deliveries[0][0]
        batch = [d for d in deliveries if d[0] == submitter][:batch_size]
        for d in batch:
            deliveries.remove(d)
        response = push(client, auth.headers(submitter), [d[1] for d in batch], device=f"dev-{submitter}-1")
        assert response.status_code == 200
        assert {r["status"] for r in response.json["results"]} <= {"applied", "duplicate"}

    expected = {}
    for _, mutation, member_id, event_id in scans:
        key = (mutation["claimed_at_ms"], mutation["id"])
        expected[(member_id, event_id)] = min(expected.get((member_id, event_id), key), key)
    event_ids = [e["id"] for e in events]
    with app.app_context():
        records = db.session.scalars(sa.select(Record).where(Record.event_id.in_(event_ids))).all()
        stored = db.session.scalar(sa.select(sa.func.count()).select_from(Scan).where(Scan.event_id.in_(event_ids)))
    assert sorted((r.member_id, r.event_id) for r in records) == sorted(expected)
    assert {(r.member_id, r.event_id): r.source_nonce for r in records} == {
        pair: key[1] for pair, key in expected.items()}
    assert stored == len(scans)

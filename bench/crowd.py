"""Flash crowd: a whole assembly signs in to one event within a minute, over real HTTP.

Server: gunicorn -w 2 --threads 4 (gthread) on PostgreSQL, 127.0.0.1 (bench/serving.py).
Load: MEMBERS distinct members each scan the event's rotating code once (POST /sync/push with one
`checkin_event_code`, their own minted token and device), at moments drawn uniformly over
WINDOW seconds, plus REPEATS scans again a few seconds after their first (same member and event,
new nonce: a double tap, a second phone). Open loop: a pool of POOL client threads with keep-alive
connections sends each request at its scheduled moment; latency runs from that moment to the
answer (so a request that waited for a free client thread is charged for it).

Baseline: the same schedule (same request rate) against bench/baseline_app.py (one INSERT per
request, same database, same gunicorn set-up), for BASELINE_WINDOW seconds of it, in the same run.

End state, checked in the database: exactly MEMBERS records for the event, MEMBERS + REPEATS scans,
MEMBERS applied and REPEATS duplicates.
"""
from __future__ import annotations

import random
import uuid
from pathlib import Path

from bench import baseline_app
from bench.common import FULL, new_database, percentiles
from bench.serving import (BASELINE_APP, SERVER_SETUP, ZHIBU_APP, Server, baseline_ok, bench_app, count_rows,
                           dispose, mint_tokens, open_loop, populate, push_body, zhibu_ok)
from sync import clock
from sync.eventcode import event_qr_payload

GROUP = "crowd postgresql"
MEMBERS = 2000 if FULL else 200
REPEATS = 500 if FULL else 50
WINDOW = 60.0 if FULL else 10.0
BASELINE_WINDOW = 15.0 if FULL else 5.0  # the same rate, over the first part of the schedule
POOL = 64
P99_TARGET_MS = 250.0
PUSH = "/api/v1/sync/push"


def schedule(members: list[tuple[int, str, int]], repeats: int, window: float, seed: int = 1) -> list:
    """[(seconds after start, (user_id, member_id))]: one first scan per member, then the repeats."""
    rng = random.Random(seed)
    firsts = [(rng.uniform(0, window), (uid, mid)) for uid, _, mid in members]
    again = []
    for at, who in rng.choices(firsts, k=repeats):
        again.append((min(window, at + rng.uniform(0.5, 5.0)), who))
    return sorted(firsts + again, key=lambda job: job[0])


def request_factory(tokens: dict, event: dict):
    def make_request(who):
        user_id, member_id = who
        now = clock.now().timestamp()
        mutation = {"id": uuid.uuid4().hex, "type": "checkin_event_code",
                    "event_qr": event_qr_payload(event["id"], event["secret"], now), "claimed_at_ms": int(now * 1000)}
        return push_body(mutation, f"phone-{member_id:07d}"), {"Authorization": f"Bearer {tokens[user_id]}"}

    return make_request


def run(report, workdir: Path, backends: list[str]) -> None:
    if "postgresql" not in backends:
        print("   skipped: the flash crowd runs on PostgreSQL, which is not reachable")
        return
    url, drop = new_database("postgresql", workdir)
    try:
        measure(report, url, workdir)
    finally:
        drop()


def measure(report, url: str, workdir: Path) -> None:
    app = bench_app(url)
    data = populate(app, members=MEMBERS, events=2)
    tokens = mint_tokens(app, [u for u, _, _ in data["member_users"]])
    dispose(app)
    baseline_app.prepare(url)
    event, baseline_event = data["events"]
    jobs = schedule(data["member_users"], REPEATS, WINDOW)
    baseline_jobs = [job for job in jobs if job[0] < BASELINE_WINDOW]
    with Server(ZHIBU_APP, url, workdir) as zhibu, Server(BASELINE_APP, url, workdir) as baseline:
        z = open_loop(zhibu.port, PUSH, jobs, request_factory(tokens, event), zhibu_ok, pool=POOL)
        b = open_loop(baseline.port, PUSH, baseline_jobs, request_factory(tokens, baseline_event), baseline_ok,
                      pool=POOL)
        log_tail = zhibu.log_tail(1500)

    eid = event["id"]
    records = count_rows(url, "SELECT count(*) FROM record WHERE event_id = :e", e=eid)
    scans = count_rows(url, "SELECT count(*) FROM scan WHERE event_id = :e", e=eid)
    applied = count_rows(url, "SELECT count(*) FROM scan WHERE event_id = :e AND status = 'applied'", e=eid)
    duplicates = count_rows(url, "SELECT count(*) FROM scan WHERE event_id = :e AND status = 'duplicate'", e=eid)
    expected = {"records": MEMBERS, "scans": MEMBERS + REPEATS, "applied": MEMBERS, "duplicates": REPEATS}
    found = {"records": records, "scans": scans, "applied": applied, "duplicates": duplicates}
    mismatches = sum(found[k] != v for k, v in expected.items())

    rate = len(jobs) / WINDOW
    setup = (f"{SERVER_SETUP}, PostgreSQL; {MEMBERS} members + {REPEATS} repeats over {WINDOW:.0f} s"
             f" (~{rate:.0f} req/s) from {POOL} keep-alive client threads, open loop")
    base_note = f"baseline: same rate for the first {BASELINE_WINDOW:.0f} s ({len(baseline_jobs)} requests)"
    zp, bp = percentiles(z["latencies"]), percentiles(b["latencies"])
    for cut in ("p50", "p95", "p99"):
        is_p99 = cut == "p99"
        report.add(GROUP, f"latency {cut}", zp[cut] * 1000, "ms", baseline=bp[cut] * 1000,
                   baseline_name="baseline app at the same rate", higher_is_better=False,
                   target=f"< {P99_TARGET_MS:.0f} ms" if is_p99 else None,
                   met=(zp[cut] * 1000 < P99_TARGET_MS) if is_p99 else None,
                   note=setup + "; " + base_note if is_p99 else "")
    report.add(GROUP, "errors", z["errors"], "count", target="0", met=z["errors"] == 0,
               note=f"{z['requests']} requests in {z['elapsed']:.1f} s; baseline errors {b['errors']};"
                    f" worst client-side start delay {z['max_start_delay'] * 1000:.0f} ms")
    report.add(GROUP, "end-state mismatches", mismatches, "count", target="0", met=mismatches == 0,
               note=f"found {found}, expected {expected}")
    if z["errors"] or mismatches:
        print(f"   errors: {z['error_samples']}\n   found {found}, expected {expected}\n{log_tail}")

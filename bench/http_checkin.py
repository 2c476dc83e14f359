"""Single-scan check-in over HTTP, as an online phone does it: one POST /api/v1/sync/push with one
`checkin_event_code` mutation per scan (each request a different member with their own token and
device, so each scan normally creates that member's record).

Server: gunicorn -w 2 --threads 4 (gthread) on 127.0.0.1 (bench/serving.py), on the embedded
SQLite set-up (WAL, busy timeout, BEGIN IMMEDIATE) and on PostgreSQL. Baseline: bench/baseline_app.py
(one INSERT per request into the same database, same engine settings, same gunicorn set-up),
measured in the same run, interleaved with Zhibu at each concurrency level.

Load: closed loop, 1 and 16 client threads, each with its own keep-alive http.client connection,
a warm-up second, then a fixed measuring window. Throughput = requests started in the window /
window; latency = request sent → answer read; server CPU per request = the gunicorn workers'
user+system CPU time over the run / requests (robust to other load on the machine). An error is
any answer other than 200 with the scan applied or duplicate (for the baseline: other than 200), or a network failure; warm-up
requests count as errors too. Afterwards every request Zhibu answered must be in the scan table.
"""
from __future__ import annotations

import itertools
import threading
import uuid
from pathlib import Path

from bench import baseline_app
from bench.common import FULL, new_database, percentiles
from bench.serving import (BASELINE_APP, SERVER_SETUP, ZHIBU_APP, Server, baseline_ok, bench_app, closed_loop,
                           count_rows, dispose, mint_tokens, populate, push_body, zhibu_ok)
from sync import clock
from sync.eventcode import event_qr_payload

GROUP = "http_checkin"
CONCURRENCY = [1, 16]
MEMBERS = 2000 if FULL else 300
WARMUP = 1.0 if FULL else 0.5
WINDOW = 4.0 if FULL else 2.0
# Issue 17's aims: throughput >= 0.35x the baseline (moonshot 0.7x), server CPU per scan <= 3x.
TARGET_RATIO = 0.35
CPU_TARGET = 3.0
PUSH = "/api/v1/sync/push"


def scan_factory(data: dict, tokens: dict, event: dict):
    """make_request(client, seq): the next member scans the event's current code."""
    members = data["member_users"]
    counter = itertools.count()
    lock = threading.Lock()

    def make_request(_client: int, _seq: int):
        with lock:
            user_id, _username, member_id = members[next(counter) % len(members)]
        now = clock.now().timestamp()
        qr = event_qr_payload(event["id"], event["secret"], now)
        mutation = {"id": uuid.uuid4().hex, "type": "checkin_event_code", "event_qr": qr,
                    "claimed_at_ms": int(now * 1000)}
        return push_body(mutation, f"phone-{member_id:07d}"), {"Authorization": f"Bearer {tokens[user_id]}"}

    return make_request


def run(report, workdir: Path, backends: list[str]) -> None:
    for kind in backends:
        url, drop = new_database(kind, workdir)
        try:
            measure(report, kind, url, workdir)
        finally:
            drop()


def measure(report, kind: str, url: str, workdir: Path) -> None:
    app = bench_app(url)
    data = populate(app, members=MEMBERS, events=len(CONCURRENCY) * 2)
    tokens = mint_tokens(app, [u for u, _, _ in data["member_users"]])
    dispose(app)
    baseline_app.prepare(url)
    group = f"{GROUP} {kind}"
    note = f"{SERVER_SETUP}; 1 event-code scan per request"
    results: dict[tuple[str, int], dict] = {}
    zhibu_sent = 0
    with Server(ZHIBU_APP, url, workdir) as zhibu, Server(BASELINE_APP, url, workdir) as baseline:
        events = iter(data["events"])
        for clients in CONCURRENCY:
            # Interleaved, so drifting machine noise hits both alike; fresh events each time.
            for name, server, check in (("zhibu", zhibu, zhibu_ok), ("baseline", baseline, baseline_ok)):
                make = scan_factory(data, tokens, next(events))
                cpu = server.cpu_seconds()
                results[name, clients] = r = closed_loop(server.port, PUSH, make, check, clients=clients,
                                                         seconds=WINDOW, warmup=WARMUP)
                r["cpu_ms"] = (server.cpu_seconds() - cpu) * 1000 / max(1, r["sent"])
                if name == "zhibu":
                    zhibu_sent += results[name, clients]["sent"]
        server_log = zhibu.log_tail(1500)
    stored = count_rows(url, "SELECT count(*) FROM scan")

    errors = 0
    for clients in CONCURRENCY:
        z, b = results["zhibu", clients], results["baseline", clients]
        errors += z["errors"]
        ratio = z["throughput"] / b["throughput"] if b["throughput"] else 0.0
        report.add(group, f"throughput, {clients} client(s)", z["throughput"], "req/s",
                   baseline=b["throughput"], baseline_name="baseline app (1 INSERT/request)",
                   target=f">= {TARGET_RATIO}x baseline", met=ratio >= TARGET_RATIO,
                   note=f"{note}; {clients} keep-alive client thread(s), {WINDOW:.0f} s window")
        zp, bp = percentiles(z["latencies"]), percentiles(b["latencies"])
        for cut in ("p50", "p95", "p99"):
            report.add(group, f"latency {cut}, {clients} client(s)", zp[cut] * 1000, "ms",
                       baseline=bp[cut] * 1000, baseline_name="baseline app", higher_is_better=False,
                       note=note)
        report.add(group, f"server CPU per request, {clients} client(s)", z["cpu_ms"], "ms",
                   baseline=b["cpu_ms"], baseline_name="baseline app", higher_is_better=False,
                   target=f"<= {CPU_TARGET:.0f}x baseline", met=bool(b["cpu_ms"]) and z["cpu_ms"] <= CPU_TARGET * b["cpu_ms"],
                   note="gunicorn workers' user+system CPU / requests (the database's own CPU not included)")
        if b["errors"]:
            print(f"   baseline errors at {clients} client(s): {b['errors']} {b['error_samples']}")
        if z["errors"]:
            print(f"   Zhibu errors at {clients} client(s): {z['errors']} {z['error_samples']}")
    lost = zhibu_sent - stored
    report.add(group, "errors (all requests)", errors, "count", target="0", met=errors == 0,
               note=f"{zhibu_sent} requests, {stored} scans stored")
    if lost or errors:
        print(f"   answered {zhibu_sent}, stored {stored}; server log tail:\n{server_log}")

"""Reconnect storm: a hundred secretaries' phones come back online at once, each holding scans
queued offline, and push them all at the same moment.

Data: one branch with DEVICES secretaries and MEMBERS members. Each device (sync.client Outbox in
memory + SyncClient with a minted token) queues SCANS manual check-ins (`checkin_manual`, claimed
at moments inside the event's check-in window) of members drawn at random from the branch, so
devices overlap: many scans name a pair another device also scanned (duplicates to merge).

Two ways, each on its own fresh event: every device pushes its whole queue as one batch of
SCANS, then (new event, new queues) in pages of 50 (`batch_size=50`). All devices are started
together (one thread each, behind a barrier); the drain time runs from the start to the moment
the last outbox is empty.

Server: gunicorn -w 2 --threads 4 (gthread) on 127.0.0.1 (bench/serving.py), on PostgreSQL and
SQLite. Baseline: the same devices pushing the same batches to bench/baseline_app.py (one INSERT
per mutation, acknowledged as applied), in the same run: the ceiling of "store and acknowledge".

End state, checked exactly: the event's records are exactly the distinct (member, event) pairs
queued, the scans are exactly the nonces queued (each once), every outbox is empty, nothing rejected.
"""
from __future__ import annotations

import dataclasses
import random
import threading
import time
from pathlib import Path

import sqlalchemy as sa

from bench import baseline_app
from bench.common import FULL, new_database
from bench.serving import (BASELINE_APP, SERVER_SETUP, ZHIBU_APP, Server, add_events, bench_app, dispose,
                           mint_tokens, populate)
from sync import clock
from sync.client import Outbox, Response, SyncClient, SyncError, UrllibTransport, checkin_manual

DEVICES = 100 if FULL else 10
SCANS = 200 if FULL else 50
MEMBERS = 5000 if FULL else 300
PAGE = 50


class CountingTransport:
    """The real transport, counting what came back: network failures and statuses."""

    def __init__(self):
        self.real = UrllibTransport()
        self.lock = threading.Lock()
        self.network_errors = 0
        self.statuses: dict[int, int] = {}

    def __call__(self, method, url, headers, data, timeout) -> Response:
        answer = self.real(method, url, headers, data, timeout)
        with self.lock:
            if answer.status is None:
                self.network_errors += 1
            else:
                self.statuses[answer.status] = self.statuses.get(answer.status, 0) + 1
        return answer

    @property
    def server_errors(self) -> int:
        return sum(n for status, n in self.statuses.items() if status >= 500)


@dataclasses.dataclass
class Device:
    username: str
    token: str
    outbox: Outbox
    device_id: str
    nonces: list[str] = dataclasses.field(default_factory=list)


def make_devices(secretaries: list[tuple[int, str, int]], tokens: dict[int, str]) -> list[Device]:
    return [Device(username, tokens[uid], Outbox(), f"phone-sec-{i:04d}") for i, (uid, username, _m) in
            enumerate(secretaries)]


def queue_scans(devices: list[Device], member_ids: list[int], event_id: int, scans: int,
                rng: random.Random) -> set[tuple[int, int]]:
    """Queue `scans` manual check-ins per device for `event_id`; the distinct (member, event) pairs."""
    now_ms = clock.now_ms()
    pairs = set()
    for device in devices:
        device.nonces = []
        for member_id in rng.sample(member_ids, scans):
            claimed = now_ms - rng.randrange(60_000, 30 * 60_000)  # inside the check-in window
            mutation = checkin_manual(event_id, member_id, "离线补录：手机没信号", claimed)
            device.outbox.add(mutation, device.username)
            device.nonces.append(mutation["id"])
            pairs.add((member_id, event_id))
    return pairs


def drain(base_url: str, devices: list[Device], batch_size: int, *, timeout: float = 120, max_attempts: int = 40,
          backoff_base: float = 0.2, backoff_cap: float = 2.0, deadline: float = 300) -> dict:
    """Every device pushes its outbox at once (one thread each); time until the last is empty."""
    transport = CountingTransport()
    barrier = threading.Barrier(len(devices) + 1)
    summaries, failures = [], []
    lock = threading.Lock()
    finished_at = [0.0]

    def push(device: Device):
        client = SyncClient(base_url, device.username, "not-used", device.device_id, device.outbox,
                            timeout=timeout, batch_size=batch_size, max_attempts=max_attempts,
                            transport=transport, backoff_base=backoff_base, backoff_cap=backoff_cap,
                            tokens={"access_token": device.token})
        barrier.wait()
        try:
            summary = client.push_pending()
            with lock:
                summaries.append(summary)
        except (SyncError, OSError) as exc:  # reported, never raised: the end state tells
            with lock:
                failures.append(f"{device.username}: {exc}")
                if getattr(exc, "summary", None):
                    summaries.append(exc.summary)
        finally:
            with lock:
                finished_at[0] = max(finished_at[0], time.perf_counter())

    threads = [threading.Thread(target=push, args=(d,), daemon=True) for d in devices]
    for t in threads:
        t.start()
    barrier.wait()
    started = time.perf_counter()
    for t in threads:
        t.join(timeout=max(1.0, started + deadline - time.perf_counter()))
    stuck = sum(t.is_alive() for t in threads)
    return {
        "seconds": (finished_at[0] or time.perf_counter()) - started,
        "attempts": sum(s.attempts for s in summaries),
        "batches": sum(s.batches for s in summaries),
        "retries": sum(s.attempts - s.batches for s in summaries),
        "applied": sum(s.applied for s in summaries),
        "duplicate": sum(s.duplicate for s in summaries),
        "rejected": sum(s.rejected for s in summaries),
        "rejection_codes": sorted({r.code for s in summaries for r in s.rejections}),
        "failures": failures + [f"{stuck} device(s) still pushing after {deadline} s"] * bool(stuck),
        "network_errors": transport.network_errors,
        "server_errors": transport.server_errors,
        "statuses": dict(transport.statuses),
    }


def verify(database_url: str, event_id: int, pairs: set[tuple[int, int]], devices: list[Device]) -> dict:
    """The exact end state: {check: (found, expected)} and `ok`."""
    nonces = [n for d in devices for n in d.nonces]
    engine = sa.create_engine(database_url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            records = {tuple(row) for row in conn.execute(
                sa.text("SELECT member_id, event_id FROM record WHERE event_id = :e"), {"e": event_id})}
            record_rows = conn.execute(sa.text("SELECT count(*) FROM record WHERE event_id = :e"),
                                       {"e": event_id}).scalar()
            stored = conn.execute(sa.text("SELECT nonce, status FROM scan WHERE event_id = :e"),
                                  {"e": event_id}).all()
    finally:
        engine.dispose()
    stored_nonces = [n for n, _ in stored]
    statuses = [s for _, s in stored]
    checks = {
        "record rows": (record_rows, len(pairs)),
        "records == distinct pairs": (records == pairs, True),
        "scans stored": (len(stored), len(nonces)),
        "each nonce once": (sorted(stored_nonces) == sorted(nonces), True),
        "applied scans": (statuses.count("applied"), len(pairs)),
        "rejected scans": (statuses.count("rejected"), 0),
        "outboxes empty": (sum(len(d.outbox) for d in devices), 0),
    }
    return {"checks": checks, "ok": all(found == expected for found, expected in checks.values())}


def storm_once(server_url: str, database_url: str, devices, member_ids, event_id: int, batch_size: int,
               rng: random.Random, check: bool = True) -> dict:
    pairs = queue_scans(devices, member_ids, event_id, SCANS, rng)
    result = drain(server_url, devices, batch_size)
    result["pairs"] = len(pairs)
    result["scans"] = sum(len(d.nonces) for d in devices)
    if check:
        result.update(verify(database_url, event_id, pairs, devices))
    return result


def run(report, workdir: Path, backends: list[str]) -> None:
    for kind in sorted(backends, key=lambda k: k != "postgresql"):  # PostgreSQL first
        url, drop = new_database(kind, workdir)
        try:
            measure(report, kind, url, workdir)
        finally:
            drop()


def measure(report, kind: str, url: str, workdir: Path) -> None:
    app = bench_app(url)
    data = populate(app, members=MEMBERS, member_accounts=False, secretaries=DEVICES, events=2)
    baseline_events = add_events(app, data["branch_id"], 2)
    tokens = mint_tokens(app, [u for u, _, _ in data["secretary_users"]])
    dispose(app)
    baseline_app.prepare(url)
    devices = make_devices(data["secretary_users"], tokens)
    rng = random.Random(7)
    group = f"storm {kind}"
    total = DEVICES * SCANS
    try:
        with Server(ZHIBU_APP, url, workdir) as zhibu, Server(BASELINE_APP, url, workdir) as baseline:
            for way, batch, event, base_event in (("1 batch", SCANS, data["events"][0], baseline_events[0]),
                                                  (f"pages of {PAGE}", PAGE, data["events"][1], baseline_events[1])):
                z = storm_once(zhibu.base_url, url, devices, data["member_ids"], event["id"], batch, rng)
                b = storm_once(baseline.base_url, url, devices, data["member_ids"], base_event["id"], batch, rng,
                               check=False)
                failed = [name for name, (found, expected) in z["checks"].items() if found != expected]
                note = (f"{SERVER_SETUP}; {DEVICES} devices x {SCANS} manual check-ins pushed at once"
                        f" ({way}, batch_size={batch}); {z['pairs']} distinct"
                        f" pairs, {z['duplicate']} duplicates; retries {z['retries']}; end state"
                        f" {'exact' if z['ok'] else 'WRONG: ' + ', '.join(failed)}")
                report.add(group, f"drain time, {way}", z["seconds"], "s", baseline=b["seconds"],
                           baseline_name="baseline app (1 INSERT/mutation)", higher_is_better=False, note=note)
                report.add(group, f"throughput, {way}", total / z["seconds"], "scans/s",
                           baseline=total / b["seconds"], baseline_name="baseline app")
                report.add(group, f"end-state mismatches, {way}", len(failed), "count", target="0",
                           met=not failed and not z["failures"], note="; ".join(z["failures"][:3]))
                if failed or z["failures"]:
                    print(f"   {way}: {z['checks']} failures {z['failures'][:3]}\n{zhibu.log_tail(2000)}")
    finally:
        for device in devices:
            device.outbox.close()

"""Faults under load: the reconnect storm of bench/storm.py, with something breaking mid-push.

- `worker_kill`: one gunicorn worker (not the master) is SIGKILLed while pushes are inside it;
  the master starts a new one. Clients see reset connections and retry.
- `pg_terminate` (PostgreSQL only): every server connection to the database is dropped with
  `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = <db> AND pid <>
  pg_backend_pid()` while pushes are inside their transactions. The server answers 500 to
  those requests; clients retry; the pools (pool_pre_ping) must replace the dead connections.

To be sure the fault lands mid-push (and not between two pushes), the storm is briefly held at
the fault point: once a share of the scans is stored, an outside connection takes the lock the
pushes need (SQLite: the writers' flock, then BEGIN IMMEDIATE; PostgreSQL: LOCK TABLE scan IN
EXCLUSIVE MODE, so the pushes have inserted their records and wait to insert their scans), the
fault is injected while requests wait inside the server, then the lock is let go.

Afterwards: the end state is exact (each nonce stored once, one record per distinct pair,
nothing rejected, every outbox empty, no client gave up), and the server recovered: its workers
are all up and a round of requests all answer 200 at the first attempt (for pg_terminate, after
dropping every pooled connection once more while idle, so pool_pre_ping must replace them).

`run_faults()` is shared by the benchmark (full size) and tests/bench/test_faults_small.py.
"""
from __future__ import annotations

import fcntl
import http.client
import os
import random
import sqlite3
import threading
import time
from pathlib import Path

import sqlalchemy as sa

from bench.common import FULL, new_database
from bench.serving import SERVER_SETUP, ZHIBU_APP, Server, bench_app, dispose, mint_tokens, populate
from bench.storm import drain, make_devices, queue_scans, verify
from server.core.db import writer_lock_path

DEVICES = 50 if FULL else 10
SCANS = 200 if FULL else 50
BATCH = 50 if FULL else 10
MEMBERS = 1000 if FULL else 100
RECOVERY_REQUESTS = 32
FAULTS = ("worker_kill", "pg_terminate")


def _scans_stored(engine: sa.Engine, event_id: int) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.text("SELECT count(*) FROM scan WHERE event_id = :e"), {"e": event_id}).scalar()


class Hold:
    """An outside transaction holding the lock that pushes need, so they wait inside the server."""

    def __init__(self, kind: str, engine: sa.Engine):
        self.kind, self.engine = kind, engine

    def __enter__(self) -> Hold:
        if self.kind == "sqlite":
            # Queue with the server's writers (their flock, then BEGIN IMMEDIATE): SQLite's busy
            # handler alone would wait until the storm is over.
            self.lock_fd = os.open(writer_lock_path(self.engine.url), os.O_RDWR | os.O_CREAT, 0o600)
            fcntl.flock(self.lock_fd, fcntl.LOCK_EX)
            self.conn = sqlite3.connect(self.engine.url.database, isolation_level=None, timeout=30,
                                        check_same_thread=False)
            self.conn.execute("BEGIN IMMEDIATE")
        else:
            self.conn = self.engine.connect()
            self.tx = self.conn.begin()
            self.conn.execute(sa.text("LOCK TABLE scan IN EXCLUSIVE MODE"))
        return self

    def wait_for_waiters(self, seconds: float = 10) -> int:
        """How many pushes wait inside the server (PostgreSQL can tell; SQLite: give them time)."""
        if self.kind == "sqlite":
            time.sleep(0.5)
            return -1
        deadline = time.monotonic() + seconds
        with self.engine.connect() as watcher:
            while True:
                waiting = watcher.execute(sa.text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                    " AND wait_event_type = 'Lock' AND query ILIKE 'INSERT INTO scan%'")).scalar()
                watcher.rollback()
                if waiting or time.monotonic() > deadline:
                    return waiting
                time.sleep(0.02)

    def terminate_others(self) -> tuple[int, int]:
        """pg_terminate_backend on every other connection to this database: (terminated, in a transaction)."""
        database = self.engine.url.database
        busy = self.conn.execute(sa.text(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = :db AND pid <> pg_backend_pid()"
            " AND state IN ('active', 'idle in transaction')"), {"db": database}).scalar()
        killed = self.conn.execute(sa.text(
            "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE datname = :db AND pid <> pg_backend_pid()"), {"db": database}).scalar()
        return killed, busy

    def __exit__(self, *exc) -> None:
        if self.kind == "sqlite":
            self.conn.execute("ROLLBACK")
            self.conn.close()
            fcntl.flock(self.lock_fd, fcntl.LOCK_UN)
            os.close(self.lock_fd)
        else:
            self.tx.rollback()
            self.conn.close()


def _socket_count(pid: int) -> int:
    try:
        return sum(1 for fd in Path(f"/proc/{pid}/fd").iterdir() if fd.readlink().name.startswith("socket:"))
    except OSError:
        return 0


def _busiest_worker(server: Server) -> int:
    """The worker holding the most sockets (client connections; the listener is shared)."""
    return max(server.worker_pids(), key=_socket_count)


def terminate_idle(engine: sa.Engine) -> int:
    with engine.connect() as conn:
        killed = conn.execute(sa.text(
            "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE datname = :db AND pid <> pg_backend_pid()"), {"db": engine.url.database}).scalar()
        conn.commit()
    return killed


def recovery_round(port: int, token: str, requests: int = RECOVERY_REQUESTS, clients: int = 8) -> list[str]:
    """GET /api/v1/auth/me (JWT check + user lookup in the database) from several connections at
    once; every answer must be 200 at the first try. The failures."""
    failures: list[str] = []
    lock = threading.Lock()
    per_client = -(-requests // clients)

    def client():
        for _ in range(per_client):
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)  # a new connection each time
            try:
                conn.request("GET", "/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
                response = conn.getresponse()
                response.read()
                if response.status != 200:
                    with lock:
                        failures.append(f"HTTP {response.status}")
            except (OSError, http.client.HTTPException) as exc:
                with lock:
                    failures.append(f"{type(exc).__name__}: {exc}")
            finally:
                conn.close()

    threads = [threading.Thread(target=client, daemon=True) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return failures


def run_faults(kind: str, devices: int, scans_per_device: int, *, workdir: Path, fault: str = "worker_kill",
               database_url: str | None = None, batch_size: int = BATCH, members: int | None = None,
               at_progress: float = 0.2, deadline: float = 240, seed: int = 11) -> dict:
    """The storm with a fault mid-push; returns what happened and whether the end state is exact.

    kind: 'sqlite' or 'postgresql'; fault: 'worker_kill' or 'pg_terminate' (PostgreSQL only).
    database_url: a fresh migrated database (one is made, and dropped afterwards, when omitted).
    The result's `ok` is True when the fault landed mid-push, the end state is exact, no client
    gave up and the server recovered.
    """
    if fault not in FAULTS:
        raise ValueError(f"fault must be one of {FAULTS}")
    if fault == "pg_terminate" and kind != "postgresql":
        raise ValueError("pg_terminate needs PostgreSQL")
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    drop = None
    if database_url is None:
        database_url, drop = new_database(kind, workdir)
    app = bench_app(database_url)
    watcher = sa.create_engine(database_url, pool_pre_ping=True, pool_size=2)
    devs = []
    try:
        data = populate(app, members=members or max(2 * scans_per_device, 100), member_accounts=False,
                        secretaries=devices, events=1)
        tokens = mint_tokens(app, [u for u, _, _ in data["secretary_users"]])
        dispose(app)
        devs = make_devices(data["secretary_users"], tokens)
        event_id = data["events"][0]["id"]
        pairs = queue_scans(devs, data["member_ids"], event_id, scans_per_device, random.Random(seed))
        total = devices * scans_per_device
        server = Server(ZHIBU_APP, database_url, workdir, name=f"faults-{fault}")
        outcome: dict = {}
        fault_info: dict = {"fault": fault, "mid_push": False}
        with server:
            workers_before = server.worker_pids()
            pusher = threading.Thread(target=lambda: outcome.update(
                drain(server.base_url, devs, batch_size, timeout=60, deadline=deadline)), daemon=True)
            pusher.start()
            while pusher.is_alive() and _scans_stored(watcher, event_id) < at_progress * total:
                time.sleep(0.01)
            if pusher.is_alive():
                with Hold(kind, watcher) as hold:
                    waiting = hold.wait_for_waiters()
                    stored = _scans_stored(watcher, event_id)
                    fault_info.update(stored_before=stored, waiting=waiting)
                    if fault == "worker_kill":
                        victim = _busiest_worker(server)
                        fault_info["victim_sockets"] = _socket_count(victim)
                        fault_info["killed_pid"] = server.kill_worker(victim)
                    else:
                        fault_info["terminated"], fault_info["in_transaction"] = hold.terminate_others()
                    fault_info["mid_push"] = pusher.is_alive() and stored < total
            pusher.join(timeout=deadline + 30)
            # Recovery: all workers up again, and every request answered at the first try.
            until = time.monotonic() + 30
            while len(server.worker_pids()) < server.workers and time.monotonic() < until:
                time.sleep(0.1)
            server.wait_ready(30)
            if fault == "pg_terminate":
                fault_info["idle_terminated_after"] = terminate_idle(watcher)
            recovery_failures = recovery_round(server.port, next(iter(tokens.values())))
            workers_after = server.worker_pids()
            log_tail = server.log_tail(2000)
        state = verify(database_url, event_id, pairs, devs)
        if fault == "worker_kill":
            fault_info["what"] = (f"SIGKILL to worker pid {fault_info.get('killed_pid')} of"
                                  f" {workers_before} (master restarted it: workers now {workers_after})")
        else:
            fault_info["what"] = (f"pg_terminate_backend on {fault_info.get('terminated')} connections"
                                  f" ({fault_info.get('in_transaction')} mid-transaction), then on"
                                  f" {fault_info.get('idle_terminated_after')} idle pooled ones")
        ok = (fault_info["mid_push"] and state["ok"] and not outcome.get("failures")
              and not recovery_failures and len(workers_after) == server.workers)
        return {
            "kind": kind, "fault": fault, "devices": devices, "scans_per_device": scans_per_device,
            "batch_size": batch_size, "scans": total, "pairs": len(pairs),
            "drain_seconds": outcome.get("seconds"), "retries": outcome.get("retries"),
            "attempts": outcome.get("attempts"), "network_errors": outcome.get("network_errors"),
            "server_errors": outcome.get("server_errors"), "statuses": outcome.get("statuses"),
            "client_failures": outcome.get("failures"), "fault_info": fault_info, "checks": state["checks"],
            "state_ok": state["ok"], "recovery_failures": recovery_failures, "ok": ok,
            "log_tail": "" if ok else log_tail,
        }
    finally:
        for device in devs:
            device.outbox.close()
        watcher.dispose()
        dispose(app)
        if drop is not None:
            drop()


def run(report, workdir: Path, backends: list[str]) -> None:
    cases = [(kind, "worker_kill") for kind in backends]
    if "postgresql" in backends:
        cases.append(("postgresql", "pg_terminate"))
    for kind, fault in cases:
        r = run_faults(kind, DEVICES, SCANS, workdir=workdir / f"{kind}-{fault}", fault=fault, members=MEMBERS)
        group = f"faults {kind}"
        failed = [name for name, (found, expected) in r["checks"].items() if found != expected]
        note = (f"{SERVER_SETUP}; {DEVICES} devices x {SCANS} scans, batch_size={r['batch_size']}; "
                f"{r['fault_info']['what']}; client saw {r['network_errors']} network errors and"
                f" {r['server_errors']} 5xx")
        report.add(group, f"{fault}: drain time", r["drain_seconds"] or 0.0, "s", higher_is_better=False, note=note)
        report.add(group, f"{fault}: retries", r["retries"] or 0, "count",
                   note=f"{r['attempts']} push requests for {r['scans']} scans")
        problems = (len(failed) + len(r["client_failures"] or []) + len(r["recovery_failures"])
                    + (not r["fault_info"]["mid_push"]))
        report.add(group, f"{fault}: end-state/recovery problems", problems, "count", target="0", met=r["ok"],
                   note=("end state exact, every nonce once, outboxes empty; server recovered"
                         if r["ok"] else f"failed: {failed} {r['client_failures'][:2]} {r['recovery_failures'][:3]}"
                                         f" mid_push={r['fault_info']['mid_push']}"))
        if not r["ok"]:
            print(f"   {kind}/{fault}: {r['checks']}\n{r['log_tail']}")

"""Fault test: the real server (gunicorn, 2 workers) is SIGKILLed in the middle of a push and a fresh
one is started on the same database; the client's retries must lose nothing and double nothing.

Two moments of death:
- `in_flight`: the database is locked from outside so the request is certainly inside the server
  (on PostgreSQL: records inserted, blocked before the scans) when the process group is killed.
- `answer_lost`: the server committed and answered, but the answer never reached the client.
And one without a death, `client_timeout`: the client gives up waiting and retries while its first
request is still running in the other worker; both finish.
"""
from __future__ import annotations

import os
import random
import signal
import socket
import sqlite3
import subprocess
import threading
import time
from pathlib import Path

import gunicorn.config
import pytest
import sqlalchemy as sa

from server.core.db import db
from server.records.models import Record
from server.sync_api.models import Scan
from sync import clock
from sync.client import Outbox, Response, SyncClient, UrllibTransport, checkin_card, checkin_manual
from tests.conftest import TEST_CONFIG
from tests.server.factories import PASSWORD
from tests.server.synckit import live_event, now_ms

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = ROOT / ".venv" / "bin" / "gunicorn"
EXTRA_MEMBERS = 120
SCANS_PER_MEMBER = 3  # the same member entered on several occasions: duplicates
BATCH = 100
FAULT_AT_PUSH = 2  # the first batch lands normally, the second one meets the crash
# Newer gunicorns open a control socket in ~/.gunicorn, shared by every instance: not ours to touch.
NO_CONTROL_SOCKET = ["--no-control-socket"] if any(
    s.name == "control_socket_disable" for s in gunicorn.config.KNOWN_SETTINGS) else []


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Gunicorn:
    def __init__(self, env: dict, port: int, log: Path):
        self.env, self.port, self.log = env, port, log
        self.proc: subprocess.Popen | None = None
        self.starts = 0

    def start(self) -> None:
        self.starts += 1
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(
                [str(GUNICORN), "-w", "2", "-b", f"127.0.0.1:{self.port}", "--timeout", "60", *NO_CONTROL_SOCKET,
                 "server.wsgi:app"],
                cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)

    def wait_ready(self, seconds: float = 20) -> None:
        deadline = time.monotonic() + seconds
        probe = UrllibTransport()
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, "gunicorn died:\n" + self.log.read_text()[-3000:]
            if probe("GET", f"http://127.0.0.1:{self.port}/api/v1/auth/me", {}, None, 2).status == 401:
                return
            time.sleep(0.1)
        raise AssertionError("gunicorn did not become ready:\n" + self.log.read_text()[-3000:])

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)  # the master and its workers
            except ProcessLookupError:
                pass
        if self.proc is not None:
            self.proc.wait(timeout=10)


class DatabaseLock:
    """Holds a lock that makes a push wait inside the server, and tells when one is waiting."""

    def __init__(self, database_url: str):
        self.url = sa.make_url(database_url)
        self.sqlite = self.url.get_backend_name() == "sqlite"

    def acquire(self) -> None:
        if self.sqlite:
            self.conn = sqlite3.connect(self.url.database, isolation_level=None, check_same_thread=False)
            self.conn.execute("BEGIN IMMEDIATE")  # the server's POSTs begin IMMEDIATE: they wait
        else:
            self.engine = sa.create_engine(self.url, poolclass=sa.pool.NullPool)
            self.conn = self.engine.connect()
            self.tx = self.conn.begin()
            # Reads go on; the push inserts its records, then waits to insert the scans.
            self.conn.execute(sa.text("LOCK TABLE scan IN EXCLUSIVE MODE"))

    def wait_for_a_waiter(self, seconds: float = 15) -> None:
        if self.sqlite:
            time.sleep(1.0)  # SQLite cannot tell; the request was sent before this started
            return
        deadline = time.monotonic() + seconds
        with self.engine.connect() as watcher:
            while time.monotonic() < deadline:
                waiting = watcher.execute(sa.text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                    " AND wait_event_type = 'Lock' AND query ILIKE 'INSERT INTO scan%'")).scalar()
                watcher.rollback()
                if waiting:
                    return
                time.sleep(0.05)
        raise AssertionError("no push ever waited on the lock")

    def release(self) -> None:
        if self.sqlite:
            self.conn.execute("ROLLBACK")
            self.conn.close()
        else:
            self.tx.rollback()
            self.conn.close()
            self.engine.dispose()


class CrashingTransport:
    """The real transport, except that push number FAULT_AT_PUSH meets a server crash."""

    def __init__(self, server: Gunicorn, lock: DatabaseLock, mode: str):
        self.server, self.lock, self.mode = server, lock, mode
        self.real = UrllibTransport()
        self.pushes = 0
        self.faulted: Response | None = None
        self.errors: list[BaseException] = []

    def __call__(self, method, url, headers, data, timeout):
        if url.endswith("/sync/push"):
            self.pushes += 1
            if self.pushes == FAULT_AT_PUSH:
                self.faulted = self.crash(lambda: self.real(method, url, headers, data, timeout))
                return self.faulted
        return self.real(method, url, headers, data, timeout)

    def restart(self) -> None:
        self.server.kill()
        if self.mode == "in_flight":
            self.lock.release()
        self.server.start()  # no waiting: the client meets "connection refused" meanwhile

    def crash(self, send) -> Response:
        if self.mode == "client_timeout":
            self.lock.acquire()

            def releaser():
                try:
                    self.lock.wait_for_a_waiter()
                    deadline = time.monotonic() + 15
                    while self.pushes <= FAULT_AT_PUSH and time.monotonic() < deadline:
                        time.sleep(0.02)  # until the client gave up waiting and sent its retry
                    time.sleep(0.3)
                except BaseException as exc:  # noqa: BLE001 - reported by the test
                    self.errors.append(exc)
                finally:
                    self.lock.release()

            threading.Thread(target=releaser, daemon=True).start()
            return send()  # times out; the first request goes on in the server, next to the retry
        if self.mode == "answer_lost":
            answer = send()
            assert answer.ok, answer.message
            self.restart()
            return Response(error="RemoteDisconnected: the answer was lost (simulated)")
        self.lock.acquire()

        def killer():
            try:
                self.lock.wait_for_a_waiter()
            except BaseException as exc:  # noqa: BLE001 - reported by the test
                self.errors.append(exc)
            finally:
                self.restart()

        thread = threading.Thread(target=killer, daemon=True)
        thread.start()
        answer = send()  # returns when the server dies
        thread.join(timeout=30)
        return answer


@pytest.fixture
def scenario(app, world, database_url, tmp_path):
    from server.cards.models import Card
    from server.cards.signing import card_qr
    from server.org.models import Branch
    from tests.server.factories import create_member

    with app.test_request_context():
        branch = db.session.get(Branch, world.branch_a)
        extra = [create_member(branch, f"党员{i:03d}").id for i in range(EXTRA_MEMBERS)]
        cards = [card_qr(db.session.get(Card, cid)) for cid in (world.card_member, world.card_floating)]
        db.session.commit()
    event = live_event(app, world.branch_a)
    rng = random.Random(20240801)
    base = now_ms() - 5 * 60_000
    mutations = [checkin_manual(event["id"], member_id, "忘带手机", base + rng.randrange(300_000))
                 for member_id in extra for _ in range(SCANS_PER_MEMBER)]
    mutations += [checkin_card(event["id"], qr, base + rng.randrange(300_000)) for qr in cards for _ in range(2)]
    mutations += [checkin_manual(event["id"], world.member_b, "走错会场", base) for _ in range(2)]  # not_expected
    rng.shuffle(mutations)
    expected_members = {*extra, world.member, world.floating}

    env = {k: v for k, v in os.environ.items() if not k.startswith("ZHIBU_")} | clock.child_environ()
    env.update(ZHIBU_DATABASE_URL=database_url, ZHIBU_INSTANCE_PATH=str(tmp_path / "instance"),
               ZHIBU_SECRET_KEY=TEST_CONFIG["SECRET_KEY"], ZHIBU_JWT_SECRET_KEY=TEST_CONFIG["JWT_SECRET_KEY"],
               ZHIBU_CARD_SIGNING_KEY=TEST_CONFIG["CARD_SIGNING_KEY"],
               ZHIBU_LOGIN_RATE_LIMIT_PER_ADDRESS="1000 per minute",
               ZHIBU_LOGIN_RATE_LIMIT_PER_ACCOUNT_AND_ADDRESS="1000 per minute")
    server = Gunicorn(env, free_port(), tmp_path / "gunicorn.log")
    outbox = Outbox(tmp_path / "outbox.sqlite3")
    try:
        server.start()
        server.wait_ready()
        yield {"event": event, "mutations": mutations, "members": expected_members, "server": server,
               "outbox": outbox, "rejected": 2}
    finally:
        server.kill()
        outbox.close()


@pytest.mark.parametrize("mode", ["in_flight", "answer_lost", "client_timeout"])
def test_server_killed_mid_push_loses_nothing_and_doubles_nothing(app, database_url, scenario, mode):
    server, outbox, mutations = scenario["server"], scenario["outbox"], scenario["mutations"]
    for m in mutations:
        outbox.add(m, "secretary_a")
    transport = CrashingTransport(server, DatabaseLock(database_url), mode)
    client = SyncClient(f"http://127.0.0.1:{server.port}", "secretary_a", PASSWORD, "laptop-0001", outbox,
                        timeout=2 if mode == "client_timeout" else 20, batch_size=BATCH, max_attempts=60, transport=transport,
                        sleep=lambda s: time.sleep(min(s, 0.25)))
    client.login()  # before any lock is taken
    outcome: dict = {}

    def run():
        try:
            outcome["summary"] = client.push_pending()
        except BaseException as exc:  # noqa: BLE001 - re-raised below
            outcome["error"] = exc

    pusher = threading.Thread(target=run, daemon=True)
    pusher.start()
    pusher.join(timeout=60)
    assert not pusher.is_alive(), "the push did not finish in time"
    assert not transport.errors, transport.errors
    if "error" in outcome:
        raise outcome["error"]
    summary = outcome["summary"]

    # The fault really happened in the middle of the push (and the server was restarted).
    assert transport.faulted is not None and transport.faulted.network_error, transport.faulted
    assert server.starts == (1 if mode == "client_timeout" else 2)
    # The client: every item answered once, the outbox empty.
    n = len(mutations)
    assert len(outbox) == 0 and summary.batches == -(-n // BATCH) and summary.attempts > summary.batches
    assert (summary.applied, summary.rejected) == (len(scenario["members"]), scenario["rejected"])
    assert summary.applied + summary.duplicate + summary.rejected == n
    assert {r.code for r in summary.rejections} == {"not_expected"}

    nonces = [m["id"] for m in mutations]
    with app.app_context():
        stored = db.session.execute(sa.select(Scan.nonce, Scan.status).where(Scan.nonce.in_(nonces))).all()
        per_member = dict(db.session.execute(
            sa.select(Record.member_id, sa.func.count()).where(Record.event_id == scenario["event"]["id"])
            .group_by(Record.member_id)).all())
    # Nothing lost, nothing doubled: each nonce stored once, with the status the client was told.
    assert sorted(n for n, _ in stored) == sorted(nonces)
    assert dict(stored) == {m["id"]: r["status"] for m, r in summary.results}
    # One event, one record per member.
    assert per_member == {member_id: 1 for member_id in scenario["members"]}

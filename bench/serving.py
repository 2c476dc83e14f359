"""What the HTTP benchmarks share: gunicorn for Zhibu and for the baseline app, the data they
need (a branch, members with accounts, live events, minted access tokens) and a small load
driver on keep-alive `http.client` connections.

Both apps are served the same way, so that the ratio measures the application and not the
server set-up: gunicorn, `WORKERS` processes with `THREADS` threads each (the gthread worker,
which keeps connections alive), bound to 127.0.0.1, no access log. Everything stays on loopback
and every load is bounded in count and in time.
"""
from __future__ import annotations

import datetime as dt
import http.client
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import sqlalchemy as sa

from bench.common import BENCH_CONFIG
from sync import clock

ROOT = Path(__file__).resolve().parents[1]
# Two processes (the machine has two cores) with four threads each, for Zhibu and the baseline alike.
WORKERS = 2
THREADS = 4
SERVER_SETUP = f"gunicorn -w {WORKERS} --threads {THREADS} (gthread), loopback"
# Both as a production worker runs them: the app, then the runtime tuned (server/core/runtime.py).
ZHIBU_APP = "server.wsgi:app"
BASELINE_APP = "bench.baseline_app:tuned_app()"
TOKEN_LIFETIME = dt.timedelta(hours=3)


def _gunicorn() -> list[str]:
    venv = Path(sys.executable).parent / "gunicorn"
    if venv.exists():
        return [str(venv)]
    found = shutil.which("gunicorn")
    return [found] if found else [sys.executable, "-m", "gunicorn"]


def _control_socket_flag() -> list[str]:
    # Newer gunicorns open a control socket in ~/.gunicorn shared by every instance: not ours to touch.
    import gunicorn.config

    return ["--no-control-socket"] if any(
        s.name == "control_socket_disable" for s in gunicorn.config.KNOWN_SETTINGS) else []


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_env(database_url: str, workdir: Path) -> dict[str, str]:
    """The environment gunicorn gets: the bench's secrets (tokens are minted with the same JWT key)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZHIBU_")} | clock.child_environ()
    env.update(
        ZHIBU_DATABASE_URL=database_url,
        ZHIBU_INSTANCE_PATH=str(workdir / "instance"),
        ZHIBU_SECRET_KEY=BENCH_CONFIG["SECRET_KEY"],
        ZHIBU_JWT_SECRET_KEY=BENCH_CONFIG["JWT_SECRET_KEY"],
        ZHIBU_CARD_SIGNING_KEY=BENCH_CONFIG["CARD_SIGNING_KEY"],
        ZHIBU_LOGIN_RATE_LIMIT_PER_ADDRESS=BENCH_CONFIG["LOGIN_RATE_LIMIT_PER_ADDRESS"],
        ZHIBU_LOGIN_RATE_LIMIT_PER_ACCOUNT_AND_ADDRESS=BENCH_CONFIG["LOGIN_RATE_LIMIT_PER_ACCOUNT_AND_ADDRESS"],
        PYTHONPATH=str(ROOT) + (os.pathsep + os.environ["PYTHONPATH"] if os.environ.get("PYTHONPATH") else ""),
    )
    return env


class Server:
    """One gunicorn (master + workers) in its own process group; `stop()` ends exactly that group."""

    def __init__(self, app_spec: str, database_url: str, workdir: Path, *, workers: int = WORKERS,
                 threads: int = THREADS, name: str | None = None, timeout: int = 60):
        self.app_spec, self.database_url, self.workdir = app_spec, database_url, Path(workdir)
        self.workers, self.threads, self.timeout = workers, threads, timeout
        self.name = name or ("baseline" if app_spec == BASELINE_APP else "zhibu")
        self.port = free_port()
        self.log = self.workdir / f"gunicorn-{self.name}-{self.port}.log"
        self.proc: subprocess.Popen | None = None
        self.ready_path = "/health" if app_spec == BASELINE_APP else "/api/v1/auth/me"
        self.ready_status = 200 if app_spec == BASELINE_APP else 401

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, wait: float = 30) -> Server:
        self.workdir.mkdir(parents=True, exist_ok=True)
        command = [*_gunicorn(), "-w", str(self.workers), "--threads", str(self.threads), "-k", "gthread",
                   "-b", f"127.0.0.1:{self.port}", "--timeout", str(self.timeout), "--graceful-timeout", "5",
                   "--backlog", "2048", "--log-level", "warning", *_control_socket_flag(), self.app_spec]
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(command, cwd=ROOT, env=server_env(self.database_url, self.workdir),
                                         stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        self.wait_ready(wait)
        return self

    def wait_ready(self, seconds: float = 30) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn ({self.name}) died:\n{self.log_tail()}")
            if probe(self.port, self.ready_path) == self.ready_status and len(self.worker_pids()) >= self.workers:
                return
            time.sleep(0.1)
        raise RuntimeError(f"gunicorn ({self.name}) did not become ready:\n{self.log_tail()}")

    def log_tail(self, chars: int = 3000) -> str:
        try:
            return self.log.read_text(errors="replace")[-chars:]
        except OSError:
            return ""

    def worker_pids(self) -> list[int]:
        """The workers' pids (children of the master), from /proc."""
        if self.proc is None:
            return []
        pids = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            # pid (comm) state ppid ...: comm may hold spaces, so split after the last ')'.
            fields = stat.rsplit(")", 1)[1].split()
            if int(fields[1]) == self.proc.pid:
                pids.append(int(entry.name))
        return sorted(pids)

    def cpu_seconds(self) -> float:
        """CPU time (user + system) used so far by the current workers: the server's own cost,
        which, unlike wall-clock time, other load on the machine barely changes."""
        ticks = 0
        for pid in self.worker_pids():
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            ticks += int(fields[11]) + int(fields[12])  # utime, stime
        return ticks / os.sysconf("SC_CLK_TCK")

    def kill_worker(self, pid: int | None = None) -> int:
        """SIGKILL one worker (never the master; a random one unless `pid` names it); the master
        starts a new one. The pid killed."""
        pids = self.worker_pids()
        if pid is not None and pid not in pids:
            raise ValueError(f"{pid} is not one of this gunicorn's workers {pids}")
        if not pids:
            raise RuntimeError("no gunicorn worker to kill")
        victim = pid if pid is not None else random.choice(pids)
        os.kill(victim, signal.SIGKILL)
        return victim

    def stop(self) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
                self.proc.wait(timeout=8)
            except subprocess.TimeoutExpired:
                pass
            except ProcessLookupError:
                pass
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)  # stragglers of our own group only
        except ProcessLookupError:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass
        self.proc = None

    def __enter__(self) -> Server:
        return self.start() if self.proc is None else self

    def __exit__(self, *exc) -> None:
        self.stop()


def probe(port: int, path: str, timeout: float = 2) -> int | None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        response.read()
        return response.status
    except (OSError, http.client.HTTPException):
        return None
    finally:
        conn.close()


# ------------------------------------------------------------------------------------ data


def bench_app(database_url: str):
    """A Zhibu app on that database with the bench's secrets (for building data and minting tokens)."""
    from server import create_app

    return create_app({**BENCH_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url,
                       "JWT_ACCESS_TOKEN_EXPIRES": TOKEN_LIFETIME})


def dispose(app) -> None:
    from server.core.db import db

    with app.app_context():
        db.engine.dispose()


def populate(app, *, members: int, member_accounts: bool = True, secretaries: int = 0, events: int = 1,
             prefix: str = "m") -> dict:
    """One committee and branch; `members` members (with accounts when asked), `secretaries`
    secretaries with accounts, and `events` events happening now (check-in open for hours).

    Rows go in through the ORM in bulk (so the change feed sees them); every account shares one
    cheap password hash: nobody logs in, tokens are minted (see `mint_tokens`).
    """
    from server.auth.models import User
    from server.core.db import db
    from server.core.enums import BranchRoleKind, MemberStatus, Sector
    from server.core.security import hash_password
    from server.org.models import BranchRole, Member
    from tests.server.factories import create_branch, create_committee

    with app.app_context():
        password_hash = hash_password("bench-password-nobody-uses")
        committee = create_committee("压测党委")
        branch = create_branch(committee, "压测党支部", Sector.enterprise)
        people = [Member(branch_id=branch.id, name=f"党员{i:05d}", status=MemberStatus.full) for i in range(members)]
        bosses = [Member(branch_id=branch.id, name=f"书记{i:03d}", status=MemberStatus.full) for i in range(secretaries)]
        db.session.add_all(people + bosses)
        db.session.flush()
        users = []
        if member_accounts:
            users += [User(username=f"{prefix}{i:05d}", password_hash=password_hash, member_id=m.id)
                      for i, m in enumerate(people)]
        boss_users = [User(username=f"{prefix}sec{i:03d}", password_hash=password_hash, member_id=m.id)
                      for i, m in enumerate(bosses)]
        db.session.add_all(users + boss_users)
        db.session.add_all([BranchRole(branch_id=branch.id, member_id=m.id, role=BranchRoleKind.secretary,
                                       starts_on=dt.date(2020, 1, 1)) for m in bosses])
        db.session.flush()
        made = [new_event(branch, i) for i in range(events)]
        db.session.commit()
        out = {
            "branch_id": branch.id,
            "member_ids": [m.id for m in people],
            "member_users": [(u.id, u.username, u.member_id) for u in users],
            "secretary_users": [(u.id, u.username, u.member_id) for u in boss_users],
            "events": [{"id": e.id, "secret": e.code_secret} for e in made],
        }
    return out


def new_event(branch, index: int = 0):
    """An event that started 10 minutes ago; check-in open from 40 minutes ago for 4 hours."""
    from sync import clock
    from tests.server.factories import create_event_for

    starts = clock.now().replace(microsecond=0) - dt.timedelta(minutes=10)
    event = create_event_for(branch, starts_at=starts, title=f"压测活动{index}")
    event.ends_at = starts + dt.timedelta(hours=3)
    event.checkin_closes_at = event.ends_at + dt.timedelta(minutes=30)
    return event


def add_events(app, branch_id: int, count: int) -> list[dict]:
    from server.core.db import db
    from server.org.models import Branch

    with app.app_context():
        branch = db.session.get(Branch, branch_id)
        made = [new_event(branch, 100 + i) for i in range(count)]
        db.session.commit()
        return [{"id": e.id, "secret": e.code_secret} for e in made]


def mint_tokens(app, user_ids) -> dict[int, str]:
    """Access tokens signed with the server's JWT key, identity = the User (no login, no argon2)."""
    from flask_jwt_extended import create_access_token

    from server.auth.models import User
    from server.auth.operations import open_session
    from server.core.db import db

    ids = list(user_ids)
    with app.app_context():
        users = {u.id: u for u in db.session.scalars(sa.select(User).where(User.id.in_(ids)))}
        tokens = {uid: create_access_token(identity=users[uid], additional_claims={"sid": open_session(users[uid])})
                  for uid in ids}
        db.session.commit()
        return tokens


def count_rows(database_url: str, sql: str, **params) -> int:
    engine = sa.create_engine(database_url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            return int(conn.execute(sa.text(sql), params).scalar())
    finally:
        engine.dispose()


# ------------------------------------------------------------------------------------ load


def push_body(mutation: dict, device_id: str) -> bytes:
    """A one-scan push as the PWA sends it online: with a fresh idempotency key."""
    body = {"protocol_version": 1, "device_id": device_id, "client_time_ms": clock.now_ms(),
            "idempotency_key": uuid.uuid4().hex, "mutations": [mutation]}
    return json.dumps(body, separators=(",", ":")).encode()


class KeepAlive:
    """One keep-alive HTTP/1.1 connection to 127.0.0.1:port; reconnects after a failure."""

    def __init__(self, port: int, timeout: float = 30):
        self.port, self.timeout = port, timeout
        self.conn: http.client.HTTPConnection | None = None
        self._used = 0  # requests answered on the current connection

    def post(self, path: str, body: bytes, headers: dict) -> tuple[int | None, bytes, str | None]:
        """(status, body, error): status None and the error text for a network failure."""
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
            fresh = attempt == 2 or self._used == 0
            try:
                self.conn.request("POST", path, body, {"Content-Type": "application/json", **headers})
                response = self.conn.getresponse()
                data = response.read()
                self._used += 1
                if response.getheader("Connection", "").lower() == "close":
                    self.close()
                return response.status, data, None
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError) as exc:
                # The server closed an idle keep-alive connection before this request: reopen, once.
                # A request on a fresh connection is never resent (it may have been processed).
                self.close()
                if fresh:
                    return None, b"", f"{type(exc).__name__}: {exc}"
            except (OSError, http.client.HTTPException) as exc:
                self.close()
                return None, b"", f"{type(exc).__name__}: {exc}"
        return None, b"", "unreachable"

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
        self.conn = None
        self._used = 0


def zhibu_ok(status: int | None, data: bytes) -> bool:
    """A single-scan push answered 200 with the scan applied or a duplicate (anything else is an error)."""
    if status != 200:
        return False
    try:
        results = json.loads(data)["results"]
    except (ValueError, KeyError, TypeError):
        return False
    return len(results) == 1 and results[0].get("status") in ("applied", "duplicate")


def baseline_ok(status: int | None, data: bytes) -> bool:
    return status == 200


class Tally:
    def __init__(self):
        self.lock = threading.Lock()
        self.latencies: list[float] = []  # seconds
        self.errors = 0
        self.samples: list[str] = []  # a few error descriptions

    def add(self, seconds: float, ok: bool, what: str = "") -> None:
        with self.lock:
            self.latencies.append(seconds)
            if not ok:
                self.errors += 1
                if len(self.samples) < 5:
                    self.samples.append(what)


def closed_loop(port: int, path: str, make_request, check, *, clients: int, seconds: float,
                warmup: float = 1.0, max_requests: int = 100_000) -> dict:
    """`clients` threads, each with its own keep-alive connection, send back to back for
    `warmup` + `seconds`. Latencies and throughput count the requests started after the warm-up;
    errors count every request, warm-up included.

    make_request(client_index, seq) -> (body bytes, headers). check(status, data) -> bool.
    """
    measured = Tally()
    warm = Tally()
    start_barrier = threading.Barrier(clients + 1)
    bounds = {"measure_from": 0.0, "stop_at": 0.0}
    count = [0]
    count_lock = threading.Lock()

    def worker(index: int):
        conn = KeepAlive(port)
        seq = 0
        try:
            start_barrier.wait()
            while True:
                with count_lock:
                    if time.perf_counter() >= bounds["stop_at"] or count[0] >= max_requests:
                        return
                    count[0] += 1
                body, headers = make_request(index, seq)
                seq += 1
                began = time.perf_counter()
                status, data, error = conn.post(path, body, headers)
                took = time.perf_counter() - began
                (measured if began >= bounds["measure_from"] else warm).add(
                    took, check(status, data), error or f"HTTP {status}: {data[:200]!r}")
        finally:
            conn.close()

    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(clients)]
    for t in threads:
        t.start()
    now = time.perf_counter()
    bounds["measure_from"] = now + warmup
    bounds["stop_at"] = now + warmup + seconds
    start_barrier.wait()
    for t in threads:
        t.join(timeout=warmup + seconds + 120)
    done = len(measured.latencies)
    return {"requests": done, "sent": done + len(warm.latencies), "seconds": seconds,
            "throughput": done / seconds, "latencies": measured.latencies,
            "errors": measured.errors + warm.errors, "error_samples": (warm.samples + measured.samples)[:5]}


def open_loop(port: int, path: str, schedule: list[tuple[float, object]], make_request, check, *,
              pool: int = 64, timeout: float = 30) -> dict:
    """Send request i at `schedule[i][0]` seconds after the start (paced, not back to back) from a
    pool of `pool` threads with keep-alive connections. Latency counts from the scheduled moment,
    so a request that waited for a free client thread is charged for the wait.

    make_request(item) -> (body bytes, headers), called when the request is due.
    """
    tally = Tally()
    jobs = sorted(schedule, key=lambda s: s[0])
    next_job = [0]
    lock = threading.Lock()
    late = [0.0]
    started = time.perf_counter() + 0.2

    def worker():
        conn = KeepAlive(port, timeout=timeout)
        try:
            while True:
                with lock:
                    if next_job[0] >= len(jobs):
                        return
                    at, item = jobs[next_job[0]]
                    next_job[0] += 1
                due = started + at
                wait = due - time.perf_counter()
                if wait > 0:
                    time.sleep(wait)
                else:
                    with lock:
                        late[0] = max(late[0], -wait)
                body, headers = make_request(item)  # built at send time: the code shown now
                status, data, error = conn.post(path, body, headers)
                took = time.perf_counter() - due
                tally.add(took, check(status, data), error or f"HTTP {status}: {data[:200]!r}")
        finally:
            conn.close()

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(pool)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=(jobs[-1][0] if jobs else 0) + 180)
    elapsed = time.perf_counter() - started
    return {"requests": len(tally.latencies), "elapsed": elapsed, "latencies": tally.latencies,
            "errors": tally.errors, "error_samples": tally.samples, "max_start_delay": late[0]}

"""Fast data generation for the benchmarks: bulk INSERT through the database driver (sqlite3
executemany, PostgreSQL COPY through psycopg), never through the API. Rows get explicit ids, so
cross-references need no round trips; PostgreSQL sequences are moved past them afterwards, and
each call first moves its id counters past whatever the app wrote since (pushes may interleave).

API (other bench modules may import it; keep it stable):

    connect(url) -> (kind, conn)
        A raw DBAPI connection to a SQLAlchemy URL: ("sqlite", sqlite3.Connection) with the app's
        pragmas (WAL, foreign keys on, synchronous NORMAL, busy timeout; autocommit mode, so
        BEGIN explicitly), or ("postgresql", psycopg.Connection) (not autocommit). Close it.

    bulk_insert(kind, conn, table, columns, rows, *, ready=False)
        Rows (tuples in `columns` order) into `table` in the caller's transaction: executemany on
        SQLite, COPY on PostgreSQL. Values: aware datetimes, dates, lists/dicts (JSON), or with
        ready=True values already in driver form (see db_time, sqlite_value).
    db_time(kind, datetime) -> str;  sqlite_value(value)     values as the app's types store them

    build_world(url, *, branches=4, members_per_branch=500, events_per_branch=125,
                live=True, member_accounts=True, newcomer=False) -> World
        A committee, `branches` branches, their members (the first member of each branch is its
        secretary, with a BranchRole), a user account per member (username f"m{member_id}",
        password PASSWORD, hashed with BENCH_CONFIG's cheapest Argon2 profile; member_accounts=
        False: secretaries only), a device row per user (device_key DEVICE_KEY) and
        events_per_branch events per branch (see add_events). newcomer=True adds one more member
        of the first branch (World.newcomer_member_id) who gets only a few records in
        grow_history. Member and event rows get their change_entry rows, as the app's flush hook
        would have written, and sync_clock follows.

    add_events(world, per_branch, *, live=True) -> {branch_id: [event ids]}
        More events for every branch (also appended to world.events / event_order). live=True:
        on now (check-in open from 90 min ago to 3.5 h from now), so pushes are accepted;
        live=False: from a year ago onwards, 6 h apart.

    grow_history(world, total, *, per_version=50) -> seconds
        Append attendance records (+ one change_entry each, `per_version` records per committed
        version, as pushes of 50 would) until the world has `total` history records. Pairs are
        unique (member, event): record i is member i % M (branches interleaved) at event i // M
        of world.event_order, so a larger history extends a smaller one; records are kept by the
        event's branch. The newcomer (if any) gets a record at the start of every 50th event.
        No scan rows (pull never reads them). PostgreSQL: FK triggers off for the load when the
        role is a superuser (rows are consistent by construction), then VACUUM ANALYZE.

    app_for(world) -> Flask app (BENCH_CONFIG);  bearer(app, user_id) -> {"Authorization": ...}
    now_ms(), iso_ms(datetime)

World fields: url, kind, committee_id, branch_ids, members {branch: [member ids]} (newcomer
excluded), member_branch {member: branch}, secretary_member / secretary_user {branch: id},
user_of {member id: user id}, device_of {user id: device row id}, events {branch: [event ids]},
event_order [event ids], event_info {event id: (branch, title, starts_at, code secret)},
history (records grown), version (last change version), newcomer_member_id.
"""
from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import json
import secrets
import sqlite3
import time

import sqlalchemy as sa

from bench.common import BENCH_CONFIG
from sync import clock

PASSWORD = "bench-password"
DEVICE_KEY = "bench-device-0001"
CHINA = dt.timezone(dt.timedelta(hours=8))
UTC = dt.timezone.utc

# Tables whose ids we set explicitly (PostgreSQL sequences are fixed after each load).
_SERIAL_TABLES = ("committee", "branch", "member", "branch_role", "user_account", "device", "event",
                  "record", "change_entry")


@dataclasses.dataclass
class World:
    url: str
    kind: str
    committee_id: int = 0
    branch_ids: list[int] = dataclasses.field(default_factory=list)
    members: dict[int, list[int]] = dataclasses.field(default_factory=dict)
    member_branch: dict[int, int] = dataclasses.field(default_factory=dict)
    secretary_member: dict[int, int] = dataclasses.field(default_factory=dict)
    secretary_user: dict[int, int] = dataclasses.field(default_factory=dict)
    user_of: dict[int, int] = dataclasses.field(default_factory=dict)
    device_of: dict[int, int] = dataclasses.field(default_factory=dict)
    events: dict[int, list[int]] = dataclasses.field(default_factory=dict)
    event_order: list[int] = dataclasses.field(default_factory=list)
    event_info: dict[int, tuple] = dataclasses.field(default_factory=dict)
    history: int = 0
    version: int = 0
    newcomer_member_id: int | None = None
    _next: dict[str, int] = dataclasses.field(default_factory=dict)

    def ids(self, table: str, n: int) -> range:
        start = self._next.get(table, 1)
        self._next[table] = start + n
        return range(start, start + n)


def now_ms() -> int:
    return clock.now_ms()


def iso_ms(moment: dt.datetime) -> int:
    return int(moment.timestamp() * 1000)


# ------------------------------------------------------------------------------------- driver


def connect(url: str):
    u = sa.make_url(url)
    if u.get_backend_name() == "sqlite":
        conn = sqlite3.connect(u.database, isolation_level=None, timeout=30, check_same_thread=False)
        for pragma in ("journal_mode=WAL", "foreign_keys=ON", "busy_timeout=30000", "synchronous=NORMAL"):
            conn.execute(f"PRAGMA {pragma}")
        return "sqlite", conn
    import psycopg

    return "postgresql", psycopg.connect(u.set(drivername="postgresql").render_as_string(hide_password=False))


def sqlite_value(value):
    """What SQLAlchemy's SQLite types bind: naive-UTC text timestamps, ISO dates, JSON text."""
    if isinstance(value, dt.datetime):
        return value.astimezone(UTC).replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (list, dict)):
        return json.dumps(value)
    return value


def bulk_insert(kind: str, conn, table: str, columns: tuple[str, ...], rows, *, ready: bool = False) -> None:
    """Insert rows (tuples in `columns` order) in the caller's transaction: executemany on
    SQLite, COPY on PostgreSQL. Python values: datetimes (aware), dates, lists/dicts (JSON);
    ready=True: the values are already what the driver takes (`db_time` text, JSON text)."""
    if kind == "sqlite":
        sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
        conn.executemany(sql, rows if ready else ([sqlite_value(v) for v in row] for row in rows))
        return
    with conn.cursor() as cur, cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row if ready else [json.dumps(v) if isinstance(v, (list, dict)) else v for v in row])


def db_time(kind: str, moment: dt.datetime) -> str:
    """A timestamp as text either backend stores as the app would (naive UTC text on SQLite)."""
    if kind == "sqlite":
        return sqlite_value(moment)
    return moment.astimezone(UTC).isoformat()


def _begin(kind, conn):
    if kind == "sqlite":
        conn.execute("BEGIN IMMEDIATE")


def _commit(kind, conn, tables=()):
    if kind == "postgresql":
        with conn.cursor() as cur:
            for table in tables:
                cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                            f"(SELECT coalesce(max(id), 1) FROM {table}))")
    conn.commit()


def _catch_up(conn, world: World, tables) -> None:
    """Move the id counters and the version past what the app wrote since (pushes, pulls)."""
    for table in tables:
        top = conn.execute(f"SELECT max(id) FROM {table}").fetchone()[0] or 0
        world._next[table] = max(world._next.get(table, 1), top + 1)
    world.version = max(world.version, conn.execute("SELECT value FROM sync_clock WHERE id = 1").fetchone()[0])


def _password_hash() -> str:
    from argon2 import PasswordHasher

    from server.core.security import PROFILES

    return PasswordHasher.from_parameters(PROFILES[BENCH_CONFIG["PASSWORD_HASH_PROFILE"]]).hash(PASSWORD)


def _set_clock(kind, conn, version: int) -> None:
    conn.execute("UPDATE sync_clock SET value = %s WHERE id = 1".replace("%s", "?" if kind == "sqlite" else "%s"),
                 (version,))


# -------------------------------------------------------------------------------------- world


def build_world(url: str, *, branches: int = 4, members_per_branch: int = 500, events_per_branch: int = 125,
                live: bool = True, member_accounts: bool = True, newcomer: bool = False) -> World:
    kind, conn = connect(url)
    world = World(url=url, kind=kind)
    now = clock.now().replace(microsecond=0)
    pw = _password_hash()
    try:
        _begin(kind, conn)
        world.committee_id = world.ids("committee", 1)[0]
        bulk_insert(kind, conn, "committee", ("id", "name", "created_at"), [(world.committee_id, "县委组织部", now)])
        world.branch_ids = list(world.ids("branch", branches))
        bulk_insert(kind, conn, "branch", ("id", "committee_id", "name", "sector", "created_at"),
                    [(b, world.committee_id, f"第{b}党支部", "village", now) for b in world.branch_ids])
        member_rows, role_rows, user_rows, device_rows, change_rows = [], [], [], [], []
        extra = 1 if newcomer else 0
        for bi, b in enumerate(world.branch_ids):
            ids = list(world.ids("member", members_per_branch + (extra if bi == 0 else 0)))
            if newcomer and bi == 0:
                world.newcomer_member_id = ids.pop()
                member_rows.append((world.newcomer_member_id, b, "新同志", "probationary", "employed", now))
                world.member_branch[world.newcomer_member_id] = b
            world.members[b] = ids
            for m in ids:
                member_rows.append((m, b, f"党员{m}", "full", "employed", now))
                world.member_branch[m] = b
            world.secretary_member[b] = ids[0]
            role_rows.append((world.ids("branch_role", 1)[0], b, ids[0], "secretary", dt.date(2020, 1, 1)))
        accounts = [m for b in world.branch_ids for m in (world.members[b] if member_accounts
                                                           else [world.secretary_member[b]])]
        if world.newcomer_member_id:
            accounts.append(world.newcomer_member_id)
        for m in accounts:
            u = world.ids("user_account", 1)[0]
            world.user_of[m] = u
            user_rows.append((u, f"m{m}", pw, m, True, "zh-CN", now))
            d = world.ids("device", 1)[0]
            world.device_of[u] = d
            device_rows.append((d, DEVICE_KEY, u, now, now, 0, 1))
        for b in world.branch_ids:
            world.secretary_user[b] = world.user_of[world.secretary_member[b]]
        bulk_insert(kind, conn, "member", ("id", "branch_id", "name", "status", "dues_category", "created_at"),
                    member_rows)
        bulk_insert(kind, conn, "branch_role", ("id", "branch_id", "member_id", "role", "starts_on"), role_rows)
        bulk_insert(kind, conn, "user_account", ("id", "username", "password_hash", "member_id", "is_active",
                                                 "locale", "created_at"), user_rows)
        bulk_insert(kind, conn, "device", ("id", "device_key", "user_id", "first_seen_at", "last_seen_at",
                                           "clock_offset_ms", "protocol_version"), device_rows)
        world.version = 1
        for row in member_rows:
            change_rows.append((world.ids("change_entry", 1)[0], 1, "member", row[0], "upsert", None, row[0], row[1]))
        bulk_insert(kind, conn, "change_entry", ("id", "version", "entity", "entity_id", "op", "branch_id",
                                                 "member_id", "home_branch_id"), change_rows)
        _set_clock(kind, conn, world.version)
        _commit(kind, conn, _SERIAL_TABLES)
    finally:
        conn.close()
    if events_per_branch:
        add_events(world, events_per_branch, live=live)
    return world


def add_events(world: World, per_branch: int, *, live: bool = True) -> dict[int, list[int]]:
    """per_branch more events for every branch; live ones are open for check-in now, the others
    are spread over the past year (one every few hours). Interleaved across branches in time."""
    kind, conn = connect(world.url)
    _catch_up(conn, world, ("event", "change_entry"))
    now = clock.now().replace(microsecond=0)
    created: dict[int, list[int]] = {b: [] for b in world.branch_ids}
    rows, change_rows = [], []
    n = per_branch * len(world.branch_ids)
    ids = world.ids("event", n)
    version = world.version + 1
    for k, e in enumerate(ids):
        b = world.branch_ids[k % len(world.branch_ids)]
        starts = now - dt.timedelta(hours=1) if live else now - dt.timedelta(days=365) + dt.timedelta(hours=6 * k)
        ends = starts + dt.timedelta(hours=4) if live else starts + dt.timedelta(hours=2)
        secret = base64.b32encode(secrets.token_bytes(32)).decode().rstrip("=")
        title = f"活动{e}"
        rows.append((e, b, "general_assembly", title, starts, ends, starts - dt.timedelta(minutes=30),
                     ends + dt.timedelta(minutes=30), "planned", secret, now))
        change_rows.append((world.ids("change_entry", 1)[0], version, "event", e, "upsert", b, None, None))
        created[b].append(e)
        world.events.setdefault(b, []).append(e)
        world.event_order.append(e)
        world.event_info[e] = (b, title, starts, secret)
    try:
        _begin(kind, conn)
        bulk_insert(kind, conn, "event", ("id", "branch_id", "kind", "title", "starts_at", "ends_at",
                                          "checkin_opens_at", "checkin_closes_at", "status", "code_secret",
                                          "created_at"), rows)
        bulk_insert(kind, conn, "change_entry", ("id", "version", "entity", "entity_id", "op", "branch_id",
                                                 "member_id", "home_branch_id"), change_rows)
        world.version = version
        _set_clock(kind, conn, version)
        _commit(kind, conn, ("event", "change_entry"))
    finally:
        conn.close()
    return created


_RECORD_COLUMNS = ("id", "member_id", "branch_id", "kind", "event_id", "occurred_on", "title", "checkin_method",
                   "checked_in_at", "source_nonce", "review_flags", "created_by_id", "created_at", "updated_at",
                   "version")
_CHANGE_COLUMNS = ("id", "version", "entity", "entity_id", "op", "branch_id", "member_id", "home_branch_id")


def grow_history(world: World, total: int, *, per_version: int = 50, chunk: int = 50_000) -> float:
    """Append records (and their change rows) until the world has `total` history records."""
    started = time.perf_counter()
    members = [m for b in world.branch_ids for m in world.members[b]]
    # Interleave branches so every event's attendees come from every branch (a joint activity).
    members = [members[(i % len(world.branch_ids)) * (len(members) // len(world.branch_ids))
                       + i // len(world.branch_ids)] for i in range(len(members))]
    n_members = len(members)
    if total > n_members * len(world.event_order):
        raise ValueError(f"{total} unique (member, event) pairs need more members or events")
    kind, conn = connect(world.url)
    _catch_up(conn, world, ("record", "change_entry"))
    if kind == "sqlite":
        conn.execute("PRAGMA cache_size = -262144")  # 256 MiB: the indexes being filled stay in memory
    created_at = clock.now().replace(microsecond=0)
    version = world.version
    in_version = 0

    per_event = {}
    for event in world.event_order:
        branch, title, starts, _ = world.event_info[event]
        # Check-in times: the start plus 0-59 s, as text the driver stores without converting.
        times = [db_time(kind, starts + dt.timedelta(seconds=s)) for s in range(60)]
        per_event[event] = (branch, title, times, starts.astimezone(CHINA).date().isoformat())
    home = world.member_branch
    user_of = world.user_of
    newcomer = world.newcomer_member_id
    created_at = db_time(kind, created_at)

    def rows(start: int, stop: int):
        nonlocal version, in_version
        next_record = world.ids("record", 0).start
        next_change = world.ids("change_entry", 0).start
        for i in range(start, stop):
            event = world.event_order[i // n_members]
            branch, title, times, day = per_event[event]
            attendees = (members[i % n_members],)
            if newcomer and i % n_members == 0 and (i // n_members) % 50 == 0:
                attendees = (newcomer, members[0])
            for member in attendees:
                if in_version == 0:
                    version += 1
                in_version = (in_version + 1) % per_version
                rid, cid = next_record, next_change
                next_record += 1
                next_change += 1
                yield ((rid, member, branch, "attendance", event, day, title, "event_code", times[i % 60],
                        f"h{rid:015d}", "[]", user_of.get(member), created_at, created_at, 1),
                       (cid, version, "record", rid, "upsert", branch, member, home[member]))
        world._next["record"] = next_record
        world._next["change_entry"] = next_change

    try:
        _begin(kind, conn)
        if kind == "postgresql" and conn.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user").fetchone()[0]:
            # Skip the per-row foreign-key triggers of this load (as pg_restore --disable-triggers
            # does): the rows are consistent by construction. Ends with the transaction.
            conn.execute("SET LOCAL session_replication_role = replica")
        for start in range(world.history, total, chunk):
            batch = list(rows(start, min(start + chunk, total)))
            bulk_insert(kind, conn, "record", _RECORD_COLUMNS, (r for r, _ in batch), ready=True)
            bulk_insert(kind, conn, "change_entry", _CHANGE_COLUMNS, (c for _, c in batch), ready=True)
        world.history = max(world.history, total)
        world.version = version
        _set_clock(kind, conn, version)
        _commit(kind, conn, ("record", "change_entry"))
        if kind == "postgresql":
            # What autovacuum would have done by then on a real server: fresh planner statistics.
            conn.autocommit = True
            conn.execute("VACUUM ANALYZE record")
            conn.execute("VACUUM ANALYZE change_entry")
    finally:
        conn.close()
    return time.perf_counter() - started


# ---------------------------------------------------------------------------------------- app


def app_for(world: World):
    from server import create_app

    return create_app({**BENCH_CONFIG, "SQLALCHEMY_DATABASE_URI": world.url})


def bearer(app, user_id: int) -> dict:
    from flask_jwt_extended import create_access_token

    from server.auth.models import User
    from server.auth.operations import open_session
    from server.core.db import db

    with app.app_context():
        user = db.session.get(User, user_id)
        token = create_access_token(user, expires_delta=dt.timedelta(hours=2),
                                    additional_claims={"sid": open_session(user)})
        db.session.commit()
    return {"Authorization": f"Bearer {token}"}

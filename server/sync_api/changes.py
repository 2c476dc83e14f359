"""The change feed that pull serves.

Every insert, update or delete of a record, event, card or member is noted when the session
flushes (no operation can forget to), and a commit stamps all of a transaction's changes with
one version taken from SyncClock. Set-based code that writes through Core (the push ingest)
adds its rows with `emit_rows`.

Why a clock row and not a sequence: sequence values are handed out at insert time, so a
transaction that took value 7 can commit after one that took 8, and a puller that already saw 8
would skip 7 forever. Bumping one row at commit time holds its row lock until the transaction
ends, so versions become visible strictly in commit order. The lock is taken last, for the few
milliseconds of the commit itself.
"""
from __future__ import annotations

import functools

import sqlalchemy as sa
from flask_sqlalchemy.session import Session

from server.cards.models import Card
from server.core.enums import CardStatus
from server.events.models import Event
from server.org.models import FloatingMembership, Member
from server.core.statements import (
    column_array_values, column_arrays, execute, insert_rows, prepared, session_dialect,
)
from server.records.models import Record
from server.sync_api.models import ChangeEntry, SyncClock

_KEY = "zhibu_changes"
_WITH_COMMIT = "zhibu_with_commit"  # rows written by the commit's statement (`insert_with_commit`)


def emit_rows(session, rows: list[dict]) -> None:
    """Changes already reduced to their scope columns (set-based Core writes)."""
    if rows:
        session.info.setdefault(_KEY, []).extend(rows)


def insert_with_commit(session, table: sa.Table, row: dict, conflict: list[str]) -> None:
    """Insert `row` (ON CONFLICT (conflict) DO NOTHING) when the transaction commits. On
    PostgreSQL it goes into the statement that moves the clock and writes the changes: a write
    nothing waits for (a push's receipt) then costs no round trip of its own. Without changes to
    write, or on SQLite, it is a statement of its own at the commit."""
    session.info.setdefault(_WITH_COMMIT, []).append((table, row, conflict))


def _row(entity: str, entity_id: int, op: str = "upsert", *, branch_id=None, member_id=None, home_branch_id=None):
    return {"entity": entity, "entity_id": entity_id, "op": op, "branch_id": branch_id,
            "member_id": member_id, "home_branch_id": home_branch_id}


def _rows_for(session, obj, deleted: bool) -> list[dict]:
    # Relationships of just-flushed objects may not be loaded: look members up by id instead.
    def home(member_id):
        return session.get(Member, member_id).branch_id

    op = "delete" if deleted else "upsert"
    if isinstance(obj, Record):
        return [_row("record", obj.id, op, branch_id=obj.branch_id, member_id=obj.member_id,
                     home_branch_id=home(obj.member_id))]
    if isinstance(obj, Event):
        return [_row("event", obj.id, op, branch_id=obj.branch_id)]
    if isinstance(obj, Card):
        if not deleted and obj.status != CardStatus.active:
            op = "revoke"  # every device that verifies cards must learn it
        return [_row("card", obj.id, op, member_id=obj.member_id, home_branch_id=home(obj.member_id))]
    if isinstance(obj, Member):
        return [_row("member", obj.id, op, member_id=obj.id, home_branch_id=obj.branch_id)]
    if isinstance(obj, FloatingMembership):
        # The host branch's devices learn of the member (their name, for card scans).
        return [_row("member", obj.member_id, "upsert", branch_id=obj.host_branch_id, member_id=obj.member_id,
                     home_branch_id=home(obj.member_id))]
    return []


@sa.event.listens_for(Session, "after_flush")
def _collect(session, _context) -> None:
    rows = []
    for obj in session.new:
        rows += _rows_for(session, obj, deleted=False)
    for obj in session.dirty:
        if session.is_modified(obj, include_collections=False):
            rows += _rows_for(session, obj, deleted=False)
    for obj in session.deleted:
        rows += _rows_for(session, obj, deleted=True)
    if rows:
        session.info.setdefault(_KEY, []).extend(rows)


@prepared
def _bump(_dialect):
    t = SyncClock.__table__
    return sa.update(t).where(t.c.id == 1).values(value=t.c.value + 1).returning(t.c.value)


def bump_clock(session) -> int:
    return execute(_bump, session=session).scalar_one()


_FEED_COLUMNS = ["entity", "entity_id", "op", "branch_id", "member_id", "home_branch_id"]


@functools.cache
def _clock_and_feed(inserts: tuple = ()):
    """PostgreSQL: the clock moved and the transaction's changes written under its new value in one
    statement (one round trip fewer for every writing request; SQLite cannot update in a WITH).
    With `inserts` (table, columns, conflict: one row each, from `insert_with_commit`), those rows
    are inserted by the same statement too, as data-modifying CTEs; their parameters are w<i>_<j>,
    the j-th column of the i-th row. Built once per shape."""
    ctes, binds = [], []
    for i, (table, columns, conflict) in enumerate(inserts):
        params = [f"w{i}_{j}" for j in range(len(columns))]
        binds += [sa.bindparam(param, type_=table.c[name].type) for name, param in zip(columns, params)]
        ctes.append(f"w{i} AS (INSERT INTO {table.name} ({', '.join(columns)}) "
                    f"VALUES ({', '.join(':' + param for param in params)}) "
                    f"ON CONFLICT ({', '.join(conflict)}) DO NOTHING), ")
    names = ", ".join(_FEED_COLUMNS)
    arrays = column_arrays(ChangeEntry.__table__, _FEED_COLUMNS, _FEED_COLUMNS)
    return prepared(lambda _dialect: sa.text(
        f"WITH {''.join(ctes)}clock AS (UPDATE sync_clock SET value = value + 1 WHERE id = 1 RETURNING value) "
        f"INSERT INTO change_entry ({names}, version) SELECT {names}, clock.value "
        f"FROM clock, unnest({arrays}) AS given ({names})"
    ).bindparams(*(sa.bindparam(name, type_=sa.Text) for name in _FEED_COLUMNS), *binds))


def current_version(session) -> int:
    """The latest committed change version (as this transaction sees it)."""
    return session.scalar(sa.select(SyncClock.value).where(SyncClock.id == 1)) or 0


@sa.event.listens_for(Session, "before_commit")
def _stamp(session) -> None:
    session.flush()
    rows = session.info.pop(_KEY, None)
    later = session.info.pop(_WITH_COMMIT, None) or ()
    if rows and session_dialect(session) == "postgresql":
        params = column_array_values(ChangeEntry.__table__, rows, _FEED_COLUMNS, _FEED_COLUMNS)
        for i, (_table, row, _conflict) in enumerate(later):
            params.update({f"w{i}_{j}": value for j, value in enumerate(row.values())})
        shapes = tuple((table, tuple(row), tuple(conflict)) for table, row, conflict in later)
        execute(_clock_and_feed(shapes), params, session=session)
        return
    if rows:
        version = bump_clock(session)
        insert_rows(ChangeEntry.__table__, [{**row, "version": version} for row in rows], session=session)
    for table, row, conflict in later:
        insert_rows(table, [row], conflict=conflict, session=session)


@sa.event.listens_for(Session, "after_rollback")
def _forget(session) -> None:
    session.info.pop(_KEY, None)
    session.info.pop(_WITH_COMMIT, None)

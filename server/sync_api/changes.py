"""The change feed: operations call `emit`; the commit stamps all of a transaction's changes with
one version taken from SyncClock.

Why a clock row and not a sequence: sequence values are handed out at insert time, so a
transaction that took value 7 can commit after one that took 8, and a puller that already saw 8
would skip 7 forever. Bumping one row at commit time holds its row lock until the transaction
ends, so versions become visible strictly in commit order. The lock is taken last, for the few
milliseconds of the commit itself.
"""
from __future__ import annotations

import sqlalchemy as sa
from flask_sqlalchemy.session import Session

from server.sync_api.models import ChangeEntry, SyncClock

_KEY = "zhibu_changes"


def emit(session, entity: str, obj, op: str = "upsert", *, branch_id: int | None = None) -> None:
    """Note that `obj` changed; `branch_id` overrides the scope (e.g. a host branch for a member)."""
    session.info.setdefault(_KEY, []).append((entity, obj, op, branch_id))


def emit_row(session, row: dict) -> None:
    """A change already reduced to its scope columns (set-based code paths)."""
    session.info.setdefault(_KEY, []).append(row)


def _scope(entity: str, obj, op: str, branch_id: int | None) -> dict:
    row = {"entity": entity, "entity_id": obj.id, "op": op,
           "branch_id": branch_id, "member_id": None, "home_branch_id": None}
    if entity == "record":
        row.update(branch_id=obj.branch_id, member_id=obj.member_id, home_branch_id=obj.member.branch_id)
    elif entity == "event":
        row.update(branch_id=obj.branch_id)
    elif entity == "card":
        row.update(member_id=obj.member_id, home_branch_id=obj.member.branch_id)
    elif entity == "member":
        row.update(member_id=obj.id, home_branch_id=obj.branch_id)
    return row


def bump_clock(session) -> int:
    return session.execute(
        sa.update(SyncClock).where(SyncClock.id == 1).values(value=SyncClock.value + 1).returning(SyncClock.value)
    ).scalar_one()


def current_version(session) -> int:
    return session.scalar(sa.select(SyncClock.value).where(SyncClock.id == 1)) or 0


@sa.event.listens_for(Session, "before_commit")
def _stamp_changes(session) -> None:
    pending = session.info.get(_KEY)
    if not pending:
        return
    session.flush()
    rows = [item if isinstance(item, dict) else _scope(*item) for item in session.info.pop(_KEY)]
    version = bump_clock(session)
    session.execute(sa.insert(ChangeEntry), [{**row, "version": version} for row in rows])


@sa.event.listens_for(Session, "after_rollback")
def _forget_changes(session) -> None:
    session.info.pop(_KEY, None)

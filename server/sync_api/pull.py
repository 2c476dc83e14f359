"""Pull: the changes after a cursor that the caller may see, with the current state of each entity.

The cursor is `<version>.<id>.<scope>`: the last change served, and a fingerprint of what the
caller may see. When the caller's scope changes (a new post, a new host branch), older changes
may have become visible, so the server answers `reset` and serves everything from the start.
"""
from __future__ import annotations

import hashlib

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import selectinload

from server.auth.access import Principal
from server.cards.models import Card
from server.cards.signing import card_qr
from server.core.db import db
from server.events.models import Event
from server.org.models import Member
from server.records.models import Record
from server.sync_api.changes import current_version
from server.sync_api.models import ChangeEntry


def scope_fingerprint(p: Principal) -> str:
    parts = [p.user_id, p.member_id, p.home_branch_id, sorted(p.managed_branch_ids),
             sorted(p.overseen_branch_ids), sorted(p.host_branch_ids)]
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:12]


def parse_cursor(cursor: str | None, fingerprint: str) -> tuple[tuple[int, int], bool]:
    """((version, id) to continue after, reset?)."""
    if not cursor:
        return (0, 0), False
    try:
        version, last_id, scope = cursor.split(".")
        position = (int(version), int(last_id))
    except ValueError:
        return (0, 0), True
    if scope != fingerprint or position[0] < 0 or position[1] < 0:
        return (0, 0), True
    return position, False


def visible(p: Principal):
    see = p.managed_branch_ids | p.overseen_branch_ids
    event_branches = see | p.host_branch_ids | ({p.home_branch_id} if p.home_branch_id else set())
    me = p.member_id if p.member_id is not None else -1
    E = ChangeEntry
    return sa.or_(
        sa.and_(E.entity == "record", sa.or_(E.member_id == me, E.branch_id.in_(see), E.home_branch_id.in_(see))),
        sa.and_(E.entity == "event", E.branch_id.in_(event_branches)),
        # Every device that verifies cards learns every revocation.
        sa.and_(E.entity == "card", sa.or_(E.member_id == me, E.home_branch_id.in_(see),
                                           sa.and_(E.op == "revoke", sa.literal(bool(p.managed_branch_ids))))),
        sa.and_(E.entity == "member", sa.or_(E.member_id == me, E.home_branch_id.in_(see),
                                             E.branch_id.in_(p.managed_branch_ids))),
    )


def pull(p: Principal, cursor: str | None, limit: int) -> dict:
    fingerprint = scope_fingerprint(p)
    (version, last_id), reset = parse_cursor(cursor, fingerprint)
    # Read before the changes: every version up to it is committed, hence seen by the query below.
    clock = current_version(db.session)
    rows = db.session.scalars(
        sa.select(ChangeEntry)
        .where(sa.tuple_(ChangeEntry.version, ChangeEntry.id) > sa.tuple_(version, last_id), visible(p))
        .order_by(ChangeEntry.version, ChangeEntry.id)
        .limit(limit + 1)
    ).all()
    has_more = len(rows) > limit
    rows = rows[:limit]
    if rows:
        version, last_id = rows[-1].version, rows[-1].id
    if not has_more and clock > version:
        # Nothing more for this caller up to `clock`: move past it, so a member whose last visible
        # change is old does not rescan everyone else's changes at the next pull.
        version, last_id = clock, 2**62  # past every change of that version
    # The latest change per entity wins within a page; its current state is what is served.
    latest: dict[tuple[str, int], ChangeEntry] = {}
    for row in rows:
        latest.pop((row.entity, row.entity_id), None)
        latest[(row.entity, row.entity_id)] = row
    return {
        "cursor": f"{version}.{last_id}.{fingerprint}",
        "has_more": has_more,
        "reset": reset,
        "changes": serialize(p, list(latest.values())),
    }


def _load(model, ids, *options):
    if not ids:
        return {}
    return {o.id: o for o in db.session.scalars(sa.select(model).where(model.id.in_(ids)).options(*options))}


def serialize(p: Principal, rows: list[ChangeEntry]) -> list[dict]:
    ids: dict[str, set[int]] = {"record": set(), "event": set(), "card": set(), "member": set()}
    for row in rows:
        ids[row.entity].add(row.entity_id)
    # Records and cards need their member (name, home branch): loaded with them in one more
    # query, not one lazy load per row.
    loaded = {"record": _load(Record, ids["record"], selectinload(Record.member)),
              "event": _load(Event, ids["event"]),
              "card": _load(Card, ids["card"], selectinload(Card.member)), "member": _load(Member, ids["member"])}
    out = []
    for row in rows:
        obj = loaded[row.entity].get(row.entity_id)
        if obj is None:
            out.append({"entity": row.entity, "op": "delete", "id": row.entity_id, "data": None})
            continue
        data = SERIALIZERS[row.entity](p, obj)
        op = "revoke" if row.entity == "card" and data["status"] != "active" else "upsert"
        out.append({"entity": row.entity, "op": op, "id": row.entity_id, "data": data})
    return out


def _iso(value):
    return value.isoformat() if value is not None else None


def record_data(p: Principal, r: Record) -> dict:
    return {
        "id": r.id, "member_id": r.member_id, "member_name": r.member.name, "branch_id": r.branch_id,
        "event_id": r.event_id, "kind": r.kind.value, "title": r.title, "occurred_on": _iso(r.occurred_on),
        "checked_in_at": _iso(r.checked_in_at), "checkin_method": r.checkin_method.value if r.checkin_method else None,
        "manual_reason": r.manual_reason, "review_flags": list(r.review_flags or []), "status": r.status.value,
        "acknowledged_at": _iso(r.acknowledged_at), "confirmed_at": _iso(r.confirmed_at), "version": r.version,
        # A member's own study or service record (server/service): its post, photo and refusal.
        "service_post_id": r.service_post_id, "has_photo": bool(r.photo), "refused_reason": r.refused_reason,
    }


def event_data(p: Principal, e: Event) -> dict:
    data = {
        "id": e.id, "branch_id": e.branch_id, "branch_name": e.branch.name, "group_id": e.group_id, "kind": e.kind.value, "title": e.title,
        "theme": e.theme, "place": e.place, "starts_at": _iso(e.starts_at), "ends_at": _iso(e.ends_at),
        "checkin_opens_at": _iso(e.checkin_opens_at), "checkin_closes_at": _iso(e.checkin_closes_at),
        "status": e.status.value, "notice": e.notice, "notice_published_at": _iso(e.notice_published_at),
        "cancel_reason": e.cancel_reason,
    }
    # Only devices of people who may run the event ever receive its code secret.
    if p.manages(e.branch_id):
        data["code_secret"] = e.code_secret
        data["code_step_seconds"] = current_app.config["EVENT_CODE_STEP_SECONDS"]
    return data


def card_data(p: Principal, c: Card) -> dict:
    data = {"id": c.id, "serial": c.serial, "member_id": c.member_id, "status": c.status.value}
    if c.member_id == p.member_id or p.manages(c.member.branch_id):
        data.update(kind=c.kind.value, expires_on=_iso(c.expires_on))
    if c.member_id == p.member_id and c.status.value == "active":
        data["qr"] = card_qr(c)
    return data


def member_data(p: Principal, m: Member) -> dict:
    return {"id": m.id, "name": m.name, "branch_id": m.branch_id, "group_id": m.group_id,
            "status": m.status.value, "left_on": _iso(m.left_on)}


SERIALIZERS = {"record": record_data, "event": event_data, "card": card_data, "member": member_data}

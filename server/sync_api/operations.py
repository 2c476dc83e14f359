"""Push (ingest a batch of client mutations) and pull (serve the change feed).

Push is set-based so that a reconnecting phone's 500 offline scans cost a dozen statements, not
thousands: facts are loaded in bulk, each claim is judged by the pure rules in `sync.merge`,
records are inserted with ON CONFLICT DO NOTHING on (member, event) and scans with ON CONFLICT
DO NOTHING on their nonce. Whatever races with this transaction (another device, a retry of the
same request on another worker), the database's unique constraints decide and the loser reads
the winner's answer.
"""
from __future__ import annotations

import dataclasses
import functools
import datetime as dt
import hashlib
import json
from collections import defaultdict
from typing import NamedTuple

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.dialects import postgresql, sqlite

from server.auth.access import Principal
from server.cards.models import Card
from server.cards.signing import trusted_public_keys
from server.core.api import abort
from server.core.cache import app_cache, generations
from server.core.statements import (
    array_literal, column_array_values, column_arrays, dialect_name, execute, insert_rows, prepared,
)
from server.core.db import UTCDateTime, db
from server.core.enums import CheckinMethod, EventStatus, RecordKind
from server.dues import operations as dues_operations
from server.events.models import Event
from server.org.models import FloatingMembership, Member
from server.records import operations as record_operations
from server.records.models import Record
from server.sync_api import changes as change_feed
from server.sync_api.models import Device, MutationLog, PushReceipt, Scan, ScanTally
from sync import PROTOCOL_VERSION, clock
from sync.cards import verify_card
from sync.clock import CHINA
from sync.eventcode import parse_event_qr
from sync.merge import (
    REJECTIONS, Claim, EventFacts, Policy, WrongCodeLimit, card_register_verdict, earlier, judge_checkin, resolve,
)
from sync.messages import CHECKIN_TYPES, parse_mutation

_METHOD = {"checkin_event_code": "event_code", "checkin_card": "card_scan", "checkin_manual": "manual"}
_CHECKIN_METHODS = {method.value: method for method in CheckinMethod}  # a look-up, not Enum's call per row


def to_ms(moment: dt.datetime) -> int:
    return int(moment.timestamp() * 1000)


def from_ms(ms: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(ms / 1000, dt.timezone.utc)


def policy() -> Policy:
    cfg = current_app.config
    return Policy(step_seconds=cfg["EVENT_CODE_STEP_SECONDS"], tolerance_steps=cfg["EVENT_CODE_TOLERANCE_STEPS"],
                  late_delivery_seconds=cfg["SYNC_LATE_DELIVERY_SECONDS"],
                  clock_skew_seconds=cfg["SYNC_CLOCK_SKEW_SECONDS"],
                  wrong_codes_per_member=cfg["WRONG_CODES_PER_MEMBER"],
                  wrong_codes_per_device=cfg["WRONG_CODES_PER_DEVICE"],
                  wrong_codes_per_event=cfg["WRONG_CODES_PER_EVENT"])


# Rejections kept one by one in the scan log, per (event, account, phone, reason); the rest are
# only counted (ScanTally), so a flood of wrong codes cannot grow the log.
KEPT_REJECTIONS = 3
# pg_advisory_xact_lock(class, user): one account's pushes of event codes are judged one at a
# time, so concurrent requests cannot each spend the whole guessing allowance.
GUESS_LOCK_CLASS = 0x5A42  # "ZB"


def result(nonce, status, code=None, record_id=None, flags=()) -> dict:
    return {"id": nonce, "status": status, "code": code, "message": REJECTIONS.get(code) if code else None,
            "record_id": record_id, "flags": list(flags)}


def _insert(model):
    """An INSERT that ignores rows conflicting with a unique constraint, on either backend.

    A Core INSERT on the model's table: given a list of rows, the ORM's bulk-insert path would
    also walk every row through the mapper (a third of a 500-scan push), for the same SQL."""
    return (postgresql.insert if dialect_name() == "postgresql" else sqlite.insert)(model.__table__)


def _is_postgresql() -> bool:
    return dialect_name() == "postgresql"


def _among_param(column, name: str, dialect: str):
    """column IN :name, for a statement built once; the value is given by `_among_values`.

    One text parameter whatever the number of values: SQLite expands a list parameter into one
    placeholder per value at every execution (a tenth of a single scan's CPU), and psycopg looked
    up array types for a list; both parse a literal themselves. On PostgreSQL as `IN (SELECT
    unnest(...))`, not `= ANY(...)`: when the planner scans the table (fresh tables without
    statistics), `= ANY` of a parameter compares every row with every value (500 nonces against a
    few thousand scans: 80 ms), where the semi-join hashes them or probes the index."""
    if dialect == "postgresql":
        return column.in_(sa.select(sa.func.unnest(
            sa.cast(sa.bindparam(name, type_=sa.Text), postgresql.ARRAY(column.type)))).scalar_subquery())
    return column.in_(sa.select(sa.column("value")).select_from(
        sa.func.json_each(sa.bindparam(name, type_=sa.Text))).scalar_subquery())


def _among_values(values, column: sa.Column) -> str:
    """The value of an `_among_param` parameter: the values as `column` (a table column; an ORM
    attribute would cost a proxy look-up per call, on every scan) stores them."""
    if _is_postgresql():
        if isinstance(column.type, sa.Integer) and not isinstance(column.type, sa.BigInteger):
            # An event id read from a QR text can be any 53-bit number; beyond the column's range
            # it names no row, and the cast to integer[] would fail the statement.
            values = [v for v in values if -2**31 <= v < 2**31]
        return array_literal(list(values), column.type)
    return json.dumps(list(values))


def _insert_rows(model, rows: list[dict], conflict: list[str], returning: tuple[str, ...]):
    """INSERT rows ... ON CONFLICT (conflict) DO NOTHING RETURNING returning (column names): the rows written."""
    return insert_rows(model.__table__, rows, conflict=conflict, returning=returning)


# ---------------------------------------------------------------------------------------- push


def _device_upsert_statement(dialect: str, synced: bool, offset: bool, after=None):
    """INSERT the device ... ON CONFLICT DO UPDATE (last seen, protocol; the clock offset when
    `offset`, the sync mark when `synced`) RETURNING its id and sync mark as they were. With
    `after` (a one-row FROM clause), the row is selected from it, so it is evaluated first."""
    columns = Device.__table__.c  # (the columns' own types: a clock offset is a big integer)
    values = {"user_id": sa.bindparam("user_id", type_=columns.user_id.type),
              "device_key": sa.bindparam("device_key", type_=columns.device_key.type),
              "first_seen_at": sa.bindparam("now", type_=UTCDateTime),
              "last_seen_at": sa.bindparam("now", type_=UTCDateTime),
              "clock_offset_ms": sa.bindparam("offset_ms", type_=columns.clock_offset_ms.type),
              "protocol_version": sa.bindparam("protocol_version", type_=columns.protocol_version.type),
              **({"synced_at": sa.bindparam("now", type_=UTCDateTime)} if synced else {})}
    stmt = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(Device.__table__)
    if after is None:
        stmt = stmt.values(**values)
    else:
        stmt = stmt.from_select(list(values), sa.select(*(value.label(name) for name, value in values.items()))
                                .select_from(after))
    update = ["last_seen_at", "protocol_version"] + (["clock_offset_ms"] if offset else []) \
        + (["synced_at"] if synced else [])
    return stmt.on_conflict_do_update(
        index_elements=["user_id", "device_key"], set_={name: stmt.excluded[name] for name in update},
    ).returning(Device.__table__.c.id, Device.__table__.c.synced_at)


_DEVICE_UPSERTS = {(synced, offset): prepared(functools.partial(_device_upsert_statement, synced=synced, offset=offset))
                   for synced in (False, True) for offset in (False, True)}


def register_device(user_id: int, device_key: str, offset_ms: int | None, protocol_version: int, *,
                    synced: bool = False):
    """The device row (id, synced_at as it was), created or brought up to date (last seen, clock
    offset; the sync mark when `synced`) in one upsert."""
    return execute(_DEVICE_UPSERTS[synced, offset_ms is not None],
                   {"user_id": user_id, "device_key": device_key, "now": clock.now(), "offset_ms": offset_ms or 0,
                    "protocol_version": protocol_version}).one()


def _device_and_receipt_statement(dialect, guess_lock: bool):
    """The device upsert (as `register_device`) returning also the receipt stored under the
    idempotency key (response and digest, NULL when there is none), in one statement; with
    `guess_lock` (PostgreSQL), the account's guessing lock (see `_wrong_code_limit`) taken first.
    The upsert's row is selected from the lock's, so every push takes the lock before the device
    row: two pushes from one phone cannot each hold one and wait for the other."""
    lock = None
    if guess_lock:
        lock = sa.select(sa.func.pg_advisory_xact_lock(GUESS_LOCK_CLASS, sa.bindparam("user_id", type_=sa.Integer))
                         .label("locked")).cte("guess_lock")
    device = _device_upsert_statement(dialect, synced=False, offset=True, after=lock)
    receipt = PushReceipt.__table__
    stored = sa.and_(receipt.c.user_id == sa.bindparam("user_id", type_=sa.Integer),
                     receipt.c.idempotency_key == sa.bindparam("key", type_=sa.String))
    return device.returning(sa.select(receipt.c.response).where(stored).scalar_subquery().label("response"),
                            sa.select(receipt.c.request_digest).where(stored).scalar_subquery().label("request_digest"))


_DEVICE_AND_RECEIPT = {guess_lock: prepared(functools.partial(_device_and_receipt_statement, guess_lock=guess_lock))
                       for guess_lock in (False, True)}


def push(p: Principal, body: dict, idempotency_key: str | None) -> dict:
    now = clock.now()
    now_ms = to_ms(now)
    key = body.get("idempotency_key") or idempotency_key
    digest = batch_digest(body["mutations"])
    offset_ms = now_ms - body["client_time_ms"]
    # The device is brought up to date (on a replay too: it was seen) by the statement that looks
    # the receipt up; on PostgreSQL it also takes the account's guessing lock when the batch has
    # event codes (`ingest_checkins` counts on it).
    guess_lock = _is_postgresql() and any(
        isinstance(m, dict) and m.get("type") == "checkin_event_code" for m in body["mutations"])
    device = execute(_DEVICE_AND_RECEIPT[guess_lock], {
        "user_id": p.user_id, "device_key": body["device_id"], "now": now, "offset_ms": offset_ms,
        "protocol_version": body["protocol_version"], "key": key}).one()
    if device.request_digest is not None:  # a retried request: its first answer
        if device.request_digest != digest:
            abort(422, message="This idempotency key was used for a different batch; use a new key per batch.")
        return device.response

    results: list[dict | None] = [None] * len(body["mutations"])
    parsed: list[tuple[int, dict]] = []
    first_index: dict[str, int] = {}
    repeats: list[tuple[int, int]] = []  # (index, index of the first item with that nonce)
    for index, raw in enumerate(body["mutations"]):
        mutation, errors = parse_mutation(raw)
        if mutation is None:
            nonce = raw.get("id") if isinstance(raw, dict) and isinstance(raw.get("id"), str) else None
            results[index] = {**result(nonce, "rejected", "malformed"), "errors": errors}
            continue
        if mutation["id"] in first_index:
            repeats.append((index, first_index[mutation["id"]]))
            continue
        first_index[mutation["id"]] = index
        parsed.append((index, mutation))

    checkins = [(i, m) for i, m in parsed if m["type"] in CHECKIN_TYPES]
    others = [(i, m) for i, m in parsed if m["type"] not in CHECKIN_TYPES]
    for index, item in ingest_checkins(p, device, body["device_id"], checkins, now, offset_ms).items():
        results[index] = item
    for index, mutation in others:
        if mutation["type"] == "dues_payment":
            results[index] = dues_operations.apply_payment_mutation(p, mutation, offset_ms)
        else:
            results[index] = apply_record_mutation(p, mutation)
    for index, first in repeats:
        results[index] = results[first]

    response = {
        "protocol_version": PROTOCOL_VERSION,
        "server_time_ms": now_ms,
        "clock_offset_ms": offset_ms,
        "client_update_required": body["protocol_version"] < current_app.config["SYNC_MIN_PROTOCOL_VERSION"],
        "message": None,
        "results": results,
    }
    if response["client_update_required"]:
        response["message"] = "This app is out of date: your scans were received; please update the app."
    if key:  # written with the commit (on PostgreSQL by the change feed's statement)
        change_feed.insert_with_commit(db.session(), PushReceipt.__table__, {
            "user_id": p.user_id, "idempotency_key": key, "response": response, "request_digest": digest,
            "created_at": now}, ["user_id", "idempotency_key"])
    return response


def batch_digest(mutations: list) -> str:
    ids = [m.get("id") if isinstance(m, dict) else None for m in mutations]
    return hashlib.sha256(json.dumps(ids).encode()).hexdigest()


@prepared
def _stored_scans(dialect):
    t = Scan.__table__
    return sa.select(t.c.nonce, t.c.submitted_by_id, t.c.status, t.c.reason_code, t.c.record_id,
                     t.c.review_flags).where(_among_param(t.c.nonce, "nonces", dialect))


@prepared
def _stored_scans_and_tallies(dialect):
    """The stored scans (`_stored_scans`, then `part` 0) and the forged-code tallies of events
    (`part` 1: account, event, phone and count in the submitter, record id and last columns) in
    one statement: a phone's scan needs both."""
    k = ScanTally.__table__
    none = sa.null
    scans = _stored_scans.for_dialect(dialect).add_columns(
        sa.literal_column("0").label("part"), none().label("device_key"), none().label("count"))
    tallies = sa.select(none(), k.c.submitted_by_id, none(), none(), k.c.event_id, none(), sa.literal_column("1"),
                        k.c.device_key, k.c["count"]
                        ).where(_among_param(k.c.event_id, "event_ids", dialect), k.c.reason_code == "forged_code")
    return sa.union_all(scans, tallies)


def _stored_results(nonces: list[str], user_id: int, code_event_ids: set[int] | None = None
                   ) -> tuple[dict[str, dict], list[tuple]]:
    """Results of scans already stored under these nonces (a retried push); and, given
    `code_event_ids`, the forged-code tallies of those events (see `_wrong_code_limit`), read by
    the same statement."""
    if not nonces:
        return {}, []
    out = {}
    values = _among_values(nonces, Scan.__table__.c.nonce)
    tallies = []
    if code_event_ids:
        stored = []
        for row in execute(_stored_scans_and_tallies, {
                "nonces": values, "event_ids": _among_values(code_event_ids, ScanTally.__table__.c.event_id)}):
            if row.part == 0:
                stored.append(row[:6])
            else:  # event, account, phone, count, in the columns the union shares with the scans
                tallies.append((row.record_id, row.submitted_by_id, row.device_key, row[-1]))
    else:
        stored = execute(_stored_scans, {"nonces": values})
    for nonce, submitter, status, code, record_id, flags in stored:
        # Someone else's nonce is not theirs to replay or to learn about.
        out[nonce] = (result(nonce, status, code, record_id, flags or ()) if submitter == user_id
                      else result(nonce, "rejected", "not_allowed"))
    return out, tallies


# What judging a check-in reads of events and members, loaded as plain rows (hydrating hundreds
# of ORM objects per push cost more than the queries themselves) and kept in the worker's caches
# while their generation stands (server/core/cache.py): a township's members all scan the same
# event within minutes.
class EventInfo(NamedTuple):
    """An event as a check-in needs it, with what is derived from it computed once per load (not
    per scan: a batch names the same event hundreds of times)."""
    id: int
    branch_id: int
    title: str
    day: dt.date  # the activity's date in China: the record's date, the day membership is judged on
    facts: EventFacts  # what the merge rules judge a claim against


@prepared
def _events_by_id(dialect):
    t = Event.__table__
    return sa.select(t.c.id, t.c.branch_id, t.c.title, t.c.starts_at, t.c.checkin_opens_at, t.c.checkin_closes_at,
                     t.c.code_secret, t.c.status).where(_among_param(t.c.id, "ids", dialect))


def _event_info(row) -> EventInfo:
    event_id, branch_id, title, starts_at, opens_at, closes_at, secret, status = row
    return EventInfo(event_id, branch_id, title, starts_at.astimezone(CHINA).date(),
                     EventFacts(event_id, branch_id, to_ms(opens_at), to_ms(closes_at), secret,
                                cancelled=status == EventStatus.cancelled))


@prepared
def _members_by_id(dialect):
    t = Member.__table__
    return sa.select(t.c.id, t.c.branch_id, t.c.left_on).where(_among_param(t.c.id, "ids", dialect))


@prepared
def _floating_by_member(dialect):
    t = FloatingMembership.__table__
    return sa.select(t.c.member_id, t.c.host_branch_id, t.c.starts_on, t.c.ends_on).where(
        _among_param(t.c.member_id, "ids", dialect))


class MemberFacts(NamedTuple):
    id: int
    branch_id: int
    left_on: dt.date | None


class FloatingFacts(NamedTuple):
    host_branch_id: int
    starts_on: dt.date
    ends_on: dt.date | None

    def is_current(self, on: dt.date) -> bool:
        return self.starts_on <= on and (self.ends_on is None or on <= self.ends_on)


def _cached(name: str, generation: int | None, ids: set, load) -> dict:
    """{id: facts} for ids: from the app's cache under this generation, the rest by load(missing)."""
    if generation is None:  # no generation to check against: never cache
        return load(ids) if ids else {}
    cache = app_cache(name)
    found, missing = {}, set()
    for key in ids:
        value = cache.get((key, generation))
        if value is None:
            missing.add(key)
        else:
            found[key] = value
    if missing:
        for key, value in load(missing).items():
            cache.put((key, generation), value)
            found[key] = value
    return found


def _event_facts(event_ids: set[int]) -> dict[int, EventInfo]:
    def load(ids):
        rows = execute(_events_by_id, {"ids": _among_values(ids, Event.__table__.c.id)})
        return {row[0]: _event_info(row) for row in rows}

    return _cached("event_facts", generations()[1], event_ids, load)


def _member_facts(p: Principal, member_ids: set[int]) -> dict[int, MemberFacts]:
    """The members named, and the caller's own member (from the Principal: no statement)."""
    out = {}
    if p.member_id is not None:
        out[p.member_id] = MemberFacts(p.member_id, p.home_branch_id, p.home_left_on)

    def load(ids):
        rows = execute(_members_by_id, {"ids": _among_values(ids, Member.__table__.c.id)})
        return {row[0]: MemberFacts(*row) for row in rows}

    out.update(_cached("member_facts", generations()[0], set(member_ids) - set(out), load))
    return out


def _floating_facts(member_ids: set[int]) -> dict[int, tuple[FloatingFacts, ...]]:
    def load(ids):
        found = {m: [] for m in ids}
        for row in execute(_floating_by_member, {"ids": _among_values(ids, FloatingMembership.__table__.c.member_id)}):
            found[row[0]].append(FloatingFacts(*row[1:]))
        return {m: tuple(rows) for m, rows in found.items()}

    return _cached("floating_facts", generations()[0], member_ids, load)


def ingest_checkins(p: Principal, device, device_key: str, items: list[tuple[int, dict]], now: dt.datetime,
                    offset_ms: int) -> dict[int, dict]:
    if not items:
        return {}
    out: dict[int, dict] = {}
    # The event each scan names: from the QR for a member's scan, from the body otherwise. The
    # codes' events are known before anything is read, so their forged-code tallies come with
    # the stored scans (on PostgreSQL after the account's guessing lock, which `push` took).
    qr_event = {}
    for index, m in items:
        if m["type"] == "checkin_event_code":
            qr = parse_event_qr(m["event_qr"])
            qr_event[index] = qr.event_id if qr else None
    stored, tallies = _stored_results([m["id"] for _, m in items], p.user_id,
                                      {e for e in qr_event.values() if e is not None})
    fresh = []
    for index, m in items:
        if m["id"] in stored:
            out[index] = stored[m["id"]]
        else:
            fresh.append((index, m))
    if not fresh:
        return out

    now_ms = to_ms(now)
    rules = policy()
    synced_ms = to_ms(device.synced_at) if device.synced_at is not None else None
    event_ids = set()
    for index, m in fresh:
        if m["type"] != "checkin_event_code":
            event_ids.add(m["event_id"])
        elif qr_event[index] is not None:
            event_ids.add(qr_event[index])
    events = _event_facts(event_ids)

    # Cards scanned by a secretary: verify the signature offline-style, then against the register.
    card_texts = [m["card_qr"] for _, m in fresh if m["type"] == "checkin_card"]
    verdicts = {}
    if card_texts:
        keys = trusted_public_keys()
        today = now.astimezone(CHINA).date()
        for text in card_texts:
            verdicts[text] = verify_card(text, keys, frozenset(), today)
        serials = {v.claims.serial for v in verdicts.values() if v.claims}
        register = {c.serial: c for c in db.session.scalars(sa.select(Card).where(Card.serial.in_(serials)))} \
            if serials else {}

    named = {m.get("member_id") for _, m in fresh} | {v.claims.member_id for v in verdicts.values() if v.claims}
    named.discard(None)
    members = _member_facts(p, named)
    fresh_map = dict(fresh)

    claims: dict[int, Claim] = {}
    rejected: dict[int, str] = {}
    extra_flags: dict[int, tuple[str, ...]] = {}
    scan_member: dict[int, int | None] = {}
    scan_event: dict[int, int | None] = {}
    for index, m in fresh:
        method = _METHOD[m["type"]]
        member_id = None
        event_id = m.get("event_id")
        code = None
        if m["type"] == "checkin_event_code":
            member_id = p.member_id
            if p.member_id is None:
                code = "not_allowed"
            elif qr_event[index] is None:
                code = "malformed"
            elif event_id is not None and event_id != qr_event[index]:
                code = "wrong_event"
            event_id = qr_event[index]
        else:
            event = events.get(event_id)
            if event is not None and not p.manages(event.branch_id):
                code = "not_allowed"
            if m["type"] == "checkin_card" and code is None:
                verdict = verdicts[m["card_qr"]]
                if verdict.claims is None or verdict.reason in ("malformed", "unknown_key", "bad_signature"):
                    code = "card_invalid"
                elif verdict.reason == "expired":
                    code = "card_expired"
                else:
                    card = register.get(verdict.claims.serial)
                    member_id = verdict.claims.member_id
                    if card is None or card.member_id != member_id:
                        code = "card_unknown"
                    else:
                        revoked_ms = to_ms(card.revoked_at) if card.revoked_at is not None else None
                        code, flag = card_register_verdict(card.status.value, revoked_ms,
                                                           m["claimed_at_ms"] + offset_ms)
                        if flag:
                            extra_flags[index] = (flag,)
            elif m["type"] == "checkin_manual":
                member_id = m["member_id"]
        scan_member[index] = member_id
        scan_event[index] = event_id if event_id in events else None
        if code:
            rejected[index] = code
            continue
        if event_id not in events:
            rejected[index] = "unknown_event"
            continue
        # (Positional: keywords cost a named tuple's __new__ half as much again, per scan.)
        claims[index] = Claim(m["id"], method, event_id, member_id, m["claimed_at_ms"], now_ms, offset_ms,
                              m.get("event_qr"), synced_ms)

    # Who may attend: members of the event's branch, or floating to it on the event's day.
    # (Only members claimed at another branch's event can be floating there.)
    floating = _floating_facts({c.member_id for c in claims.values() if c.member_id in members
                                and members[c.member_id].branch_id != events[c.event_id].branch_id})

    def may_attend(member_id: int, event) -> bool:
        member = members.get(member_id)
        if member is None:
            return False
        day = event.day
        if member.left_on is not None and member.left_on < day:
            return False
        return member.branch_id == event.branch_id or any(
            fm.host_branch_id == event.branch_id and fm.is_current(day) for fm in floating.get(member_id, ()))

    limit = _wrong_code_limit(rules, tallies)
    judgements = {}
    for index, claim in claims.items():  # in the batch's order: the limits apply as the codes come
        event = events[claim.event_id]
        attends = may_attend(claim.member_id, event)
        is_code = claim.method == "event_code"
        if is_code and attends and limit.refused(p.user_id, device_key, claim.event_id):
            rejected[index] = "too_many_wrong_codes"
            continue
        judgement = judge_checkin(claim, event.facts, may_attend=attends, policy=rules)
        if judgement.wrong_code:
            limit.count_wrong(p.user_id, device_key, claim.event_id)
        if not judgement.accepted:
            rejected[index] = judgement.code
            continue
        flags = judgement.flags + extra_flags.get(index, ())
        if is_code and limit.event_flagged(claim.event_id):
            flags += ("many_wrong_codes",)
        # (dataclasses.replace costs microseconds per call: only when the flags changed)
        judgements[index] = judgement if flags == judgement.flags else dataclasses.replace(judgement, flags=flags)

    accepted = {i: claims[i] for i in judgements}
    # Records already there are not looked up first: most check-ins are new, and the insert's
    # ON CONFLICT finds the others (the `lost` pairs below), which then are duplicates.
    existing: dict[tuple[int, int], dict] = {}
    outcome = resolve(accepted.values(), set())
    by_nonce = {c.nonce: (i, c) for i, c in accepted.items()}

    def scan_row(index: int, m: dict, status: str, flags: tuple, record_id: int | None) -> dict:
        return {
            "nonce": m["id"], "submitted_by_id": p.user_id, "device_id": device.id, "method": _METHOD[m["type"]],
            "event_id": scan_event[index],
            "member_id": scan_member[index] if scan_member[index] in members else None,
            "claimed_at": from_ms(m["claimed_at_ms"]), "received_at": now, "clock_offset_ms": offset_ms,
            "payload": m.get("event_qr") or m.get("card_qr"), "manual_reason": m.get("reason"),
            "status": status, "reason_code": rejected.get(index), "review_flags": list(flags),
            "record_id": record_id,
        }

    lone_scans: dict[str, bool] = {}  # nonce -> whether stored, for a scan written with its record
    notes: list[dict] = []  # change-feed rows of the records this push creates or moves
    # New records for the winners; a concurrent writer may win a pair first (then: duplicate).
    winners = [(i, c) for n, (i, c) in by_nonce.items() if outcome[n] == "applied"]
    if winners:
        rows = []
        for i, c in winners:
            event = events[c.event_id]
            manual = fresh_map[i]
            rows.append({
                "member_id": c.member_id, "branch_id": event.branch_id, "kind": RecordKind.attendance,
                "event_id": c.event_id, "occurred_on": event.day,
                "title": event.title, "checkin_method": _CHECKIN_METHODS[c.method],
                "manual_reason": manual.get("reason"), "review_flags": list(judgements[i].flags),
                "checked_in_at": from_ms(c.corrected_at_ms), "source_nonce": c.nonce,
                "created_by_id": p.user_id, "created_at": now, "updated_at": now, "version": 1,
            })
        # In key order: concurrent pushes naming the same pairs then wait for each other in one
        # direction only. In arrival order two of them can each hold a pair the other needs: a
        # deadlock, which PostgreSQL breaks by failing one push (after deadlock_timeout).
        rows.sort(key=lambda row: (row["member_id"], row["event_id"]))
        if len(fresh) == 1 and _is_postgresql():
            # A phone's single scan, the online case: the record and its scan in one statement.
            i, c = winners[0]
            inserted, written = _insert_record_and_scan(rows[0], scan_row(i, fresh_map[i], "applied",
                                                                          judgements[i].flags, None))
            if inserted:  # else the pair's record exists: the scan is a duplicate, written below
                lone_scans[c.nonce] = written
        else:
            inserted = _insert_rows(Record, rows, ["member_id", "event_id"], ("id", "member_id", "event_id"))
        created = {(m, e): rid for rid, m, e in inserted}
        lost = {c.pair for _, c in winners} - set(created)
        if lost:
            existing.update(_records_for(lost))
            for _, c in winners:
                if c.pair in lost:
                    outcome[c.nonce] = "duplicate"
        for (member_id, event_id), rid in created.items():
            existing[(member_id, event_id)] = {"id": rid, "key": None, "confirmed": False}
            notes.append(_record_change(rid, events[event_id], members[member_id]))

    # An earlier scan arriving later becomes the record's source (unless it is confirmed). One
    # guarded UPDATE, so a concurrent push moving the same record cannot be overwritten by a later
    # scan; records in id order, so that two pushes never lock the same two records crosswise.
    duplicates = [(nonce, item) for nonce, item in by_nonce.items() if outcome[nonce] == "duplicate"]
    for nonce, (i, c) in sorted(duplicates, key=lambda item: (existing[item[1][1].pair]["id"], item[0])):
        info = existing[c.pair]
        if not info["confirmed"] and info["key"] and earlier(c, info["key"]):
            moved = db.session.execute(
                sa.update(Record)
                .where(Record.id == info["id"], Record.confirmed_at.is_(None),
                       sa.tuple_(Record.checked_in_at, Record.source_nonce)
                       > sa.tuple_(sa.literal(from_ms(c.corrected_at_ms), UTCDateTime), sa.literal(c.nonce)))
                .values(checked_in_at=from_ms(c.corrected_at_ms), checkin_method=CheckinMethod(c.method),
                        source_nonce=c.nonce, review_flags=list(judgements[i].flags), updated_at=now,
                        version=Record.version + 1)
                .execution_options(synchronize_session=False)
            )
            if moved.rowcount:
                info["key"] = c.order_key
                notes.append(_record_change(info["id"], events[c.event_id], members[c.member_id]))

    # One call for the whole batch: each look-up of the scoped session costs more than the row.
    change_feed.emit_rows(db.session, notes)

    # What goes into the scan log: every accepted scan; a rejected one only in an event its
    # submitter may write to (a member: one they may attend; a manager: one of their branch),
    # counted per (event, account, phone, reason), the first few kept whole.
    def logged(index: int) -> bool:
        event = events.get(scan_event[index])
        if event is None:
            return False
        if fresh_map[index]["type"] == "checkin_event_code":
            return may_attend(scan_member[index], event)
        return p.manages(event.branch_id)

    tallied = [i for i, _ in fresh if i in rejected and logged(i)]
    # (A member id the push names but that does not exist is not kept: it would break the tally's
    # foreign key and, with it, the whole batch.)
    kept = _tally_rejections(p.user_id, device_key, [(i, scan_event[i], rejected[i], _METHOD[fresh_map[i]["type"]],
                                                     scan_member[i] if scan_member[i] in members else None)
                                                    for i in tallied], now)
    scan_rows = []
    for index, m in fresh:
        if index in rejected:
            out[index] = result(m["id"], "rejected", rejected[index])
            if index not in kept:
                continue
            record_id, flags, status = None, (), "rejected"
        else:
            c = accepted[index]
            status = outcome[c.nonce]
            record_id = existing[c.pair]["id"]
            flags = judgements[index].flags
            out[index] = result(m["id"], status, None, record_id, flags)
            if m["id"] in lone_scans:  # written with its record (see above)
                continue
        scan_rows.append(scan_row(index, m, status, flags, record_id))
    raced = [nonce for nonce, written in lone_scans.items() if not written]
    if scan_rows:
        scan_rows.sort(key=lambda row: row["nonce"])  # key order again (a retry racing its first request)
        written = {nonce for (nonce,) in _insert_rows(Scan, scan_rows, ["nonce"], ("nonce",))}
        raced += [row["nonce"] for row in scan_rows if row["nonce"] not in written]
    if raced:
        # The same nonce arrived through another request meanwhile: answer what it stored.
        again, _ = _stored_results(raced, p.user_id)
        for index, m in fresh:
            if m["id"] in again:
                out[index] = again[m["id"]]
    return out


@functools.cache
def _record_and_scan(record_columns: tuple[str, ...], scan_columns: tuple[str, ...]):
    """PostgreSQL: INSERT the record (ON CONFLICT on its pair DO NOTHING) and, when it went in, the
    scan that made it (ON CONFLICT on its nonce DO NOTHING; its record_id the record's), in one
    statement: the record's id, pair and the scan's nonce (NULL when another request stored that
    nonce first); no row when the pair's record was there already. Parameters: r_<column> and
    s_<column>, for the columns the rows name (built once per shape)."""
    r, s = Record.__table__, Scan.__table__
    record = postgresql.insert(r).values(
        {name: sa.bindparam(f"r_{name}", type_=r.c[name].type) for name in record_columns})
    record = record.on_conflict_do_nothing(index_elements=["member_id", "event_id"]).returning(
        r.c.id, r.c.member_id, r.c.event_id).cte("new_record")
    scan = postgresql.insert(s).from_select(
        [*scan_columns, "record_id"],
        sa.select(*(sa.bindparam(f"s_{name}", type_=s.c[name].type).label(name) for name in scan_columns),
                  record.c.id).select_from(record))
    scan = scan.on_conflict_do_nothing(index_elements=["nonce"]).returning(s.c.nonce).cte("new_scan")
    return prepared(lambda _dialect: sa.select(record.c.id, record.c.member_id, record.c.event_id, scan.c.nonce)
                    .select_from(record.outerjoin(scan, sa.true())))


def _insert_record_and_scan(record_row: dict, scan_row: dict) -> tuple[list[tuple], bool]:
    """`_record_and_scan` of these rows (the scan's record_id left to the statement): ([(record
    id, member, event)] or [] when the record was there, whether the scan was stored)."""
    scan_row = {name: value for name, value in scan_row.items() if name != "record_id"}
    params = {f"r_{name}": value for name, value in record_row.items()}
    params.update({f"s_{name}": value for name, value in scan_row.items()})
    found = execute(_record_and_scan(tuple(record_row), tuple(scan_row)), params).first()
    if found is None:
        return [], False
    return [(found.id, found.member_id, found.event_id)], found.nonce is not None


def _wrong_code_limit(rules: Policy, tallies: list[tuple]) -> WrongCodeLimit:
    """The guessing limits, from the wrong codes counted so far (ScanTally rows of the events:
    event, account, phone, count; read with the stored scans, see `_stored_results`).

    On PostgreSQL one account's pushes of event codes are serialised first (a transaction-scoped
    advisory lock, taken by `push` with the device), so that concurrent requests cannot each read
    the same counts and spend the allowance twice; SQLite's writers are serialised already. The
    counts are read by a statement after the lock's (each statement sees what was committed when
    it began)."""
    by_member, by_device, by_event = defaultdict(int), defaultdict(int), defaultdict(int)
    for event_id, submitter, key, count in tallies:
        by_member[(submitter, event_id)] += count
        by_device[(key, event_id)] += count
        by_event[event_id] += count
    return WrongCodeLimit(rules, by_member, by_device, by_event)


@prepared
def _tallies_of_device(dialect):
    t = ScanTally.__table__
    return sa.select(t.c.event_id, t.c.reason_code, t.c["count"]).where(
        t.c.submitted_by_id == sa.bindparam("user_id"), t.c.device_key == sa.bindparam("device_key"),
        _among_param(t.c.event_id, "event_ids", dialect))


def _tally_rejections(user_id: int, device_key: str, items: list[tuple], now: dt.datetime) -> set[int]:
    """Count rejected scans (index, event, reason, method, member) in ScanTally; returns the
    indexes to keep whole in the scan log (the first KEPT_REJECTIONS of each key, ever)."""
    if not items:
        return set()
    keys = {(event_id, reason) for _, event_id, reason, _, _ in items}
    before = dict(((e, r), n) for e, r, n in execute(_tallies_of_device, {
        "user_id": user_id, "device_key": device_key,
        "event_ids": _among_values({e for e, _ in keys}, ScanTally.__table__.c.event_id)}))
    counts: dict[tuple, list] = {}
    kept = set()
    for index, event_id, reason, method, member_id in items:
        seen = before.get((event_id, reason), 0) + len(counts.get((event_id, reason), ()))
        if seen < KEPT_REJECTIONS:
            kept.add(index)
        counts.setdefault((event_id, reason), []).append((method, member_id))
    rows = [{"event_id": e, "submitted_by_id": user_id, "device_key": device_key, "reason_code": r,
             "method": seen[-1][0], "member_id": seen[-1][1], "count": len(seen), "first_at": now, "last_at": now}
            for (e, r), seen in sorted(counts.items())]
    stmt = _insert(ScanTally).values(rows)
    db.session.execute(stmt.on_conflict_do_update(
        index_elements=["event_id", "submitted_by_id", "device_key", "reason_code"],
        set_={"count": ScanTally.__table__.c["count"] + stmt.excluded["count"], "last_at": stmt.excluded.last_at}))
    return kept


def _record_change(record_id: int, event, member) -> dict:
    """Core writes bypass the ORM's flush hook: the change-feed row is made by hand."""
    return {"entity": "record", "entity_id": record_id, "op": "upsert", "branch_id": event.branch_id,
            "member_id": member.id, "home_branch_id": member.branch_id}


@prepared
def _records_of_pairs(dialect):
    """The records of (member, event) pairs given as one value: two integer arrays on PostgreSQL,
    a JSON list of [member, event] on SQLite (a driver statement: on an activity day's
    flash crowd, a phone's retry or a second scan of the same member takes this path)."""
    t = Record.__table__
    pair = sa.tuple_(t.c.member_id, t.c.event_id)
    if dialect == "postgresql":
        arrays = column_arrays(t, ["member_id", "event_id"], ["members", "events"])
        wanted = pair.in_(sa.text(f"SELECT * FROM unnest({arrays})")
                          .bindparams(sa.bindparam("members", type_=sa.Text), sa.bindparam("events", type_=sa.Text))
                          .columns(sa.column("member_id", sa.Integer), sa.column("event_id", sa.Integer)))
    else:
        wanted = pair.in_(sa.text("SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]') "
                                  "FROM json_each(:pairs)").bindparams(sa.bindparam("pairs", type_=sa.Text))
                          .columns(sa.column("member_id", sa.Integer), sa.column("event_id", sa.Integer)))
    return sa.select(t.c.id, t.c.member_id, t.c.event_id, t.c.checked_in_at, t.c.source_nonce,
                     t.c.confirmed_at).where(wanted)


def _records_for(pairs: set[tuple[int, int]]) -> dict[tuple[int, int], dict]:
    if not pairs:
        return {}
    if _is_postgresql():
        params = column_array_values(Record.__table__, [{"member_id": m, "event_id": e} for m, e in pairs],
                                     ["member_id", "event_id"], ["members", "events"])
    else:
        params = {"pairs": json.dumps(list(pairs))}
    out = {}
    for rid, member_id, event_id, checked_in_at, nonce, confirmed_at in execute(_records_of_pairs, params):
        key = (to_ms(checked_in_at), nonce) if checked_in_at is not None and nonce else None
        out[(member_id, event_id)] = {"id": rid, "key": key, "confirmed": confirmed_at is not None}
    return out


def apply_record_mutation(p: Principal, m: dict) -> dict:
    stored = db.session.scalar(sa.select(MutationLog).where(MutationLog.nonce == m["id"]))
    if stored is not None:
        return stored.result if stored.user_id == p.user_id else result(m["id"], "rejected", "not_allowed")
    record = db.session.get(Record, m["record_id"])
    if record is None or not p.can_view_record(record):
        out = result(m["id"], "rejected", "unknown_record")
    elif m["type"] == "record_acknowledge":
        if record.member_id != p.member_id:
            out = result(m["id"], "rejected", "not_allowed")
        else:
            status = "duplicate" if record.acknowledged_at else "applied"
            record_operations.acknowledge(record, p.user_id)
            out = result(m["id"], status, record_id=record.id)
    else:
        if not p.manages(record.branch_id):
            out = result(m["id"], "rejected", "not_allowed")
        else:
            status = "duplicate" if record.confirmed_at else "applied"
            record_operations.confirm(record, p.user_id)
            out = result(m["id"], status, record_id=record.id)
    db.session.add(MutationLog(nonce=m["id"], user_id=p.user_id, result=out))
    return out

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from server.audit.operations import log_action
from server.auth.access import Principal, hosting_branch_ids
from server.core.api import abort
from server.core.db import db
from server.core.enums import CheckinMethod, RecordKind, RecordStatus
from server.events.models import Event
from server.org.models import Branch, Member
from server.records.models import Record, RecordCorrection
from sync import clock


def _field_error(field: str, message: str):
    abort(422, message=message, errors={"json": {field: [message]}})


def create_record(branch: Branch, data: dict, actor_id: int) -> Record:
    """A secretary's entry: a manual attendance (with a reason) or a dues, reward... record."""
    member = db.session.get(Member, data["member_id"])
    if member is None:
        _field_error("member_id", "No such member.")
    if data["kind"] == RecordKind.attendance:
        event = db.session.get(Event, data["event_id"])
        if event is None or event.branch_id != branch.id:
            _field_error("event_id", "That event is not one of this branch's.")
        if member.branch_id != branch.id and branch.id not in hosting_branch_ids(member.id, event.starts_at.date()):
            _field_error("member_id", "This member is neither of this branch nor floating to it.")
        data["checkin_method"] = CheckinMethod.manual
    else:
        if member.branch_id != branch.id:
            _field_error("member_id", "Only the member's home branch keeps this kind of record.")
        if data.get("event_id") is not None:
            _field_error("event_id", "Only attendance records name an event.")
    record = Record(branch_id=branch.id, created_by_id=actor_id, **data)
    db.session.add(record)
    db.session.flush()  # the (member, event) unique constraint answers here: 409 on a second record
    log_action(actor_id, "record.created", record, branch_id=branch.id, member_id=member.id,
               kind=record.kind.value, manual_reason=record.manual_reason)
    return record


def filter_records(stmt, query: dict):
    if "member_id" in query:
        stmt = stmt.where(Record.member_id == query["member_id"])
    if "branch_id" in query:
        stmt = stmt.where(Record.branch_id == query["branch_id"])
    if "event_id" in query:
        stmt = stmt.where(Record.event_id == query["event_id"])
    if "kind" in query:
        stmt = stmt.where(Record.kind == query["kind"])
    if "occurred_from" in query:
        stmt = stmt.where(Record.occurred_on >= query["occurred_from"])
    if "occurred_to" in query:
        stmt = stmt.where(Record.occurred_on <= query["occurred_to"])
    status = query.get("status")
    if status == RecordStatus.confirmed:
        stmt = stmt.where(Record.confirmed_at.is_not(None))
    elif status == RecordStatus.refused:
        stmt = stmt.where(Record.confirmed_at.is_(None), Record.refused_at.is_not(None))
    elif status == RecordStatus.acknowledged:
        stmt = stmt.where(Record.confirmed_at.is_(None), Record.refused_at.is_(None), Record.acknowledged_at.is_not(None))
    elif status == RecordStatus.pending:
        stmt = stmt.where(Record.confirmed_at.is_(None), Record.refused_at.is_(None), Record.acknowledged_at.is_(None))
    return stmt


def acknowledge(record: Record, actor_id: int) -> Record:
    """The member's own sign-off (核实). Acknowledging twice changes nothing."""
    if record.acknowledged_at is None:
        record.acknowledged_at = clock.now()
        log_action(actor_id, "record.acknowledged", record, branch_id=record.branch_id, member_id=record.member_id)
    return record


def confirm_many(p: Principal, record_ids: list[int], actor_id: int) -> list[Record]:
    """The branch's sign-off (确认) for many records at once: all or nothing."""
    ids = list(dict.fromkeys(record_ids))
    records = db.session.scalars(sa.select(Record).where(Record.id.in_(ids))).all()
    found = {r.id: r for r in records}
    missing = [i for i in ids if i not in found]
    if missing:
        abort(404, message=f"No such records: {missing[:20]}.")
    refused = [r.id for r in records if not p.manages(r.branch_id)]
    if refused:
        abort(403, message=f"You may not confirm records {refused[:20]}: they are kept by another branch.")
    for record in (found[i] for i in ids):
        confirm(record, actor_id)
    return [found[i] for i in ids]


def confirm(record: Record, actor_id: int) -> Record:
    """Confirm one record; confirming twice changes nothing."""
    if record.confirmed_at is None:
        record.confirmed_at = clock.now()
        record.confirmed_by_id = actor_id
        # Confirming a record the branch had refused (server/service) takes the refusal back.
        record.refused_at = record.refused_by_id = record.refused_reason = None
        log_action(actor_id, "record.confirmed", record, branch_id=record.branch_id, member_id=record.member_id)
    return record


def correct(record: Record, reason: str, changes: dict, actor_id: int) -> RecordCorrection:
    """Change a confirmed record, keeping the old values, who and why (SPEC invariant)."""
    if record.confirmed_at is None:
        abort(409, message="Only confirmed records are corrected; this one is not confirmed yet.")
    changed = {k: v for k, v in changes.items() if getattr(record, k) != v}
    if not changed:
        abort(422, message="The correction changes nothing.")
    old = {k: _plain(getattr(record, k)) for k in changed}
    for key, value in changed.items():
        setattr(record, key, value)
    correction = RecordCorrection(record=record, corrected_by_id=actor_id, reason=reason,
                                  old_values=old, new_values={k: _plain(v) for k, v in changed.items()})
    db.session.add(correction)
    db.session.flush()
    log_action(actor_id, "record.corrected", record, branch_id=record.branch_id, member_id=record.member_id,
               correction_id=correction.id, reason=reason, old=correction.old_values, new=correction.new_values)
    return correction


def _plain(value):
    return value.isoformat() if isinstance(value, (dt.date, dt.datetime)) else value

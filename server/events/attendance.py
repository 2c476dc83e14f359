"""Who is expected at an event, and the attendance sheet: present, excused, absent, duplicates.

Expected attendance by kind (SPEC): a branch committee meeting expects the members holding a post
on the branch committee that day; a group meeting, the group's members; every other kind, all the
branch's members. Floating members are expected at their host branch, not at home (their home
branch sees them through their records, wherever kept). An approved leave request turns an absence into "excused".
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from server.core.db import db
from server.core.enums import EventKind, LeaveStatus
from server.events.models import Event, LeaveRequest
from server.org.models import BranchRole, FloatingMembership, Member
from server.records.models import Record
from sync.clock import CHINA


def event_day(event: Event) -> dt.date:
    return event.starts_at.astimezone(CHINA).date()


def expected_members(event: Event) -> list[Member]:
    day = event_day(event)

    def active(member: Member) -> bool:
        return member.left_on is None or member.left_on >= day

    if event.kind == EventKind.branch_committee_meeting:
        roles = db.session.scalars(sa.select(BranchRole).where(BranchRole.branch_id == event.branch_id)).all()
        ids = {r.member_id for r in roles if r.is_current(day)}
        members = db.session.scalars(sa.select(Member).where(Member.id.in_(ids))).all() if ids else []
        return sorted((m for m in members if active(m)), key=lambda m: m.id)
    stmt = sa.select(Member).where(Member.branch_id == event.branch_id)
    if event.kind == EventKind.group_meeting and event.group_id is not None:
        stmt = stmt.where(Member.group_id == event.group_id)
    # Members floating to another branch that day are expected there, not here.
    away = {fm.member_id for fm in db.session.scalars(
        sa.select(FloatingMembership).join(Member).where(Member.branch_id == event.branch_id)) if fm.is_current(day)}
    members = [m for m in db.session.scalars(stmt) if active(m) and m.id not in away]
    if event.kind != EventKind.group_meeting:
        hosted = db.session.scalars(
            sa.select(FloatingMembership).where(FloatingMembership.host_branch_id == event.branch_id)).all()
        members += [fm.member for fm in hosted if fm.is_current(day) and active(fm.member)]
    return sorted({m.id: m for m in members}.values(), key=lambda m: m.id)


def is_expected(event: Event, member_id: int | None) -> bool:
    """Whether the member is expected at the event (and so may ask to be excused from it)."""
    return member_id is not None and any(m.id == member_id for m in expected_members(event))


def attendance_sheet(event: Event) -> list[dict]:
    from server.sync_api.models import Scan

    expected = expected_members(event)
    records = {r.member_id: r for r in db.session.scalars(sa.select(Record).where(Record.event_id == event.id))}
    leave = {lr.member_id: lr for lr in db.session.scalars(
        sa.select(LeaveRequest).where(LeaveRequest.event_id == event.id))}
    duplicates = dict(db.session.execute(
        sa.select(Scan.member_id, sa.func.count()).where(Scan.event_id == event.id, Scan.status == "duplicate")
        .group_by(Scan.member_id)).all())
    rows = []
    members = expected + [r.member for mid, r in records.items() if mid not in {m.id for m in expected}]
    for member in members:
        record = records.get(member.id)
        request = leave.get(member.id)
        if record is not None:
            state = "present"
        elif request is not None and request.status == LeaveStatus.approved:
            state = "excused"
        else:
            state = "absent"
        rows.append({
            "member_id": member.id, "member_name": member.name, "floating": member.branch_id != event.branch_id,
            "expected": member in expected, "state": state,
            "record_id": record.id if record else None,
            "record_status": record.status.value if record else None,
            "checkin_method": record.checkin_method.value if record and record.checkin_method else None,
            "checked_in_at": record.checked_in_at if record else None,
            "review_flags": list(record.review_flags or []) if record else [],
            "duplicate_scans": duplicates.get(member.id, 0),
            "leave_status": request.status.value if request else None,
        })
    return rows


def events_expected_for(member: Member, starts_from: dt.datetime, starts_before: dt.datetime) -> list[Event]:
    """The events `member` is expected at (the inverse of `expected_members`): their own branch's
    events while not floating elsewhere (committee meetings only while holding a post, group
    meetings of their own group), and their host branches' events while floating there (not
    group or committee meetings). Cancelled events are included; callers mark them."""
    floating = db.session.scalars(sa.select(FloatingMembership).where(FloatingMembership.member_id == member.id)).all()
    roles = db.session.scalars(sa.select(BranchRole).where(BranchRole.member_id == member.id,
                                                           BranchRole.branch_id == member.branch_id)).all()
    branch_ids = {member.branch_id} | {fm.host_branch_id for fm in floating}
    events = db.session.scalars(
        sa.select(Event).where(Event.branch_id.in_(branch_ids), Event.starts_at >= starts_from,
                               Event.starts_at < starts_before).order_by(Event.starts_at, Event.id)).all()
    chosen = []
    for event in events:
        day = event_day(event)
        if member.left_on is not None and member.left_on < day:
            continue
        hosts = {fm.host_branch_id for fm in floating if fm.is_current(day)}
        if event.branch_id == member.branch_id:
            if hosts:
                continue  # floating elsewhere that day: expected at the host
            if event.kind == EventKind.branch_committee_meeting and not any(r.is_current(day) for r in roles):
                continue
            if event.kind == EventKind.group_meeting and event.group_id not in (None, member.group_id):
                continue
        elif event.branch_id not in hosts or event.kind in (EventKind.group_meeting,
                                                            EventKind.branch_committee_meeting):
            continue
        chosen.append(event)
    return chosen

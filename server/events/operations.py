from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from server.audit.operations import log_action
from server.core.api import abort
from server.core.db import db
from server.core.enums import EventStatus, LeaveStatus
from server.events.models import Event, LeaveRequest
from server.org.models import Branch, Member
from server.org.operations import check_group_in_branch
from sync import clock
from sync.eventcode import new_event_secret

CHECKIN_MARGIN = dt.timedelta(minutes=30)


def _check_window(event: Event) -> None:
    if event.ends_at <= event.starts_at:
        abort(422, message="The event must end after it starts.", errors={"json": {"ends_at": ["Before start."]}})
    if event.checkin_closes_at <= event.checkin_opens_at:
        abort(422, message="Check-in must close after it opens.",
              errors={"json": {"checkin_closes_at": ["Before opening."]}})


def create_event(branch: Branch, data: dict, actor_id: int) -> Event:
    check_group_in_branch(branch.id, data.get("group_id"))
    data.setdefault("checkin_opens_at", data["starts_at"] - CHECKIN_MARGIN)
    data.setdefault("checkin_closes_at", data["ends_at"] + CHECKIN_MARGIN)
    event = Event(branch_id=branch.id, code_secret=new_event_secret(), created_by_id=actor_id, **data)
    _check_window(event)
    db.session.add(event)
    db.session.flush()
    log_action(actor_id, "event.created", event, branch_id=branch.id)
    return event


def update_event(event: Event, changes: dict, actor_id: int) -> Event:
    check_group_in_branch(event.branch_id, changes.get("group_id"))
    for key, value in changes.items():
        setattr(event, key, value)
    _check_window(event)
    log_action(actor_id, "event.updated", event, branch_id=event.branch_id, fields=sorted(changes))
    return event


def publish_notice(event: Event, notice: str, actor_id: int) -> Event:
    if event.status == EventStatus.cancelled:
        abort(409, message="This event was cancelled.")
    event.notice = notice
    event.notice_published_at = clock.now()
    log_action(actor_id, "event.notice_published", event, branch_id=event.branch_id)
    return event


def request_leave(event: Event, member: Member, reason: str) -> LeaveRequest:
    if event.ends_at < clock.now():
        abort(409, message="This event is over; leave can only be asked for beforehand.")
    existing = db.session.scalar(
        sa.select(LeaveRequest).where(LeaveRequest.event_id == event.id, LeaveRequest.member_id == member.id)
    )
    if existing is not None:
        abort(409, message="You have already asked for leave from this event.")
    leave = LeaveRequest(event=event, member=member, reason=reason)
    db.session.add(leave)
    db.session.flush()  # the response carries the new id
    return leave


def decide_leave(leave: LeaveRequest, approve: bool, actor_id: int) -> LeaveRequest:
    if leave.status != LeaveStatus.requested:
        abort(409, message="This request has already been decided.")
    leave.status = LeaveStatus.approved if approve else LeaveStatus.declined
    leave.decided_by_id = actor_id
    leave.decided_at = clock.now()
    db.session.flush()
    log_action(actor_id, "leave.decided", leave, branch_id=leave.event.branch_id, approved=approve)
    return leave

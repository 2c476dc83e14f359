from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from server.audit.operations import log_action
from server.core.api import abort
from server.core.db import db
from server.core.enums import EventStatus, LeaveStatus
from server.events.models import Event, LeaveRequest
from server.notifications import operations as notifications
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
    if any(key in changes and changes[key] != getattr(event, key) for key in ("starts_at", "ends_at")):
        event.edited_by_hand = True  # a person chose its date or time: the holiday calendar no longer moves it
    if changes.get("status") == EventStatus.cancelled and event.status != EventStatus.cancelled:
        abort(422, message="Cancel an event with POST /events/<id>/cancel and a reason: its members are told.",
              errors={"json": {"status": ["Use POST /events/<id>/cancel."]}})
    before = (event.starts_at, event.ends_at)
    # A reschedule takes the check-in window along (the same margins), unless it is given too:
    # otherwise nobody could sign in at the new time.
    if "starts_at" in changes and "checkin_opens_at" not in changes and event.checkin_opens_at is not None:
        changes = {**changes, "checkin_opens_at": changes["starts_at"] - (event.starts_at - event.checkin_opens_at)}
    if "ends_at" in changes and "checkin_closes_at" not in changes and event.checkin_closes_at is not None:
        changes = {**changes, "checkin_closes_at": changes["ends_at"] + (event.checkin_closes_at - event.ends_at)}
    for key, value in changes.items():
        setattr(event, key, value)
    if event.status != EventStatus.cancelled:
        event.cancel_reason = event.cancelled_at = None  # cancelled by mistake and planned again
    _check_window(event)
    log_action(actor_id, "event.updated", event, branch_id=event.branch_id, fields=sorted(changes))
    if event.status == EventStatus.planned and (event.starts_at, event.ends_at) != before:
        notifications.notify_expected(event, notifications.NotificationKind.rescheduled, actor_id)
    return event


def publish_notice(event: Event, notice: str, actor_id: int) -> Event:
    if event.status == EventStatus.cancelled:
        abort(409, message="This event was cancelled.")
    event.notice = notice
    event.notice_published_at = clock.now()
    log_action(actor_id, "event.notice_published", event, branch_id=event.branch_id)
    notifications.notice_published(event, actor_id)
    return event


def cancel_event(event: Event, reason: str, actor_id: int) -> Event:
    """Call an event off, with the reason members are told; a held event stays held."""
    if event.status == EventStatus.cancelled:
        abort(409, message="This event is already cancelled.")
    if event.status == EventStatus.held:
        abort(409, message="This event was held; it cannot be cancelled.")
    event.status = EventStatus.cancelled
    event.cancel_reason = reason.strip()
    event.cancelled_at = clock.now()
    log_action(actor_id, "event.cancelled", event, branch_id=event.branch_id, reason=event.cancel_reason)
    notifications.notify_expected(event, notifications.NotificationKind.cancelled, actor_id)
    return event


def request_leave(event: Event, member: Member, reason: str, actor_id: int | None = None) -> LeaveRequest:
    """The member asks to be excused; who may ask (the members expected at it) is the view's check."""
    if event.status == EventStatus.cancelled:
        abort(422, message="This event was cancelled; there is nothing to ask leave from.")
    if event.status == EventStatus.held or event.ends_at < clock.now():
        abort(422, message="This event is over; leave can only be asked for beforehand.")
    existing = db.session.scalar(
        sa.select(LeaveRequest).where(LeaveRequest.event_id == event.id, LeaveRequest.member_id == member.id)
    )
    if existing is not None:
        abort(409, message="You have already asked for leave from this event.")
    leave = LeaveRequest(event=event, member=member, reason=reason)
    db.session.add(leave)
    db.session.flush()  # the response carries the new id
    log_action(actor_id, "leave.requested", leave, branch_id=event.branch_id, event_id=event.id,
               member_id=member.id)
    return leave


def decide_leave(leave: LeaveRequest, approve: bool, actor_id: int, reason: str | None = None) -> LeaveRequest:
    """Approve (the absence becomes excused) or refuse, with a reason the member sees."""
    if leave.status != LeaveStatus.requested:
        abort(409, message="This request has already been decided.")
    reason = reason.strip() if reason else None
    if not approve and not reason:
        abort(422, message="Say why the request is refused; the member sees the reason.",
              errors={"json": {"reason": ["Required when refusing."]}})
    leave.status = LeaveStatus.approved if approve else LeaveStatus.declined
    leave.decided_by_id = actor_id
    leave.decided_at = clock.now()
    leave.decision_reason = reason
    db.session.flush()
    log_action(actor_id, "leave.decided", leave, branch_id=leave.event.branch_id, approved=approve, reason=reason)
    return leave


def withdraw_leave(leave: LeaveRequest, actor_id: int) -> None:
    """The member takes back a request nobody has decided yet; the audit log keeps what it said."""
    if leave.status != LeaveStatus.requested:
        abort(409, message="This request has already been decided; it can no longer be withdrawn.")
    log_action(actor_id, "leave.withdrawn", leave, branch_id=leave.event.branch_id, event_id=leave.event_id,
               member_id=leave.member_id, reason=leave.reason)
    db.session.delete(leave)
    db.session.flush()

from __future__ import annotations

import datetime as dt

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from server.core.api import ID_RANGE
from server.core.enums import EventKind, EventStatus, LeaveStatus

Text = lambda n, **kw: fields.String(validate=validate.Length(max=n), **kw)  # noqa: E731

# Any real event falls well inside; the bounds keep the check-in margins computed from these
# times (and their conversion to UTC) inside Python's datetime range (years 1 to 9999).
EARLIEST = dt.datetime(1900, 1, 1, tzinfo=dt.UTC)
LATEST = dt.datetime(3000, 1, 1, tzinfo=dt.UTC)
TIMES = ("starts_at", "ends_at", "checkin_opens_at", "checkin_closes_at", "starts_from", "starts_before")


def _check_bounds(data: dict) -> None:
    for name in TIMES:
        value = data.get(name)
        if value is not None and not EARLIEST <= value < LATEST:
            raise ValidationError("Times must fall between the years 1900 and 2999.", name)


class EventSchema(Schema):
    """An event as everyone who may see it sees it; the code secret is never in it."""

    id = fields.Integer(dump_only=True)
    branch_id = fields.Integer(dump_only=True)
    branch_name = fields.Function(lambda e: e.branch.name, dump_only=True)
    group_id = fields.Integer(allow_none=True, load_default=None, strict=True, validate=ID_RANGE)
    kind = fields.Enum(EventKind, by_value=True, required=True)
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    theme = Text(200, allow_none=True)
    place = Text(200, allow_none=True)
    starts_at = fields.AwareDateTime(required=True)
    ends_at = fields.AwareDateTime(required=True)
    checkin_opens_at = fields.AwareDateTime()
    checkin_closes_at = fields.AwareDateTime()
    status = fields.Enum(EventStatus, by_value=True, dump_only=True)
    notice = fields.String(dump_only=True, allow_none=True)
    notice_published_at = fields.AwareDateTime(dump_only=True, allow_none=True)
    cancel_reason = fields.String(dump_only=True, allow_none=True)
    cancelled_at = fields.AwareDateTime(dump_only=True, allow_none=True)
    featured_system = Text(64, allow_none=True)

    @validates_schema
    def _times(self, data, partial=False, **_):
        _check_bounds(data)
        starts, ends = data.get("starts_at"), data.get("ends_at")
        if starts and ends and ends <= starts:
            raise ValidationError("The event must end after it starts.", "ends_at")
        opens, closes = data.get("checkin_opens_at"), data.get("checkin_closes_at")
        if opens and closes and closes <= opens:
            raise ValidationError("Check-in must close after it opens.", "checkin_closes_at")


class EventUpdateSchema(EventSchema):
    status = fields.Enum(EventStatus, by_value=True)

    def __init__(self, *args, **kwargs):
        # A PATCH sends only what changes. (marshmallow has no `class Meta: partial`: it was ignored,
        # so every PATCH had to repeat all the required fields.)
        kwargs.setdefault("partial", True)
        super().__init__(*args, **kwargs)


class EventQuerySchema(Schema):
    starts_from = fields.AwareDateTime()
    starts_before = fields.AwareDateTime()
    kind = fields.Enum(EventKind, by_value=True)

    @validates_schema
    def _bounds(self, data, **_):
        _check_bounds(data)


class NoticeSchema(Schema):
    notice = fields.String(required=True, validate=validate.Length(min=1, max=10000))


class LeaveRequestSchema(Schema):
    id = fields.Integer(dump_only=True)
    event_id = fields.Integer(dump_only=True)
    event_title = fields.String(attribute="event.title", dump_only=True)
    event_starts_at = fields.AwareDateTime(attribute="event.starts_at", dump_only=True)
    member_id = fields.Integer(dump_only=True)
    member_name = fields.String(attribute="member.name", dump_only=True)
    reason = fields.String(required=True, validate=validate.Length(min=1, max=500))
    status = fields.Enum(LeaveStatus, by_value=True, dump_only=True)
    decided_at = fields.AwareDateTime(dump_only=True, allow_none=True)
    decision_reason = fields.String(dump_only=True, allow_none=True)
    created_at = fields.AwareDateTime(dump_only=True)


class LeaveDecisionSchema(Schema):
    approve = fields.Boolean(required=True)
    # Required when refusing (checked by the operation, after "already decided").
    reason = fields.String(allow_none=True, load_default=None, validate=validate.Length(min=2, max=500))


class AttendanceRowSchema(Schema):
    member_id = fields.Integer()
    member_name = fields.String()
    floating = fields.Boolean()
    expected = fields.Boolean()
    state = fields.String(metadata={"enum": ["present", "excused", "absent"]})
    record_id = fields.Integer(allow_none=True)
    record_status = fields.String(allow_none=True)
    checkin_method = fields.String(allow_none=True)
    checked_in_at = fields.AwareDateTime(allow_none=True)
    review_flags = fields.List(fields.String())
    duplicate_scans = fields.Integer()
    leave_status = fields.String(allow_none=True)


def _not_blank(value: str) -> None:
    if len(value.strip()) < 2:
        raise ValidationError("Say why, in a few words.")


class CancelEventSchema(Schema):
    reason = fields.String(required=True, validate=[validate.Length(min=2, max=500), _not_blank])

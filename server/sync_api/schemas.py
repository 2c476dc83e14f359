from __future__ import annotations

from marshmallow import Schema, fields, validate


class ScanSchema(Schema):
    """A delivered scan as the secretary reviews it: duplicates and rejections included."""

    id = fields.Integer()
    nonce = fields.String()
    method = fields.String()
    event_id = fields.Integer(allow_none=True)
    member_id = fields.Integer(allow_none=True)
    member_name = fields.Function(lambda s: s.member.name if s.member else None)
    submitted_by_id = fields.Integer()
    claimed_at = fields.AwareDateTime()
    received_at = fields.AwareDateTime()
    clock_offset_ms = fields.Integer()
    status = fields.String()
    reason_code = fields.String(allow_none=True)
    review_flags = fields.List(fields.String())
    record_id = fields.Integer(allow_none=True)
    manual_reason = fields.String(allow_none=True)


class ScanQuerySchema(Schema):
    status = fields.String(validate=validate.OneOf(("applied", "duplicate", "rejected")))
    reason_code = fields.String(validate=validate.Length(max=32))


class ScanTallySchema(Schema):
    """Rejected scans of one kind from one account and phone, counted."""

    event_id = fields.Integer()
    submitted_by_id = fields.Integer()
    device_key = fields.String()
    member_id = fields.Integer(allow_none=True)
    member_name = fields.Function(lambda t: t.member.name if t.member else None)
    method = fields.String()
    reason_code = fields.String()
    count = fields.Integer()
    first_at = fields.AwareDateTime()
    last_at = fields.AwareDateTime()

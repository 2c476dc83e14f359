from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from server.core.api import ID_RANGE
from server.core.enums import CheckinMethod, RecordKind, RecordStatus


class RecordSchema(Schema):
    id = fields.Integer(dump_only=True)
    member_id = fields.Integer(required=True, strict=True, validate=ID_RANGE)
    member_name = fields.Function(lambda r: r.member.name, dump_only=True)
    branch_id = fields.Integer(dump_only=True)
    kind = fields.Enum(RecordKind, by_value=True, required=True)
    event_id = fields.Integer(allow_none=True, load_default=None, strict=True, validate=ID_RANGE)
    occurred_on = fields.Date(required=True)
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    detail = fields.String(allow_none=True, validate=validate.Length(max=10000))
    amount_fen = fields.Integer(allow_none=True, strict=True, validate=validate.Range(min=0, max=100_000_000))
    checkin_method = fields.Enum(CheckinMethod, by_value=True, dump_only=True, allow_none=True)
    # When the member signed in (the earliest accepted scan, on the server's clock); attendance only.
    checked_in_at = fields.AwareDateTime(dump_only=True, allow_none=True)
    manual_reason = fields.String(allow_none=True, validate=validate.Length(min=2, max=500))
    review_flags = fields.List(fields.String(), dump_only=True)
    status = fields.Enum(RecordStatus, by_value=True, dump_only=True)
    acknowledged_at = fields.AwareDateTime(dump_only=True, allow_none=True)
    confirmed_at = fields.AwareDateTime(dump_only=True, allow_none=True)
    confirmed_by_id = fields.Integer(dump_only=True, allow_none=True)
    created_at = fields.AwareDateTime(dump_only=True)
    version = fields.Integer(dump_only=True)

    @validates_schema
    def _kind_rules(self, data, **_):
        kind = data.get("kind")
        if kind == RecordKind.attendance:
            if data.get("event_id") is None:
                raise ValidationError("Attendance needs the event.", "event_id")
            if not data.get("manual_reason"):
                raise ValidationError("A manual attendance entry needs a reason.", "manual_reason")
        if kind == RecordKind.dues:
            # Dues are payments by month now (server/dues): one per member and month, checked
            # against what the months owe. Existing dues records were converted (migration 0017).
            raise ValidationError("Dues are recorded as payments: POST /api/v1/branches/<branch id>/dues/payments "
                                  "(or the sync push's dues_payment mutation).", "kind")


class RecordQuerySchema(Schema):
    member_id = fields.Integer(validate=ID_RANGE)
    branch_id = fields.Integer(validate=ID_RANGE)
    event_id = fields.Integer(validate=ID_RANGE)
    kind = fields.Enum(RecordKind, by_value=True)
    status = fields.Enum(RecordStatus, by_value=True)
    occurred_from = fields.Date()
    occurred_to = fields.Date()


class ConfirmRecordsSchema(Schema):
    record_ids = fields.List(fields.Integer(strict=True, validate=ID_RANGE), required=True,
                             validate=validate.Length(min=1, max=500))


class CorrectableFieldsSchema(Schema):
    title = fields.String(validate=validate.Length(min=1, max=200))
    detail = fields.String(allow_none=True, validate=validate.Length(max=10000))
    occurred_on = fields.Date()
    amount_fen = fields.Integer(allow_none=True, strict=True, validate=validate.Range(min=0, max=100_000_000))


class CorrectionRequestSchema(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=2, max=500))
    changes = fields.Nested(CorrectableFieldsSchema, required=True)

    @validates_schema
    def _something(self, data, **_):
        if not data.get("changes"):
            raise ValidationError("Say what to change.", "changes")


class CorrectionSchema(Schema):
    id = fields.Integer()
    record_id = fields.Integer()
    corrected_by_id = fields.Integer()
    corrected_at = fields.AwareDateTime()
    reason = fields.String()
    old_values = fields.Dict()
    new_values = fields.Dict()

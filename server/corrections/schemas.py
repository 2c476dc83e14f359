from __future__ import annotations

from flask_smorest.fields import Upload
from marshmallow import Schema, fields, validate

from server.core.api import ID_RANGE
from server.corrections.models import CorrectionState
from sync import clock

PERIOD = validate.Regexp(r"^\d{4}(-(0[1-9]|1[0-2]|Q[1-4]|H[12]))?$")


class CorrectionNoticeAttachmentSchema(Schema):
    id = fields.Integer()
    answer_id = fields.Integer(allow_none=True)
    content_type = fields.String()
    size = fields.Integer()
    created_at = fields.AwareDateTime()


class AnswerEvidenceSchema(Schema):
    type = fields.String(required=True, validate=validate.OneOf(["event", "record", "filing"]))
    id = fields.Integer(required=True, strict=True, validate=ID_RANGE)
    title = fields.String(dump_only=True, metadata={"description": "its title when the answer was sent"})


class CorrectionNoticeAnswerSchema(Schema):
    id = fields.Integer()
    text = fields.String()
    evidence = fields.List(fields.Nested(AnswerEvidenceSchema))
    answered_by_id = fields.Integer(allow_none=True)
    answered_at = fields.AwareDateTime()
    accepted = fields.Boolean(allow_none=True, metadata={"description": "null while the committee has not decided"})
    decision_reason = fields.String(allow_none=True)
    decided_at = fields.AwareDateTime(allow_none=True)


class CorrectionNoticeSchema(Schema):
    id = fields.Integer(dump_only=True)
    committee_id = fields.Integer(dump_only=True)
    committee_name = fields.Function(lambda r: r.committee.name, dump_only=True)
    branch_id = fields.Integer(required=True, strict=True, validate=ID_RANGE)
    branch_name = fields.Function(lambda r: r.branch.name, dump_only=True)
    rule_id = fields.String(allow_none=True, load_default=None, validate=validate.Length(min=1, max=32))
    period = fields.String(allow_none=True, load_default=None, validate=PERIOD)
    finding = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=5000))
    deadline = fields.Date(required=True)
    state = fields.Enum(CorrectionState, by_value=True, dump_only=True)
    overdue = fields.Function(lambda r: r.overdue_on(clock.today()), dump_only=True,
                              metadata={"type": "boolean", "description": "deadline passed and not accepted"})
    created_by_id = fields.Integer(dump_only=True, allow_none=True)
    created_at = fields.AwareDateTime(dump_only=True)
    updated_at = fields.AwareDateTime(dump_only=True)
    closed_at = fields.AwareDateTime(dump_only=True, allow_none=True)
    answers = fields.List(fields.Nested(CorrectionNoticeAnswerSchema), dump_only=True)
    attachments = fields.List(fields.Nested(CorrectionNoticeAttachmentSchema), dump_only=True)


class CorrectionNoticeQuerySchema(Schema):
    state = fields.Enum(CorrectionState, by_value=True)


class CorrectionNoticeAnswerWriteSchema(Schema):
    text = fields.String(required=True, validate=validate.Length(min=2, max=10000))
    evidence = fields.List(fields.Nested(AnswerEvidenceSchema), load_default=list, validate=validate.Length(max=50))


class CorrectionNoticeDecisionSchema(Schema):
    accept = fields.Boolean(required=True)
    # Required when returning (checked by the operation): the branch sees why.
    reason = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=1000))


class CorrectionNoticeUploadSchema(Schema):
    file = Upload(required=True)

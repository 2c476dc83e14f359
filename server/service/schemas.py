from __future__ import annotations

from flask_smorest.fields import Upload
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from server.core.api import ID_RANGE
from server.core.enums import RecordKind, ServiceCadence, ServicePostKind
from server.records.schemas import RecordSchema

CLIENT_ID = validate.Regexp(r"^[A-Za-z0-9_-]{8,64}$")


class ServicePostSchema(Schema):
    id = fields.Integer(dump_only=True)
    branch_id = fields.Integer(dump_only=True)
    kind = fields.Enum(ServicePostKind, by_value=True, required=True)
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    description = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=2000))
    cadence = fields.Enum(ServiceCadence, by_value=True, required=True)
    starts_on = fields.Date(load_default=None)
    ends_on = fields.Date(dump_only=True, allow_none=True)
    source = fields.String(dump_only=True, allow_none=True)
    created_at = fields.AwareDateTime(dump_only=True)


class ServicePostUpdateSchema(Schema):
    title = fields.String(validate=validate.Length(min=1, max=200))
    description = fields.String(allow_none=True, validate=validate.Length(max=2000))
    cadence = fields.Enum(ServiceCadence, by_value=True)

    @validates_schema
    def _something(self, data, **_):
        if not data:
            raise ValidationError("Say what to change.", "_schema")


class EndSchema(Schema):
    """The last day (inclusive); today when left out."""

    on = fields.Date(load_default=None)


class AssignmentCreateSchema(Schema):
    member_id = fields.Integer(required=True, strict=True, validate=ID_RANGE)
    starts_on = fields.Date(load_default=None)


class ServiceRecordSchema(RecordSchema):
    """A record as the service screens show it: with its post, photo and refusal."""

    detail = fields.String(dump_only=True, allow_none=True)
    service_post_id = fields.Integer(dump_only=True, allow_none=True)
    has_photo = fields.Function(lambda r: bool(r.photo), dump_only=True)
    refused_at = fields.AwareDateTime(dump_only=True, allow_none=True)
    refused_reason = fields.String(dump_only=True, allow_none=True)
    client_id = fields.String(dump_only=True, allow_none=True)


class AssignmentSchema(Schema):
    id = fields.Integer()
    member_id = fields.Integer()
    member_name = fields.String()
    starts_on = fields.Date()
    ends_on = fields.Date(allow_none=True)
    # The records of the post's current period and whether one of them is confirmed.
    records = fields.List(fields.Nested(ServiceRecordSchema))
    met = fields.Boolean()


class BranchPostSchema(Schema):
    post = fields.Nested(ServicePostSchema)
    period = fields.String()
    period_end = fields.Date()
    assignments = fields.List(fields.Nested(AssignmentSchema))


class AssignmentCreatedSchema(Schema):
    id = fields.Integer()
    post_id = fields.Integer()
    member_id = fields.Integer()
    starts_on = fields.Date()
    ends_on = fields.Date(allow_none=True)


class BranchPostsQuerySchema(Schema):
    include_ended = fields.Boolean(load_default=False)


class MyPostSchema(Schema):
    assignment_id = fields.Integer()
    post = fields.Nested(ServicePostSchema)
    period = fields.String()
    period_end = fields.Date()
    confirmed = fields.Integer()
    waiting = fields.Integer()


class MyServiceSchema(Schema):
    year = fields.Integer()
    posts = fields.List(fields.Nested(MyPostSchema))
    records = fields.List(fields.Nested(ServiceRecordSchema))
    # Confirmed records of the year by kind: what counts.
    counted = fields.Dict(keys=fields.String(), values=fields.Integer())
    waiting = fields.Integer()


class MyServiceQuerySchema(Schema):
    year = fields.Integer(validate=validate.Range(min=2000, max=2100))


class OwnRecordUploadSchema(Schema):
    """A multipart body: the phone's id for the record, what happened, and an optional photo."""

    client_id = fields.String(required=True, validate=CLIENT_ID)
    kind = fields.Enum(RecordKind, by_value=True, required=True,
                       validate=validate.OneOf([RecordKind.study, RecordKind.service]))
    occurred_on = fields.Date(required=True)
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    detail = fields.String(load_default=None, validate=validate.Length(max=2000))
    service_post_id = fields.Integer(load_default=None, validate=ID_RANGE)
    file = Upload(load_default=None)


class RefuseSchema(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=2, max=500))

from __future__ import annotations

from flask_smorest.fields import Upload
from marshmallow import Schema, fields, validate

CLIENT_ID = validate.Regexp(r"^[A-Za-z0-9_-]{8,64}$")


class MinutesPhotoSchema(Schema):
    id = fields.Integer()
    client_photo_id = fields.String()
    content_type = fields.String()
    size = fields.Integer()
    sha256 = fields.String()
    created_at = fields.AwareDateTime()


class MinutesSchema(Schema):
    id = fields.Integer(dump_only=True)
    event_id = fields.Integer(dump_only=True)
    text = fields.String(dump_only=True, allow_none=True)
    version = fields.Integer(dump_only=True)
    written_by_id = fields.Integer(dump_only=True, allow_none=True)
    updated_at = fields.AwareDateTime(dump_only=True)
    photos = fields.List(fields.Nested(MinutesPhotoSchema), dump_only=True)
    # False while nothing is written (then text is null and version 0).
    exists = fields.Function(lambda m: m.get("exists", True) if isinstance(m, dict) else True, dump_only=True)


class MinutesWriteSchema(Schema):
    """The whole text, with the phone's id for this write (its outbox may send it more than once)."""

    text = fields.String(required=True, validate=validate.Length(min=1, max=100000))
    nonce = fields.String(required=True, validate=CLIENT_ID)
    base_version = fields.Integer(allow_none=True, load_default=None, strict=True,
                                  validate=validate.Range(min=0, max=2**31 - 1))


class PhotoUploadSchema(Schema):
    """A multipart body: the phone's id for the photo and the file."""

    photo_id = fields.String(required=True, validate=CLIENT_ID)
    file = Upload(required=True)

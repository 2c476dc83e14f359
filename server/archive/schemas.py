from __future__ import annotations

from marshmallow import Schema, fields, validate


class ArchiveQuerySchema(Schema):
    year = fields.Integer(validate=validate.Range(min=2000, max=2100),
                          metadata={"description": "Only that year's records; the whole archive without it."})


class ArchiveFloatingSchema(Schema):
    host_branch_name = fields.String()
    starts_on = fields.Date()
    ends_on = fields.Date(allow_none=True)


class ArchiveMemberSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    branch_id = fields.Integer()
    branch_name = fields.String()
    group_name = fields.String(allow_none=True)
    status = fields.String()
    status_label = fields.String()
    admitted_on = fields.Date(allow_none=True)
    full_since = fields.Date(allow_none=True)
    work_sector = fields.String(allow_none=True)
    left_on = fields.Date(allow_none=True)
    floating = fields.List(fields.Nested(ArchiveFloatingSchema))


class ArchiveItemSchema(Schema):
    id = fields.Integer(allow_none=True, metadata={"description": "The record's, payment's or evaluation row's id."})
    code = fields.String(metadata={"description": "Two capitals, as the page QR carries them (docs/api.md)."})
    kind = fields.String(metadata={"description": "The event kind (attendance) or the record kind."})
    kind_label = fields.String()
    date = fields.Date()
    title = fields.String()
    state = fields.String(metadata={"description": "pending, acknowledged or confirmed."})
    state_label = fields.String()
    kept_by = fields.String(allow_none=True, metadata={"description": "The host branch that keeps it, if not home."})


class ArchiveSectionSchema(Schema):
    key = fields.String()
    title = fields.String()
    items = fields.List(fields.Nested(ArchiveItemSchema))


class ArchivePrintSchema(Schema):
    id = fields.Integer()
    year = fields.Integer(allow_none=True)
    printed_at = fields.DateTime()
    pages = fields.Integer()
    digest = fields.String()


class ArchiveSchema(Schema):
    member = fields.Nested(ArchiveMemberSchema)
    year = fields.Integer(allow_none=True)
    generated_on = fields.Date()
    sections = fields.List(fields.Nested(ArchiveSectionSchema))
    last_print = fields.Nested(ArchivePrintSchema, allow_none=True)

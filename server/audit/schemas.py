from __future__ import annotations

from marshmallow import Schema, fields


class AuditEntrySchema(Schema):
    id = fields.Integer()
    at = fields.AwareDateTime()
    actor_id = fields.Integer(allow_none=True)
    action = fields.String()
    branch_id = fields.Integer(allow_none=True)
    target_type = fields.String()
    target_id = fields.Integer()
    data = fields.Dict()

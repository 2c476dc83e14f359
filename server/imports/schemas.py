from __future__ import annotations

from flask_smorest.fields import Upload
from marshmallow import Schema, fields


class WorkbookUploadSchema(Schema):
    """A multipart body with the workbook (.xlsx) as `file`."""

    file = Upload(required=True)


class ImportProblemSchema(Schema):
    sheet = fields.String()
    row = fields.Integer(allow_none=True)
    column = fields.String(allow_none=True)
    message = fields.String()
    text = fields.String(metadata={"description": "The whole sentence, e.g. 花名册 第12行「入党日期」：日期格式不正确"})


class ImportSummarySchema(Schema):
    branches_new = fields.Integer()
    groups_new = fields.Integer()
    members_new = fields.Integer()
    members_updated = fields.Integer()
    members_unchanged = fields.Integer()
    meetings_new = fields.Integer()
    meetings_unchanged = fields.Integer()


class ImportCheckSchema(Schema):
    """The check of a file: its problems (nothing can be imported while there are any) or what it would do."""

    ok = fields.Boolean()
    problem_count = fields.Integer()
    problems = fields.List(fields.Nested(ImportProblemSchema))
    summary = fields.Nested(ImportSummarySchema)
    file_sha256 = fields.String()


class ImportResultSchema(Schema):
    run_id = fields.Integer(allow_none=True, metadata={"description": "None when the file changed nothing"})
    changed = fields.Boolean()
    summary = fields.Nested(ImportSummarySchema)

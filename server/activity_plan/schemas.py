from __future__ import annotations

from marshmallow import Schema, fields, validate

from server.events.schemas import EventSchema
from server.filings.schemas import FilingSchema

YEARS = validate.Range(min=2000, max=2100)


class PlanQuerySchema(Schema):
    year = fields.Integer(required=True, validate=YEARS)


class PlanGenerateSchema(Schema):
    """Plan the year's remaining activity days on their rule dates (months that have one keep it)."""

    year = fields.Integer(required=True, strict=True, validate=YEARS)
    start_time = fields.String(load_default="14:30", validate=validate.Regexp(r"^([01]\d|2[0-3]):[0-5]\d$"),
                               metadata={"description": "Local (China) start time, HH:MM."})
    duration_minutes = fields.Integer(load_default=120, strict=True, validate=validate.Range(min=15, max=600))
    place = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=200))
    themes = fields.List(fields.String(validate=validate.Length(max=200)), load_default=list,
                         validate=validate.Length(max=12),
                         metadata={"description": "Themes for January to December, in order (optional)."})


class PlanFileSchema(Schema):
    year = fields.Integer(required=True, strict=True, validate=YEARS)
    body = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=100000))


class PlanMonthSchema(Schema):
    month = fields.Integer()
    rule_date = fields.Date(metadata={"description": "DAY-date: the first Wednesday, or the next week's after a rest day."})
    event = fields.Nested(EventSchema, allow_none=True)
    on_rule_date = fields.Boolean(allow_none=True)


class PlanSchema(Schema):
    branch_id = fields.Integer()
    year = fields.Integer()
    calendar_source = fields.String()
    months = fields.List(fields.Nested(PlanMonthSchema))
    filings = fields.List(fields.Nested(FilingSchema))

from __future__ import annotations

from marshmallow import Schema, fields, validate

from server.core.enums import Sector
from server.events.schemas import EventSchema

YEARS = validate.Range(min=2000, max=2100)
CODE = validate.Regexp(r"^[a-z][a-z0-9-]{1,47}$")


class FeaturedEventSpecSchema(Schema):
    title = fields.String()
    kind = fields.String(attribute="kind.value")
    schedule = fields.Function(lambda e: e.schedule.describe_zh(),
                               metadata={"description": "When, in Chinese (每月20日; a rest day moves to the next working day)."})
    every = fields.String(attribute="schedule.every")
    time = fields.String(metadata={"description": "Local (China) start time, HH:MM."})
    duration_minutes = fields.Integer()


class FeaturedAssignmentSpecSchema(Schema):
    kind = fields.String(metadata={"description": "The service post's kind (ServicePostKind)."})
    title = fields.String()
    description = fields.String(allow_none=True)
    cadence = fields.String(metadata={"description": "month | quarter | year: a record expected per period."})


class FeaturedPointsItemSchema(Schema):
    key = fields.String(metadata={"description": "featured (attendance at its events) or record:<kind>."})
    title = fields.String()
    points = fields.Integer()
    cap_per_period = fields.Integer(allow_none=True)


class FeaturedRuleSpecSchema(Schema):
    id = fields.String()
    title = fields.String()
    period = fields.String()
    requirement = fields.String(metadata={"description": "events_held | service_records."})
    min = fields.Integer()


class FeaturedTemplateSchema(Schema):
    code = fields.String()
    sector = fields.Enum(Sector)
    title = fields.String()
    summary = fields.String()
    builtin = fields.Boolean(metadata={"description": "False for a template of the county's own folder."})
    events = fields.List(fields.Nested(FeaturedEventSpecSchema))
    assignments = fields.List(fields.Nested(FeaturedAssignmentSpecSchema))
    points = fields.List(fields.Nested(FeaturedPointsItemSchema))
    rules = fields.List(fields.Nested(FeaturedRuleSpecSchema))


class FeaturedAdoptionSchema(Schema):
    id = fields.Integer()
    template_code = fields.String()
    adopted_on = fields.Date()
    adopted_by_id = fields.Integer(allow_none=True)
    dropped_on = fields.Date(allow_none=True)
    dropped_by_id = fields.Integer(allow_none=True)


class FeaturedBranchTemplateSchema(Schema):
    template = fields.Nested(FeaturedTemplateSchema)
    adoption = fields.Nested(FeaturedAdoptionSchema, allow_none=True,
                             metadata={"description": "The open adoption; null when the branch has not adopted it."})
    events = fields.List(fields.Nested(EventSchema), metadata={"description": "This year's events of it, any status."})


class FeaturedBranchSchema(Schema):
    branch_id = fields.Integer()
    sector = fields.Enum(Sector)
    year = fields.Integer()
    templates = fields.List(fields.Nested(FeaturedBranchTemplateSchema),
                            metadata={"description": "The catalogue, the branch's own sector first."})


class FeaturedYearQuerySchema(Schema):
    year = fields.Integer(validate=YEARS, metadata={"description": "Default: this year."})


class FeaturedAdoptSchema(Schema):
    template_code = fields.String(required=True, validate=CODE)


class FeaturedPlanSchema(Schema):
    year = fields.Integer(required=True, strict=True, validate=YEARS)


class FeaturedChangeSchema(Schema):
    """What an adoption, a drop or a year's planning did."""

    adoption = fields.Nested(FeaturedAdoptionSchema)
    template = fields.Nested(FeaturedTemplateSchema)
    events = fields.List(fields.Nested(EventSchema), metadata={"description": "Events put on the plan."})
    posts = fields.List(fields.String(), metadata={"description": "Service posts created."})
    cancelled_events = fields.Integer(metadata={"description": "Planned events ahead cancelled (a drop)."})

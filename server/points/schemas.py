"""The points scheme's wire format. No schema here has a sort or order parameter: nothing is ever
sorted by points (tests/server/test_points_api.py checks the OpenAPI document)."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from server.points.models import PublishEvery

POINTS = validate.Range(min=-100, max=100, error="Points per entry are -100 to 100.")
KEY = validate.Regexp(r"^(event|record|featured|dues):[a-z0-9_]{1,54}\Z", error="A key is like event:activity_day.")


class PointsRuleRequestSchema(Schema):
    key = fields.String(required=True, validate=KEY, metadata={"example": "record:study"})
    title = fields.String(required=True, validate=validate.Length(min=1, max=100),
                          metadata={"description": "The branch's words for the rule."})
    points = fields.Integer(strict=True, required=True, validate=POINTS)
    cap_per_period = fields.Integer(strict=True, allow_none=True, load_default=None,
                                    validate=validate.Range(min=0, max=1000), metadata={
                                        "description": "The most points this key adds per member per period."})


class PointsSchemeRequestSchema(Schema):
    """The whole scheme: replaces the branch's own rules (rules of featured systems stay)."""

    publish_every = fields.Enum(PublishEvery, by_value=True, required=True)
    absence_deduction = fields.Integer(strict=True, required=True, validate=validate.Range(min=0, max=100), metadata={
        "description": "Points taken per unexcused absence from an event the member was expected at."})
    rules = fields.List(fields.Nested(PointsRuleRequestSchema), required=True, validate=validate.Length(max=100))


class PointsSchemeSettingsSchema(Schema):
    publish_every = fields.String()
    absence_deduction = fields.Integer()
    updated_at = fields.DateTime()


class PointsRuleSchema(Schema):
    key = fields.String()
    title = fields.String()
    points = fields.Integer()
    cap_per_period = fields.Integer(allow_none=True)
    source = fields.String(metadata={"description": "branch, or template:<code> (a featured system)"})
    applies = fields.Boolean(metadata={"description": "False when the branch's own rule of the key wins."})


class PointsKeySchema(Schema):
    key = fields.String()
    label = fields.String()


class PointsSchemeSchema(Schema):
    branch_id = fields.Integer()
    branch_name = fields.String()
    scheme = fields.Nested(PointsSchemeSettingsSchema, allow_none=True)
    rules = fields.List(fields.Nested(PointsRuleSchema))
    keys = fields.List(fields.Nested(PointsKeySchema))
    publish_within_days = fields.Integer()


class PointsLineSchema(Schema):
    """One entry and what it earned: every point names its record, event or dues month."""

    key = fields.String()
    rule = fields.String()
    title = fields.String()
    date = fields.String()
    record_id = fields.Integer(allow_none=True)
    event_id = fields.Integer(allow_none=True)
    month = fields.String(allow_none=True)
    points = fields.Integer()
    capped = fields.Boolean()


class PeriodFieldsSchema(Schema):
    period = fields.String(metadata={"example": "2026-Q3"})
    period_zh = fields.String()
    starts_on = fields.Date()
    ends_on = fields.Date()


class PointsMemberRowSchema(Schema):
    member_id = fields.Integer()
    name = fields.String()
    total = fields.Integer()
    lines = fields.List(fields.Nested(PointsLineSchema))


class PointsBranchPeriodSchema(PeriodFieldsSchema):
    """A period's points of every member, in name order (never sorted by points)."""

    branch_id = fields.Integer()
    published = fields.Boolean()
    published_at = fields.DateTime(allow_none=True)
    publish_deadline = fields.Date()
    can_publish = fields.Boolean()
    cannot_publish_because = fields.String(allow_none=True)
    members = fields.List(fields.Nested(PointsMemberRowSchema))


class PointsPeriodStatusSchema(PeriodFieldsSchema):
    ended = fields.Boolean()
    publish_deadline = fields.Date()
    published_at = fields.DateTime(allow_none=True)


class PointsBranchPeriodsSchema(Schema):
    branch_id = fields.Integer()
    publish_every = fields.String(allow_none=True)
    current_period = fields.String(allow_none=True)
    periods = fields.List(fields.Nested(PointsPeriodStatusSchema))


class PointsPublicationSchema(PeriodFieldsSchema):
    id = fields.Integer()
    branch_id = fields.Integer()
    published_at = fields.DateTime()


class MyPointsPeriodSchema(PeriodFieldsSchema):
    published_at = fields.DateTime(allow_none=True)
    published = fields.Boolean()
    total = fields.Integer()
    lines = fields.List(fields.Nested(PointsLineSchema))


class MyPointsSchema(Schema):
    """The caller's own points only: the rules, each published period, the current preview."""

    member_id = fields.Integer()
    member_name = fields.String()
    scheme = fields.Nested(PointsSchemeSettingsSchema, allow_none=True)
    rules = fields.List(fields.Nested(PointsRuleSchema))
    absence_deduction = fields.Integer(allow_none=True)
    published = fields.List(fields.Nested(MyPointsPeriodSchema))
    preview = fields.Nested(MyPointsPeriodSchema, allow_none=True)

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from server.core.enums import CalendarDayKind

YEARS = validate.Range(min=2000, max=2100)


class ScheduleDaySchema(Schema):
    date = fields.Date(required=True)
    kind = fields.Enum(CalendarDayKind, by_value=True, required=True)
    name = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=100))


class ScheduleLoadSchema(Schema):
    """An official schedule: `days` as a list, or `csv` as `YYYY-MM-DD,rest|work[,name]` lines."""

    note = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=500))
    days = fields.List(fields.Nested(ScheduleDaySchema), validate=validate.Length(max=400))
    csv = fields.String(validate=validate.Length(max=40000))

    @validates_schema
    def _one_source(self, data, **_):
        if ("days" in data) == ("csv" in data):
            raise ValidationError("Send either `days` or `csv`.", "days")


class ScheduleMonthMoveSchema(Schema):
    month = fields.Integer()
    from_ = fields.Date(data_key="from", attribute="from")
    to = fields.Date()


class ScheduleEventMoveSchema(Schema):
    event_id = fields.Integer()
    title = fields.String()
    from_ = fields.Date(data_key="from", attribute="from")
    to = fields.Date()
    starts_at = fields.AwareDateTime(metadata={"description": "Its start after saving (unchanged when not moved)."})
    moved = fields.Boolean()
    reason = fields.String(allow_none=True, metadata={"enum": ["edited_by_hand", "past", None]})


class ScheduleBranchMovesSchema(Schema):
    branch_id = fields.Integer()
    branch_name = fields.String(allow_none=True)
    events = fields.List(fields.Nested(ScheduleEventMoveSchema))


class SchedulePreviewSchema(Schema):
    year = fields.Integer()
    source = fields.String(metadata={"description": "Where the year's calendar comes from today (before saving)."})
    rest_days = fields.Integer()
    workdays = fields.Integer()
    activity_days = fields.List(fields.Nested(ScheduleMonthMoveSchema), metadata={
        "description": "The months whose activity day (DAY-date) the schedule moves."})
    branches = fields.List(fields.Nested(ScheduleBranchMovesSchema), metadata={
        "description": "Per branch the caller oversees: its planned activity days that would move, or stay (to check)."})
    moved = fields.Integer()
    not_moved = fields.Integer()
    other_branches = fields.Integer(metadata={"description": "Branches outside the caller's committee that would change too."})


class NamedDaySchema(Schema):
    date = fields.Date()
    name = fields.String(allow_none=True)


class CalendarYearSchema(Schema):
    year = fields.Integer()
    source = fields.String(metadata={"enum": ["override", "package", "estimated"]})
    loaded_at = fields.AwareDateTime(allow_none=True)
    note = fields.String(allow_none=True)
    rest_days = fields.List(fields.Nested(NamedDaySchema))
    weekend_rest_days = fields.List(fields.Nested(NamedDaySchema))
    workdays = fields.List(fields.Nested(NamedDaySchema))
    activity_days = fields.List(fields.Date())
    plan_events_moved = fields.Integer(metadata={
        "description": "After loading: the plans' activity days moved to their new rule dates."})
    plan_events_not_moved = fields.Integer(metadata={
        "description": "After loading: those left where they were (edited by hand, or the new date is past)."})


class CalendarWarningSchema(Schema):
    key = fields.String()
    year = fields.Integer()
    text = fields.String()


class YearSourceSchema(Schema):
    year = fields.Integer()
    source = fields.String()


class CalendarStatusSchema(Schema):
    today = fields.Date()
    years = fields.List(fields.Nested(YearSourceSchema))
    warning = fields.Nested(CalendarWarningSchema, allow_none=True)


class CalendarFeedSchema(Schema):
    exists = fields.Boolean(dump_default=True)
    url = fields.String(allow_none=True)
    webcal_url = fields.String(allow_none=True)
    created_at = fields.AwareDateTime(allow_none=True)

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema


class AttendancePeriodQuerySchema(Schema):
    year = fields.Integer(validate=validate.Range(min=2000, max=2100),
                          metadata={"description": "Defaults to this year (China time)."})
    month = fields.Integer(validate=validate.Range(min=1, max=12),
                           metadata={"description": "One month of the year; without month or quarter, the whole year."})
    quarter = fields.Integer(validate=validate.Range(min=1, max=4), metadata={"description": "One quarter of the year."})

    @validates_schema
    def one_period(self, data, **kwargs):
        if "month" in data and "quarter" in data:
            raise ValidationError("Give a month or a quarter, not both.", "quarter")


from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from server.core.api import ID_RANGE
from server.core.enums import FilingDecision, FilingKind

YEARS = validate.Range(min=2000, max=2100)
PERIOD = validate.Regexp(r"^\d{4}(-(0[1-9]|1[0-2]|Q[1-4]|H[12]))?$")


class FilingSchema(Schema):
    id = fields.Integer(dump_only=True)
    branch_id = fields.Integer(dump_only=True)
    branch_name = fields.Function(lambda f: f.branch.name, dump_only=True)
    kind = fields.Enum(FilingKind, by_value=True, required=True)
    year = fields.Integer(required=True, strict=True, validate=YEARS)
    period = fields.String(allow_none=True, load_default=None, validate=PERIOD)
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    body = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=100000))
    details = fields.Dict(dump_only=True, allow_none=True)
    event_id = fields.Integer(allow_none=True, load_default=None, strict=True, validate=ID_RANGE)
    requested_on = fields.Date(allow_none=True, load_default=None)
    filed_at = fields.AwareDateTime(dump_only=True)
    filed_by_id = fields.Integer(dump_only=True, allow_none=True)
    decision = fields.Enum(FilingDecision, by_value=True, dump_only=True, allow_none=True)
    decided_at = fields.AwareDateTime(dump_only=True, allow_none=True)
    decided_by_id = fields.Integer(dump_only=True, allow_none=True)
    decision_note = fields.String(dump_only=True, allow_none=True)
    approved_at = fields.AwareDateTime(dump_only=True, allow_none=True)
    approved_by_id = fields.Integer(dump_only=True, allow_none=True)
    state = fields.String(dump_only=True, metadata={"enum": ["sent", "accepted", "returned"],
                                                    "description": "sent: awaiting the committee; "
                                                                   "returned: declined, see decision_reason"})
    # The committee's reason (the decision's note under the name the app shows).
    decision_reason = fields.String(attribute="decision_note", dump_only=True, allow_none=True)
    refiles_id = fields.Integer(dump_only=True, allow_none=True,
                                metadata={"description": "The returned filing this one sends again."})
    refiled_as_id = fields.Function(lambda f: f.refiled_as.id if f.refiled_as else None, dump_only=True,
                                    metadata={"type": "integer", "nullable": True,
                                              "description": "The filing that sent this one again."})

    @validates_schema
    def _date_change(self, data, **_):
        if data.get("kind") == FilingKind.org_life_date_change and data.get("requested_on") is None:
            raise ValidationError("A date change names the date asked for.", "requested_on")


class FilingQuerySchema(Schema):
    year = fields.Integer(validate=YEARS)
    kind = fields.Enum(FilingKind, by_value=True)
    pending = fields.Boolean(metadata={"description": "Only filings not yet decided."})


class FilingDecisionSchema(Schema):
    approve = fields.Boolean(required=True)
    # Required when returning a filing (checked by the operation): the branch sees why.
    note = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=1000))


class FilingRefileSchema(Schema):
    """Sending a returned filing again: the same kind, year and period; what changed is given."""

    title = fields.String(validate=validate.Length(min=1, max=200))
    body = fields.String(allow_none=True, validate=validate.Length(max=100000))
    details = fields.Dict(allow_none=True)


class RectificationItemSchema(Schema):
    id = fields.Integer(dump_only=True)
    branch_id = fields.Integer(dump_only=True)
    year = fields.Integer(required=True, strict=True, validate=YEARS)
    event_id = fields.Integer(allow_none=True, load_default=None, strict=True, validate=ID_RANGE)
    problem = fields.String(required=True, validate=validate.Length(min=1, max=500))
    measures = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=10000))
    responsible = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=100))
    due_on = fields.Date(allow_none=True, load_default=None)
    completed_on = fields.Date(allow_none=True, load_default=None)
    progress = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=10000))
    # A member of the branch charged with the item.
    assignee_member_id = fields.Integer(allow_none=True, load_default=None, strict=True, validate=ID_RANGE)
    assignee_name = fields.Function(lambda i: i.assignee.name if i.assignee else None, dump_only=True,
                                    metadata={"type": "string", "nullable": True})
    # The latest progress announced to the branch's members (POST .../announce).
    announcement = fields.String(dump_only=True, allow_none=True)
    announced_at = fields.AwareDateTime(dump_only=True, allow_none=True)
    created_at = fields.AwareDateTime(dump_only=True)
    updated_at = fields.AwareDateTime(dump_only=True)


class RectificationUpdateSchema(Schema):
    problem = fields.String(validate=validate.Length(min=1, max=500))
    measures = fields.String(allow_none=True, validate=validate.Length(max=10000))
    responsible = fields.String(allow_none=True, validate=validate.Length(max=100))
    due_on = fields.Date(allow_none=True)
    completed_on = fields.Date(allow_none=True)
    progress = fields.String(allow_none=True, validate=validate.Length(max=10000))
    assignee_member_id = fields.Integer(allow_none=True, strict=True, validate=ID_RANGE)


class RectificationAnnounceSchema(Schema):
    text = fields.String(required=True, validate=validate.Length(min=2, max=1000))


class RectificationQuerySchema(Schema):
    year = fields.Integer(validate=YEARS)


class RectificationReviewSchema(Schema):
    """What an org-life meeting reviews: the items its branch set at the previous year's meeting."""

    event_id = fields.Integer()
    year = fields.Integer()
    reviewed_year = fields.Integer()
    items = fields.List(fields.Nested(RectificationItemSchema))

from __future__ import annotations

from marshmallow import Schema, fields, validate

from server.calendar.schemas import CalendarWarningSchema
from server.compliance.registry import State

STATES = [s.value for s in State]


class ComplianceQuerySchema(Schema):
    year = fields.Integer(validate=validate.Range(min=2000, max=2100),
                          metadata={"description": "Defaults to this year (China time)."})
    month = fields.Integer(validate=validate.Range(min=1, max=12),
                           metadata={"description": "Defaults to this month; its quarter and year are judged too."})


class NextStepSchema(Schema):
    key = fields.String()
    params = fields.Dict()
    text = fields.String(metadata={"description": "The next step in Chinese."})


class EvidenceSchema(Schema):
    events = fields.List(fields.Integer())
    records = fields.Integer(metadata={"description": "Attendance records of those events."})
    minutes = fields.List(fields.Integer())
    filings = fields.List(fields.Integer())
    rectification_items = fields.List(fields.Integer())
    members = fields.List(fields.Integer(), metadata={"description": "The members concerned."})
    recruitment_steps = fields.List(fields.Integer())
    dues_payments = fields.List(fields.Integer())
    remittances = fields.List(fields.Integer())
    publications = fields.List(fields.Integer())
    details = fields.List(fields.String(), metadata={"description": "One line per person or item, in Chinese."})


class ScopeSchema(Schema):
    kind = fields.String(metadata={"enum": ["branch", "group"]})
    group_id = fields.Integer(allow_none=True)
    group_name = fields.String(allow_none=True)


class ResultSchema(Schema):
    rule = fields.String()
    system = fields.Integer()
    title = fields.String()
    period_kind = fields.String(metadata={"enum": ["month", "quarter", "year"]})
    period = fields.String()
    period_zh = fields.String()
    scope = fields.Nested(ScopeSchema)
    state = fields.String(metadata={"enum": STATES})
    deadline = fields.Date(allow_none=True)
    evidence = fields.Nested(EvidenceSchema)
    next_step = fields.Nested(NextStepSchema, allow_none=True)


class PeriodSchema(Schema):
    label = fields.String()
    label_zh = fields.String()
    start = fields.Date()
    end = fields.Date()


class PeriodsSchema(Schema):
    month = fields.Nested(PeriodSchema)
    quarter = fields.Nested(PeriodSchema)
    year = fields.Nested(PeriodSchema)


def _summary():
    return fields.Dict(keys=fields.String(), values=fields.Integer())


class CalendarChangeSchema(Schema):
    """An activity day of the branch's plan that a newly loaded (or removed) holiday schedule moved,
    or did not move because it needs a person's look."""

    event_id = fields.Integer()
    title = fields.String()
    from_ = fields.Date(data_key="from", attribute="from", metadata={"description": "Its date before."})
    to = fields.Date(metadata={"description": "The new rule date."})
    moved = fields.Boolean(metadata={"description": "False: not moved, check it."})
    reason = fields.String(allow_none=True, metadata={
        "description": "Why it was not moved: `edited_by_hand` (its date or time was changed by a person) or "
                       "`past` (the new date is already past); null when moved."})
    at = fields.AwareDateTime()


class BranchComplianceSchema(Schema):
    branch_id = fields.Integer()
    branch_name = fields.String()
    today = fields.Date()
    year = fields.Integer()
    month = fields.Integer()
    periods = fields.Nested(PeriodsSchema)
    calendar_warning = fields.Nested(CalendarWarningSchema, allow_none=True)
    last_event_on = fields.Date(allow_none=True)
    days_since_last_event = fields.Integer(allow_none=True)
    silent = fields.Boolean()
    summary = _summary()
    results = fields.List(fields.Nested(ResultSchema))
    calendar_changes = fields.List(fields.Nested(CalendarChangeSchema), metadata={
        "description": "The plan's activity days the holiday calendar moved (or left, to check) in the last 30 days."})


class RuleSchema(Schema):
    id = fields.String()
    system = fields.Integer()
    system_name = fields.String()
    period_kind = fields.String()
    scope = fields.String()
    title = fields.String()


class BranchRowSchema(Schema):
    branch_id = fields.Integer()
    branch_name = fields.String()
    sector = fields.String()
    committee_id = fields.Integer(metadata={"description": "The committee the branch sits directly under."})
    states = fields.Dict(keys=fields.String(), values=fields.String(),
                         metadata={"description": "Rule id to state (the worst over a branch's groups)."})
    summary = _summary()
    attention = fields.List(fields.String())
    last_event_on = fields.Date(allow_none=True)
    days_since_last_event = fields.Integer(allow_none=True)
    silent = fields.Boolean(metadata={"description": "No event for more than 30 days."})


class PathStepSchema(Schema):
    committee_id = fields.Integer()
    committee_name = fields.String()


class SubCommitteeRowSchema(Schema):
    """A sub-committee, aggregated over every branch of its subtree."""

    committee_id = fields.Integer()
    committee_name = fields.String()
    branch_count = fields.Integer(metadata={"description": "Branches in its whole subtree."})
    silent_count = fields.Integer(metadata={"description": "Of those, branches with no event for more than 30 days."})
    behind_count = fields.Integer(metadata={"description": "Of those, branches with a rule missed or late."})
    states = fields.Dict(keys=fields.String(), values=fields.Dict(keys=fields.String(), values=fields.Integer()),
                         metadata={"description": "Rule id to the number of branches in each state."})
    summary = _summary()


class CommitteeComplianceSchema(Schema):
    committee_id = fields.Integer()
    committee_name = fields.String()
    today = fields.Date()
    year = fields.Integer()
    month = fields.Integer()
    periods = fields.Nested(PeriodsSchema)
    calendar_warning = fields.Nested(CalendarWarningSchema, allow_none=True)
    rules = fields.List(fields.Nested(RuleSchema))
    branches = fields.List(fields.Nested(BranchRowSchema))


class CommitteeTreeSchema(CommitteeComplianceSchema):
    path = fields.List(fields.Nested(PathStepSchema), metadata={
        "description": "From the highest committee the caller oversees down to this one (breadcrumbs)."})
    committees = fields.List(fields.Nested(SubCommitteeRowSchema), metadata={
        "description": "The direct sub-committees, each aggregated over its subtree."})
    branches = fields.List(fields.Nested(BranchRowSchema), metadata={
        "description": "The branches directly under this committee (those of sub-committees are in `committees`)."})

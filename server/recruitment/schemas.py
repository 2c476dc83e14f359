from __future__ import annotations

import datetime as dt

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from server.core.api import ID_RANGE
from server.core.enums import RecruitmentStage
from server.recruitment.models import Gender
from server.recruitment.pipeline import EXTENSION_MAX_MONTHS, Body, Outcome, StepKind

# Dates a branch records: from 1900 to 2100 (a birth date, a letter, a meeting).
DATES = validate.Range(min=dt.date(1900, 1, 1), max=dt.date(2100, 12, 31))
PHONE = validate.Regexp(r"^\+?[0-9 -]{5,20}$")
COUNT = validate.Range(min=0, max=100000)


def Day(**kw):  # noqa: N802 - a field factory, named like the fields it makes
    return fields.Date(validate=DATES, **kw)


# --- input ---------------------------------------------------------------------------------------

class CaseCreateSchema(Schema):
    """A new applicant: who they are and the date of their letter (入党申请书)."""

    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    gender = fields.Enum(Gender, by_value=True, allow_none=True, load_default=None)
    birth_date = Day(allow_none=True, load_default=None)
    phone = fields.String(allow_none=True, load_default=None, validate=PHONE)
    group_id = fields.Integer(allow_none=True, load_default=None, strict=True, validate=ID_RANGE)
    applied_on = Day(required=True, metadata={"description": "The date of the application letter."})
    note = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=2000))


class CaseUpdateSchema(Schema):
    """Corrections to who the person is (the steps are never edited)."""

    name = fields.String(validate=validate.Length(min=1, max=100))
    gender = fields.Enum(Gender, by_value=True, allow_none=True)
    birth_date = Day(allow_none=True)
    phone = fields.String(allow_none=True, validate=PHONE)
    group_id = fields.Integer(allow_none=True, strict=True, validate=ID_RANGE)


class VotesSchema(Schema):
    votes_for = fields.Integer(required=True, strict=True, validate=COUNT)
    votes_against = fields.Integer(required=True, strict=True, validate=COUNT)
    abstentions = fields.Integer(required=True, strict=True, validate=COUNT)
    present = fields.Integer(required=True, strict=True, validate=COUNT,
                             metadata={"description": "Members with a vote at the meeting."})
    entitled = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=100000),
                              metadata={"description": "Full members entitled to vote (应到会有表决权的正式党员)."})

    @validates_schema
    def _consistent(self, data, **_):
        cast = data["votes_for"] + data["votes_against"] + data["abstentions"]
        if cast > data["present"]:
            raise ValidationError("More votes than members present.", "present")
        if data["present"] > data["entitled"]:
            raise ValidationError("More members present than entitled to vote.", "present")


class StepCreateSchema(Schema):
    """The next step of a case (pipeline.STEPS says which, by whom, with what)."""

    kind = fields.Enum(StepKind, by_value=True, required=True)
    on = Day(required=True, metadata={"description": "The date of the step (the meeting, the decision)."})
    decided_by = fields.Enum(Body, by_value=True, allow_none=True, load_default=None,
                             metadata={"description": "Who decided; the step's usual body when omitted."})
    document = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=200),
                             metadata={"description": "The document's title or number (文号)."})
    filing_id = fields.Integer(allow_none=True, load_default=None, strict=True, validate=ID_RANGE,
                               metadata={"description": "A filing of the branch that sent the document."})
    file = fields.Boolean(load_default=True, metadata={
        "description": "For a step filed with the committee, without filing_id: file it now (a `recruitment` filing)."})
    note = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=2000))
    votes = fields.Nested(VotesSchema, allow_none=True, load_default=None)
    outcome = fields.Enum(Outcome, by_value=True, allow_none=True, load_default=None)
    extension_months = fields.Integer(allow_none=True, load_default=None, strict=True,
                                      validate=validate.Range(min=1, max=2 * EXTENSION_MAX_MONTHS))


class AssessmentCreateSchema(Schema):
    """A half-yearly assessment of an activist (培养考察)."""

    on = Day(required=True)
    note = fields.String(required=True, validate=validate.Length(min=1, max=2000),
                         metadata={"description": "What the contacts found."})
    decided_by = fields.Enum(Body, by_value=True, allow_none=True, load_default=None)
    document = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=200))


class ContactsSchema(Schema):
    """The activist's contacts from a date: 1–2 full members of the branch (replacing the current ones)."""

    member_ids = fields.List(fields.Integer(strict=True, validate=ID_RANGE), required=True,
                             validate=validate.Length(min=1, max=2))
    on = Day(required=True)


# --- output --------------------------------------------------------------------------------------

class StepSchema(Schema):
    id = fields.Integer()
    kind = fields.Enum(StepKind, by_value=True)
    title = fields.String(metadata={"description": "The step in Chinese."})
    on = fields.Date()
    decided_by = fields.Enum(Body, by_value=True, allow_none=True)
    document = fields.String(allow_none=True)
    filing_id = fields.Integer(allow_none=True)
    filing_state = fields.String(allow_none=True, metadata={"enum": ["sent", "accepted", "returned"]})
    note = fields.String(allow_none=True)
    votes_for = fields.Integer(allow_none=True)
    votes_against = fields.Integer(allow_none=True)
    abstentions = fields.Integer(allow_none=True)
    present = fields.Integer(allow_none=True)
    entitled = fields.Integer(allow_none=True)
    outcome = fields.Enum(Outcome, by_value=True, allow_none=True)
    extension_months = fields.Integer(allow_none=True)
    from_stage = fields.Enum(RecruitmentStage, by_value=True, allow_none=True)
    to_stage = fields.Enum(RecruitmentStage, by_value=True)
    recorded_by = fields.String(allow_none=True, metadata={"description": "The account that recorded it."})
    recorded_at = fields.AwareDateTime()


class ContactSchema(Schema):
    member_id = fields.Integer()
    name = fields.String()
    assigned_on = fields.Date()
    ended_on = fields.Date(allow_none=True)
    current = fields.Boolean()


class ObligationSchema(Schema):
    key = fields.String(metadata={"enum": ["talk", "assessment", "candidate", "admission_approval", "conversion",
                                           "conversion_approval"]})
    rule = fields.String()
    since = fields.Date()
    opens_on = fields.Date()
    deadline = fields.Date(allow_none=True)
    done_on = fields.Date(allow_none=True)
    step_id = fields.Integer(allow_none=True)
    state = fields.String(metadata={"enum": ["met", "late", "due", "overdue", "missed", "waiting"]})
    text = fields.String(metadata={"description": "In Chinese."})


class OptionSchema(Schema):
    kind = fields.Enum(StepKind, by_value=True)
    title = fields.String()
    actor = fields.String(metadata={"enum": ["branch", "committee"]})
    yours = fields.Boolean(metadata={"description": "Whether the caller records this step."})
    earliest = fields.Date(allow_none=True)
    deadline = fields.Date(allow_none=True)
    blocked = fields.String(allow_none=True, metadata={"description": "The rule that refuses it today."})
    blocked_text = fields.String(allow_none=True)
    bodies = fields.List(fields.Enum(Body, by_value=True))
    votes = fields.Boolean()
    files = fields.Boolean()
    outcomes = fields.List(fields.Enum(Outcome, by_value=True))


class PersonSchema(Schema):
    id = fields.Integer()
    name = fields.String()


class CaseSummarySchema(Schema):
    id = fields.Integer()
    branch_id = fields.Integer()
    branch_name = fields.String()
    name = fields.String()
    gender = fields.Enum(Gender, by_value=True, allow_none=True)
    group_id = fields.Integer(allow_none=True)
    group_name = fields.String(allow_none=True)
    stage = fields.Enum(RecruitmentStage, by_value=True)
    stage_since = fields.Date(allow_none=True)
    active = fields.Boolean(metadata={"description": "Still on the road (not full, cancelled or discontinued)."})
    applied_on = fields.Date()
    member_id = fields.Integer(allow_none=True)
    probation_ends_on = fields.Date(allow_none=True)
    contacts = fields.List(fields.String(), metadata={"description": "The current contacts' names."})
    overdue = fields.List(fields.String(), metadata={"description": "Steps past their deadline, in Chinese."})
    next_text = fields.String(allow_none=True, metadata={"description": "The next timed step, in Chinese."})
    next_deadline = fields.Date(allow_none=True)
    awaiting_committee = fields.Boolean(metadata={"description": "The next step is the superior committee's."})


class CaseDetailSchema(CaseSummarySchema):
    birth_date = fields.Date(allow_none=True)
    phone = fields.String(allow_none=True)
    admitted_on = fields.Date(allow_none=True)
    full_since = fields.Date(allow_none=True)
    extended = fields.Boolean()
    committee_name = fields.String()
    steps = fields.List(fields.Nested(StepSchema))
    contact_history = fields.List(fields.Nested(ContactSchema))
    assessments = fields.List(fields.Nested(StepSchema))
    obligations = fields.List(fields.Nested(ObligationSchema))
    options = fields.List(fields.Nested(OptionSchema))
    full_members = fields.List(fields.Nested(PersonSchema), metadata={
        "description": "The branch's full members (who may be contacts); its managers only."})
    entitled = fields.Integer(metadata={"description": "The branch's full members today (to prefill a vote)."})


class BranchRecruitmentSchema(Schema):
    branch_id = fields.Integer()
    branch_name = fields.String()
    committee_name = fields.String()
    today = fields.Date()
    counts = fields.Dict(keys=fields.String(), values=fields.Integer(), metadata={"description": "Cases by stage."})
    cases = fields.List(fields.Nested(CaseSummarySchema))
    groups = fields.List(fields.Nested(PersonSchema))


class CommitteeRecruitmentSchema(Schema):
    committee_id = fields.Integer()
    committee_name = fields.String()
    today = fields.Date()
    cases = fields.List(fields.Nested(CaseSummarySchema))


class CommitteeQuerySchema(Schema):
    all = fields.Boolean(load_default=False, metadata={
        "description": "Every active case, not only those awaiting the committee."})


class MyStepSchema(Schema):
    kind = fields.Enum(StepKind, by_value=True)
    title = fields.String()
    on = fields.Date()
    decided_by = fields.Enum(Body, by_value=True, allow_none=True)


class MyRecruitmentSchema(Schema):
    """The caller's own road to membership (nothing of anyone else's)."""

    exists = fields.Boolean()
    stage = fields.Enum(RecruitmentStage, by_value=True, allow_none=True)
    stage_since = fields.Date(allow_none=True)
    applied_on = fields.Date(allow_none=True)
    admitted_on = fields.Date(allow_none=True)
    probation_ends_on = fields.Date(allow_none=True)
    full_since = fields.Date(allow_none=True)
    extended = fields.Boolean()
    awaiting = fields.String(allow_none=True, metadata={
        "enum": ["conversion_discussion", "conversion_approval", None],
        "description": "What the probationary member waits for next."})
    steps = fields.List(fields.Nested(MyStepSchema))
    contacts = fields.List(fields.String())

from __future__ import annotations

from marshmallow import Schema, fields, validate

from server.core.api import ID_RANGE
from server.core.enums import EvaluationGrade
from server.evaluation.models import STAGES, BallotIssue, EvaluationStage, HandlingKind, ReviewState

YEARS = validate.Range(min=2000, max=2100)
Id = lambda **kw: fields.Integer(strict=True, validate=ID_RANGE, **kw)  # noqa: E731
Nonce = lambda: fields.String(required=True, validate=validate.Regexp(r"^[A-Za-z0-9_-]{8,64}$"))  # noqa: E731
B64 = validate.Regexp(r"^[A-Za-z0-9_-]{1,1024}$")


# --- input -------------------------------------------------------------------------------------------

class EvaluationCreateSchema(Schema):
    year = fields.Integer(required=True, strict=True, validate=YEARS)
    title = fields.String(validate=validate.Length(min=1, max=200))
    basic_grade_enabled = fields.Boolean(metadata={"description": "基本合格 is a grade of this evaluation."})
    meeting_event_id = Id(allow_none=True)
    self_assessment_due = fields.Date(allow_none=True)
    teller_member_ids = fields.List(Id(), validate=validate.Length(max=20))


class EvaluationUpdateSchema(Schema):
    title = fields.String(validate=validate.Length(min=1, max=200))
    basic_grade_enabled = fields.Boolean()
    meeting_event_id = Id(allow_none=True)
    self_assessment_due = fields.Date(allow_none=True)
    teller_member_ids = fields.List(Id(), validate=validate.Length(max=20))


class EvaluationQuerySchema(Schema):
    year = fields.Integer(validate=YEARS)


class StageSchema(Schema):
    stage = fields.Enum(EvaluationStage, by_value=True, required=True,
                        metadata={"description": "The next stage (feedback begins by itself after the review)."})


class SelfAssessmentWriteSchema(Schema):
    text = fields.String(required=True, validate=validate.Length(min=1, max=20000))
    nonce = Nonce()


class BlindedSchema(Schema):
    blinded = fields.String(required=True, validate=B64,
                            metadata={"description": "The phone's blinded token, the modulus' length in base64url."})


class SignatureSchema(Schema):
    signature = fields.String(required=True, metadata={"description": "The blind signature, base64url."})


class CountSchema(Schema):
    count = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=200))


class MemberIdSchema(Schema):
    member_id = Id(required=True)


class MarkSchema(Schema):
    member_id = Id(required=True)
    grade = fields.Enum(EvaluationGrade, by_value=True, required=True)


def Marks():  # noqa: N802 - a field factory, named like the fields it makes
    return fields.List(fields.Nested(MarkSchema), required=True, validate=validate.Length(min=1, max=500))


Code = lambda: fields.String(required=True, validate=validate.Regexp(r"^[A-Za-z0-9 -]{4,20}$"))  # noqa: E731


class BallotCastSchema(Schema):
    evaluation_id = Id(required=True)
    token = fields.String(required=True, validate=B64)
    signature = fields.String(load_default=None, allow_none=True, validate=B64,
                              metadata={"description": "A phone's blind signature; none for a printed guest token."})
    marks = Marks()


class GuestFormRequestSchema(Schema):
    evaluation_id = Id(required=True)
    token = fields.String(required=True, validate=B64)


class PaperEntrySchema(Schema):
    code = Code()
    marks = Marks()


class PaperConfirmSchema(Schema):
    code = Code()


class GradeSchema(Schema):
    grade = fields.Enum(EvaluationGrade, by_value=True, required=True)
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=1000))


class HandlingSchema(Schema):
    kind = fields.Enum(HandlingKind, by_value=True, required=True)
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2000))
    decided_on = fields.Date(load_default=None, allow_none=True)
    improve_by = fields.Date(load_default=None, allow_none=True, metadata={"description": "限期改正: improve by."})
    event_id = Id(load_default=None, allow_none=True,
                  metadata={"description": "The general assembly that decided a persuasion or a removal."})
    previous_decision_on = fields.Date(
        load_default=None, allow_none=True,
        metadata={"description": "The earlier decision this follows, when not on record."})


class ReviewSchema(Schema):
    approve = fields.Boolean(required=True)
    member_ids = fields.List(Id(), load_default=None, allow_none=True, validate=validate.Length(max=500),
                             metadata={"description": "Only these members' grades; all awaiting review when absent."})
    reason = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=1000))


class FeedbackSchema(Schema):
    text = fields.String(required=True, validate=validate.Length(min=1, max=5000))


# --- output ------------------------------------------------------------------------------------------

STAGE_NAMES = [s.value for s in STAGES]
GRADE_NAMES = [g.value for g in EvaluationGrade]


class StageChangeSchema(Schema):
    stage = fields.String(metadata={"enum": STAGE_NAMES})
    at = fields.AwareDateTime()


class MeetingSchema(Schema):
    id = fields.Integer()
    title = fields.String()
    starts_at = fields.AwareDateTime()
    status = fields.String()
    has_minutes = fields.Boolean()


class BallotKeySchema(Schema):
    n = fields.String(metadata={"description": "The RSA modulus, hex."})
    e = fields.Integer()


class ProgressSchema(Schema):
    roll = fields.Integer()
    self_assessments = fields.Integer()
    ballots_issued_phone = fields.Integer()
    paper_handed = fields.Integer()
    ballots_cast = fields.Integer()
    pending_paper_entries = fields.Integer()
    guest_tokens = fields.Integer()
    guest_used = fields.Integer()
    paper_forms = fields.Integer()
    paper_used = fields.Integer()
    grades_proposed = fields.Integer()
    pending_review = fields.Integer()
    returned = fields.Integer()
    approved = fields.Integer()


class HandlingOutSchema(Schema):
    kind = fields.String(metadata={"enum": [k.value for k in HandlingKind]})
    note = fields.String(allow_none=True)
    decided_on = fields.Date(allow_none=True)
    event_id = fields.Integer(allow_none=True)
    improve_by = fields.Date(allow_none=True)
    previous_decision_on = fields.Date(allow_none=True)


class RollRowSchema(Schema):
    member_id = fields.Integer()
    name = fields.String()
    status = fields.String()
    group_name = fields.String(allow_none=True)
    has_self_assessment = fields.Boolean()
    self_assessment_at = fields.AwareDateTime(allow_none=True)
    written_on_behalf = fields.Boolean()
    ballot_issued = fields.String(allow_none=True, metadata={"enum": [b.value for b in BallotIssue]})
    grade = fields.String(allow_none=True, metadata={"enum": GRADE_NAMES})
    grade_note = fields.String(allow_none=True)
    handling = fields.Nested(HandlingOutSchema, allow_none=True)
    review = fields.String(allow_none=True, metadata={"enum": [r.value for r in ReviewState]})
    review_reason = fields.String(allow_none=True)
    has_feedback = fields.Boolean()


class MissingStepSchema(Schema):
    key = fields.String(metadata={"enum": ["no_roll", "self_assessments", "meeting_unlinked", "meeting_cancelled",
                                           "meeting_not_begun", "paper_unconfirmed", "no_ballot", "grades_missing",
                                           "handling_missing", "minutes_missing"]})
    params = fields.Dict()


class EvaluationSummarySchema(Schema):
    id = fields.Integer()
    branch_id = fields.Integer()
    branch_name = fields.String()
    year = fields.Integer()
    title = fields.String()
    stage = fields.String(metadata={"enum": STAGE_NAMES})
    stages = fields.List(fields.Nested(StageChangeSchema), metadata={"description": "When each stage began."})
    basic_grade_enabled = fields.Boolean()
    grades = fields.List(fields.String(metadata={"enum": GRADE_NAMES}))
    meeting = fields.Nested(MeetingSchema, allow_none=True)
    meeting_event_id = fields.Integer(allow_none=True)
    self_assessment_due = fields.Date(allow_none=True)
    ballot_key = fields.Nested(BallotKeySchema, allow_none=True)
    progress = fields.Nested(ProgressSchema)
    next_stage = fields.String(allow_none=True, metadata={"enum": STAGE_NAMES})


class EvaluationSchema(EvaluationSummarySchema):
    teller_member_ids = fields.List(fields.Integer())
    missing = fields.List(fields.String(), metadata={"description": "What the move to next_stage still needs."})
    missing_steps = fields.List(fields.Nested(MissingStepSchema),
                                metadata={"description": "The same as keys and parameters, for the app to word."})
    members = fields.List(fields.Nested(RollRowSchema))


class YearSummarySchema(Schema):
    year = fields.Integer()
    events_expected = fields.Integer()
    events_attended = fields.Integer()
    records = fields.Integer()
    records_confirmed = fields.Integer()
    records_by_kind = fields.Dict(keys=fields.String(), values=fields.Integer())
    dues = fields.Dict(allow_none=True, metadata={"description": "From server.dues when it offers the member's year."})


class TallyLineSchema(Schema):
    member_id = fields.Integer()
    name = fields.String()
    counts = fields.Dict(keys=fields.String(), values=fields.Integer())
    blank = fields.Integer()
    ballots = fields.Integer()


class SheetSchema(Schema):
    evaluation_id = fields.Integer()
    member_id = fields.Integer()
    name = fields.String()
    stage = fields.String(metadata={"enum": STAGE_NAMES})
    year = fields.Integer()
    self_assessment = fields.String(allow_none=True)
    self_assessment_at = fields.AwareDateTime(allow_none=True)
    written_on_behalf = fields.Boolean()
    ballot_issued = fields.String(allow_none=True)
    year_summary = fields.Nested(YearSummarySchema)
    grade = fields.String(allow_none=True, metadata={"enum": GRADE_NAMES})
    grade_note = fields.String(allow_none=True)
    handling = fields.Nested(HandlingOutSchema, allow_none=True)
    feedback = fields.String(allow_none=True)
    feedback_at = fields.AwareDateTime(allow_none=True)
    review = fields.String(allow_none=True)
    review_reason = fields.String(allow_none=True)
    tally = fields.Nested(TallyLineSchema, allow_none=True)


class FormMemberSchema(Schema):
    id = fields.Integer()
    name = fields.String()


class BallotFormSchema(Schema):
    evaluation_id = fields.Integer()
    title = fields.String()
    branch_name = fields.String()
    grades = fields.List(fields.String(metadata={"enum": GRADE_NAMES}))
    members = fields.List(fields.Nested(FormMemberSchema))


class MyEvaluationSchema(EvaluationSummarySchema):
    me = fields.Nested(SheetSchema)
    is_teller = fields.Boolean()
    form = fields.Nested(BallotFormSchema, allow_none=True)


class TallySchema(Schema):
    evaluation_id = fields.Integer()
    ballots = fields.Integer()
    grades = fields.List(fields.String())
    members = fields.List(fields.Nested(TallyLineSchema))


class CastResultSchema(Schema):
    accepted = fields.Boolean()


class GuestTokensSchema(Schema):
    evaluation_id = fields.Integer()
    tokens = fields.List(fields.String(), metadata={"description": "Shown once: print them as links or QR codes."})


class PaperFormSchema(Schema):
    number = fields.Integer()
    code = fields.String()


class PaperFormsSchema(Schema):
    evaluation_id = fields.Integer()
    forms = fields.List(fields.Nested(PaperFormSchema), metadata={"description": "Shown once: print them."})
    form = fields.Nested(BallotFormSchema)


class MarkOutSchema(Schema):
    member_id = fields.Integer()
    grade = fields.String(metadata={"enum": GRADE_NAMES})


class PaperEntryOutSchema(Schema):
    id = fields.String()
    marks = fields.List(fields.Nested(MarkOutSchema))
    entered_by = fields.String(allow_none=True)
    mine = fields.Boolean()

from __future__ import annotations

from marshmallow import Schema, fields, validate

from server.secretary_review.models import SECTIONS, ReviewGrade

YEARS = validate.Range(min=2000, max=2100)
SECTION_TEXT = validate.Length(max=5000)
# Text that is not only white space.
NOT_BLANK = validate.Regexp(r"\S", error="Must not be blank.")
STATES = ["none", "draft", "submitted", "returned", "graded"]
GRADES = [g.value for g in ReviewGrade]


# --- input -----------------------------------------------------------------------------------------

class ReviewSectionsSchema(Schema):
    performance = fields.String(load_default="", validate=SECTION_TEXT, metadata={"description": "履职情况"})
    problems = fields.String(load_default="", validate=SECTION_TEXT, metadata={"description": "存在问题"})
    measures = fields.String(load_default="", validate=SECTION_TEXT, metadata={"description": "整改措施"})
    plans = fields.String(load_default="", validate=SECTION_TEXT, metadata={"description": "下一步打算"})


class ReviewWriteSchema(Schema):
    sections = fields.Nested(ReviewSectionsSchema, required=True,
                             metadata={"description": "The secretary's whole text of each section."})


class ReviewGradeSchema(Schema):
    grade = fields.String(required=True, validate=validate.OneOf(GRADES),
                          metadata={"description": "好 good, 较好 fairly_good, 一般 average, 差 poor"})
    comment = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2000))


class ReviewReturnSchema(Schema):
    reason = fields.String(required=True, validate=[validate.Length(min=1, max=2000), NOT_BLANK])


class ReviewYearQuerySchema(Schema):
    year = fields.Integer(validate=YEARS, metadata={"description": "Default: last year."})


# --- output ----------------------------------------------------------------------------------------

class ReviewSectionSchema(Schema):
    key = fields.String(metadata={"enum": [key for key, _ in SECTIONS]})
    title = fields.String()
    generated = fields.List(fields.String(), metadata={"description": "The facts generated from compliance."})
    text = fields.String(metadata={"description": "The secretary's own text."})


class SecretaryReviewSchema(Schema):
    id = fields.Integer(allow_none=True, metadata={"description": "None until the secretary first saves."})
    branch_id = fields.Integer()
    branch_name = fields.String()
    committee_name = fields.String()
    year = fields.Integer()
    state = fields.String(metadata={"enum": STATES})
    state_zh = fields.String()
    grade = fields.String(allow_none=True, metadata={"enum": GRADES})
    grade_zh = fields.String(allow_none=True)
    comment = fields.String(allow_none=True)
    return_reason = fields.String(allow_none=True)
    secretary_name = fields.String(allow_none=True)
    submitted_at = fields.AwareDateTime(allow_none=True)
    reviewed_at = fields.AwareDateTime(allow_none=True)
    facts = fields.Dict(metadata={"description": "The generated facts: summary, rules, problems, due, evaluation, "
                                                 "dues_remit, corrections, lines (frozen at submission)."})
    sections = fields.List(fields.Nested(ReviewSectionSchema))
    may_edit = fields.Boolean()
    may_submit = fields.Boolean()
    may_grade = fields.Boolean()


class ReviewCommitteeRowSchema(Schema):
    branch_id = fields.Integer()
    branch_name = fields.String()
    year = fields.Integer()
    review_id = fields.Integer(allow_none=True)
    state = fields.String(metadata={"enum": STATES})
    state_zh = fields.String()
    grade = fields.String(allow_none=True, metadata={"enum": GRADES})
    grade_zh = fields.String(allow_none=True)
    secretary_name = fields.String(allow_none=True)
    submitted_at = fields.AwareDateTime(allow_none=True)

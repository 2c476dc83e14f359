from __future__ import annotations

from marshmallow import Schema, fields, validate

from server.core.api import ID_RANGE
from server.org_life.models import OpinionMethod, ReviewStatus

YEARS = validate.Range(min=2000, max=2100)
CLIENT_ID = validate.Regexp(r"^[A-Za-z0-9_-]{8,64}$")


def _problem():
    return fields.String(validate=validate.Length(min=1, max=500))

PHASES = ["preparation", "meeting", "after"]
CHECKLIST_KEYS = ["theme", "study", "opinions", "talks", "analyses", "review", "criticism", "rectification",
                  "announcement", "report"]


# --- input -----------------------------------------------------------------------------------------

class OrgLifeMeetingCreateSchema(Schema):
    year = fields.Integer(required=True, strict=True, validate=YEARS)
    event_id = fields.Integer(required=True, strict=True, validate=ID_RANGE,
                              metadata={"description": "The branch's event of kind org_life_meeting."})
    theme = fields.String(validate=validate.Length(max=200),
                          metadata={"description": "Written to the event's theme."})
    problems = fields.List(_problem(), validate=validate.Length(max=2),
                           metadata={"description": "The 1-2 prominent problems the theme addresses."})


class OrgLifeMeetingUpdateSchema(Schema):
    event_id = fields.Integer(strict=True, validate=ID_RANGE)
    theme = fields.String(allow_none=True, validate=validate.Length(max=200))
    problems = fields.List(_problem(), validate=validate.Length(min=1, max=2))


class OrgLifeStudyLinkSchema(Schema):
    event_id = fields.Integer(required=True, strict=True, validate=ID_RANGE)


class OrgLifeOpinionSchema(Schema):
    id = fields.Integer(dump_only=True)
    method = fields.Enum(OpinionMethod, by_value=True, required=True)
    held_on = fields.Date(required=True)
    summary = fields.String(required=True, validate=validate.Length(min=2, max=2000))
    created_at = fields.AwareDateTime(dump_only=True)


class OrgLifeTalkCreateSchema(Schema):
    member_a_id = fields.Integer(required=True, strict=True, validate=ID_RANGE)
    member_b_id = fields.Integer(required=True, strict=True, validate=ID_RANGE)
    held_on = fields.Date(required=True)
    note = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=1000))


class OrgLifeAnalysisWriteSchema(Schema):
    """The whole text, with the phone's id for this write (its outbox may send it more than once)."""

    text = fields.String(required=True, validate=validate.Length(min=1, max=20000))
    nonce = fields.String(required=True, validate=CLIENT_ID)


class OrgLifeReviewWriteSchema(Schema):
    status = fields.Enum(ReviewStatus, by_value=True, required=True)
    note = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=1000))


class OrgLifeCriticismWriteSchema(Schema):
    self_criticism = fields.String(required=True, validate=validate.Length(min=2, max=2000))
    criticism_received = fields.String(required=True, validate=validate.Length(min=2, max=2000))


class OrgLifeCommitteeQuerySchema(Schema):
    year = fields.Integer(validate=YEARS, metadata={"description": "Default: this year."})


# --- output ----------------------------------------------------------------------------------------

class OrgLifeAnalysisSchema(Schema):
    id = fields.Integer()
    member_id = fields.Integer()
    member_name = fields.Function(lambda a: a.member.name, metadata={"type": "string"})
    text = fields.String(allow_none=True)
    on_paper = fields.Boolean(metadata={"description": "Handed in on paper (noted by the secretary); no text."})
    version = fields.Integer()
    submitted_at = fields.AwareDateTime()
    updated_at = fields.AwareDateTime()


class OrgLifeTalkSchema(Schema):
    id = fields.Integer()
    member_a_id = fields.Integer()
    member_a_name = fields.String()
    member_b_id = fields.Integer()
    member_b_name = fields.String()
    held_on = fields.Date()
    note = fields.String(allow_none=True, metadata={"description": "The branch's managers only."})








class OrgLifeWhoSchema(Schema):
    member_id = fields.Integer()
    name = fields.String()


class OrgLifeChecklistItemSchema(Schema):
    key = fields.String(metadata={"enum": CHECKLIST_KEYS})
    phase = fields.String(metadata={"enum": PHASES})
    done = fields.Boolean()
    count = fields.Integer(allow_none=True)
    total = fields.Integer(allow_none=True, metadata={"description": "Out of how many (members, items), when counted."})
    missing = fields.List(fields.Nested(OrgLifeWhoSchema), metadata={"description": "The members still missing."})


class OrgLifeChecklistSchema(Schema):
    items = fields.List(fields.Nested(OrgLifeChecklistItemSchema))
    preparation_done = fields.Integer()
    preparation_total = fields.Integer()
    preparation_complete = fields.Boolean()
    meeting_complete = fields.Boolean()


class OrgLifeMeetingEventSchema(Schema):
    id = fields.Integer()
    title = fields.String()
    theme = fields.String(allow_none=True)
    place = fields.String(allow_none=True)
    starts_at = fields.AwareDateTime()
    status = fields.String()
    day = fields.Date()


class OrgLifeMemberStateSchema(Schema):
    member_id = fields.Integer()
    name = fields.String()
    talks = fields.Integer()
    analysis = fields.String(allow_none=True, metadata={"enum": ["phone", "paper", None]})
    analysis_at = fields.AwareDateTime(allow_none=True)
    criticism = fields.Boolean()


class OrgLifeStudySchema(Schema):
    event_id = fields.Integer()
    title = fields.String()
    kind = fields.String()
    day = fields.Date()


class OrgLifeReviewRowSchema(Schema):
    item_id = fields.Integer()
    problem = fields.String()
    measures = fields.String(allow_none=True)
    completed_on = fields.Date(allow_none=True)
    progress = fields.String(allow_none=True)
    status = fields.String(allow_none=True, metadata={"enum": [s.value for s in ReviewStatus] + [None]})
    note = fields.String(allow_none=True)
    recorded_at = fields.AwareDateTime(allow_none=True)


class OrgLifeCriticismRowSchema(Schema):
    member_id = fields.Integer()
    name = fields.String()
    self_criticism = fields.String(allow_none=True)
    criticism_received = fields.String(allow_none=True)
    recorded_at = fields.AwareDateTime(allow_none=True)


class OrgLifeItemRowSchema(Schema):
    id = fields.Integer()
    problem = fields.String()
    announced_at = fields.AwareDateTime(allow_none=True)
    completed_on = fields.Date(allow_none=True)


class OrgLifeFilingRowSchema(Schema):
    id = fields.Integer()
    kind = fields.String()
    title = fields.String()
    filed_at = fields.AwareDateTime()
    requested_on = fields.Date(allow_none=True)
    state = fields.String(metadata={"enum": ["sent", "accepted", "returned"]})
    decision_reason = fields.String(allow_none=True)
    event_id = fields.Integer(allow_none=True)


class OrgLifeDateChangeSchema(Schema):
    needed = fields.Boolean(metadata={"description": "The meeting's day is outside November-December of its year."})
    approved = fields.Boolean(metadata={"description": "A date change was approved on or before the meeting's day."})
    filings = fields.List(fields.Nested(OrgLifeFilingRowSchema))


class OrgLifeReportSchema(Schema):
    deadline = fields.Date()
    minutes_written = fields.Boolean()
    filings = fields.List(fields.Nested(OrgLifeFilingRowSchema))


class OrgLifeStepSchema(Schema):
    key = fields.String()
    text = fields.String()


class OrgLifeRuleStateSchema(Schema):
    rule = fields.String()
    title = fields.String()
    state = fields.String()
    deadline = fields.Date(allow_none=True)
    details = fields.List(fields.String())
    next_step = fields.Nested(OrgLifeStepSchema, allow_none=True)


class OrgLifeMeetingDetailSchema(Schema):
    id = fields.Integer()
    branch_id = fields.Integer()
    branch_name = fields.String()
    year = fields.Integer()
    event = fields.Nested(OrgLifeMeetingEventSchema)
    theme = fields.String(allow_none=True)
    problems = fields.List(fields.String())
    held = fields.Boolean()
    started = fields.Boolean(metadata={"description": "The meeting's day has come: review and criticism "
                                                      "can be recorded."})
    analysis_open = fields.Boolean()
    can_edit = fields.Boolean()
    checklist = fields.Nested(OrgLifeChecklistSchema)
    members = fields.List(fields.Nested(OrgLifeMemberStateSchema))
    studies = fields.List(fields.Nested(OrgLifeStudySchema))
    opinions = fields.List(fields.Nested(OrgLifeOpinionSchema))
    talks = fields.List(fields.Nested(OrgLifeTalkSchema))
    reviews = fields.List(fields.Nested(OrgLifeReviewRowSchema))
    criticisms = fields.List(fields.Nested(OrgLifeCriticismRowSchema))
    rectification = fields.List(fields.Nested(OrgLifeItemRowSchema))
    date_change = fields.Nested(OrgLifeDateChangeSchema)
    report = fields.Nested(OrgLifeReportSchema)
    compliance = fields.List(fields.Nested(OrgLifeRuleStateSchema))


class OrgLifeMeetingSummarySchema(Schema):
    id = fields.Integer()
    branch_id = fields.Integer()
    branch_name = fields.String()
    year = fields.Integer()
    event_id = fields.Integer()
    day = fields.Date()
    status = fields.String()
    theme = fields.String(allow_none=True)
    held = fields.Boolean()
    preparation_done = fields.Integer()
    preparation_total = fields.Integer()
    preparation_complete = fields.Boolean()
    meeting_complete = fields.Boolean()
    open_items = fields.List(fields.String(metadata={"enum": CHECKLIST_KEYS}))


class OrgLifeCommitteeRowSchema(Schema):
    branch_id = fields.Integer()
    branch_name = fields.String()
    meeting = fields.Nested(OrgLifeMeetingSummarySchema, allow_none=True)
    pending_date_changes = fields.List(fields.Nested(OrgLifeFilingRowSchema))


class OrgLifeMyTalkSchema(Schema):
    id = fields.Integer()
    held_on = fields.Date()
    with_name = fields.String()


class MyOrgLifeSchema(Schema):
    exists = fields.Boolean()
    meeting_id = fields.Integer()
    year = fields.Integer()
    theme = fields.String(allow_none=True)
    problems = fields.List(fields.String())
    day = fields.Date()
    starts_at = fields.AwareDateTime()
    place = fields.String(allow_none=True)
    event_id = fields.Integer()
    held = fields.Boolean()
    analysis_open = fields.Boolean()
    analysis = fields.Nested(OrgLifeAnalysisSchema, allow_none=True)
    talks = fields.List(fields.Nested(OrgLifeMyTalkSchema))

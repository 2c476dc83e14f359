from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, post_load, validate, validates_schema

from server.core.api import ID_RANGE
from server.core.enums import DuesCategory
from server.dues import standard
from server.dues.models import PublicationMode
from server.dues.operations import MAX_REMITTANCE_FEN
from sync.messages import DUES_MAX_MONTHS, DUES_MAX_PAYMENT_FEN

YEARS = validate.Range(min=2000, max=2100)
NONCE = validate.Regexp(r"^[A-Za-z0-9_-]{8,64}\Z")


class MonthField(fields.Field):
    """A month on the wire: "YYYY-MM" (stored as the date of its first day)."""

    default_error_messages = {"invalid": "A month is YYYY-MM."}

    def __init__(self, **kwargs):
        kwargs.setdefault("metadata", {})
        kwargs["metadata"] = {"type": "string", "pattern": r"^\d{4}-(0[1-9]|1[0-2])$", "example": "2026-10",
                              **kwargs["metadata"]}
        super().__init__(**kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else standard.month_label(value)

    def _deserialize(self, value, attr, data, **kwargs):
        try:
            month = standard.parse_month(value)
        except (ValueError, TypeError):
            raise self.make_error("invalid") from None
        if not 2000 <= month.year <= 2100:
            raise self.make_error("invalid")
        return month


class DuesBasisRequestSchema(Schema):
    """A member's dues basis from a month on: the category, the income (employed, retired) or the
    amount (fixed categories, branch-set), and the branch's decision (exempt, branch-set)."""

    category = fields.Enum(DuesCategory, by_value=True, required=True)
    income_fen = fields.Integer(strict=True, allow_none=True, load_default=None, validate=validate.Range(
        min=0, max=standard.MAX_INCOME_FEN, error="Monthly income after tax is 0 to 100,000 yuan (in fen)."),
        metadata={"description": "Monthly income after tax, in fen (employed and retired members)."})
    amount_fen = fields.Integer(strict=True, allow_none=True, load_default=None, validate=validate.Range(
        min=0, max=standard.MAX_MONTHLY_FEN, error="A monthly amount is 0 to 2,000 yuan (in fen)."),
        metadata={"description": "The fixed amount (20-100 fen) or the branch-set amount, in fen."})
    effective_from = MonthField(required=True, metadata={"description": "The first month it applies to."})
    decision_note = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=500), metadata={
        "description": "The branch's decision: required for exempt and branch_set."})


class DuesBasisSchema(Schema):
    id = fields.Integer()
    category = fields.String()
    category_zh = fields.String()
    income_fen = fields.Integer(allow_none=True)
    monthly_fen = fields.Integer()
    effective_from = fields.String()
    rule = fields.String(metadata={"description": "The figure and its rule: 按月收入4,200.00元的1%计缴：42.00元"})
    decision_note = fields.String(allow_none=True)
    created_at = fields.AwareDateTime(allow_none=True)
    set_by_id = fields.Integer(allow_none=True)


class DuesPaymentRequestSchema(Schema):
    """Dues handed over (online; offline it is the sync push's `dues_payment` mutation)."""

    nonce = fields.String(validate=NONCE,
                          metadata={"description": "The client's id: a retry returns the first payment."})
    member_id = fields.Integer(required=True, strict=True, validate=ID_RANGE)
    months = fields.List(MonthField(), required=True, validate=validate.Length(
        min=1, max=DUES_MAX_MONTHS, error="A payment names 1 to 12 months."))
    amount_fen = fields.Integer(required=True, strict=True, validate=validate.Range(
        min=1, max=DUES_MAX_PAYMENT_FEN, error=f"An amount is 1 to {DUES_MAX_PAYMENT_FEN} fen (24,000 yuan)."))
    paid_on = fields.Date(allow_none=True, load_default=None,
                          metadata={"description": "When handed over (default: today)."})
    note = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=500))

    @validates_schema
    def _distinct(self, data, **_):
        months = data.get("months") or []
        if len(set(months)) != len(months):
            raise ValidationError("A month is named twice.", "months")

    @post_load
    def _labels(self, data, **_):
        data["months"] = [standard.month_label(m) for m in data["months"]]
        return data


class DuesCorrectionSchema(Schema):
    id = fields.Integer()
    payment_id = fields.Integer()
    corrected_by_id = fields.Integer(allow_none=True)
    corrected_at = fields.AwareDateTime()
    reason = fields.String()
    old_values = fields.Dict()
    new_values = fields.Dict()


class DuesPaymentSchema(Schema):
    id = fields.Integer()
    nonce = fields.String()
    member_id = fields.Integer()
    member_name = fields.Function(lambda p: p.member.name, metadata={"type": "string"})
    branch_id = fields.Integer()
    months = fields.Function(lambda p: p.month_list, metadata={"type": "array", "items": {"type": "string"}})
    amount_fen = fields.Integer()
    due_fen = fields.Integer()
    extra_fen = fields.Integer(metadata={"description": "Paid beyond what the months owed (voluntary)."})
    paid_at = fields.AwareDateTime()
    paid_on = fields.Date()
    received_at = fields.AwareDateTime()
    recorded_by_id = fields.Integer(allow_none=True)
    source = fields.String()
    record_id = fields.Integer(allow_none=True)
    note = fields.String(allow_none=True)
    voided_at = fields.AwareDateTime(allow_none=True)
    corrections = fields.List(fields.Nested(DuesCorrectionSchema))


class DuesPaymentChangesSchema(Schema):
    amount_fen = fields.Integer(strict=True, validate=validate.Range(min=1, max=DUES_MAX_PAYMENT_FEN))
    months = fields.List(MonthField(), validate=validate.Length(min=1, max=DUES_MAX_MONTHS))
    void = fields.Boolean(metadata={"description": "Void the payment (entered in error): its months are owed again."})


class DuesCorrectionRequestSchema(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=2, max=500))
    changes = fields.Nested(DuesPaymentChangesSchema, required=True)

    @validates_schema
    def _something(self, data, **_):
        changes = data.get("changes") or {}
        if not changes or changes == {"void": False}:
            raise ValidationError("Say what to change.", "changes")
        if changes.get("void") and len(changes) > 1:
            raise ValidationError("A void changes nothing else.", "changes")
        months = changes.get("months")
        if months is not None and len(set(months)) != len(months):
            raise ValidationError("A month is named twice.", "changes")

    @post_load
    def _labels(self, data, **_):
        if "months" in data["changes"]:
            data["changes"]["months"] = [standard.month_label(m) for m in data["changes"]["months"]]
        return data


class DuesMonthlyEntrySchema(Schema):
    month = fields.String()
    due_fen = fields.Integer(allow_none=True)
    paid = fields.Boolean()


class DuesArrearEntrySchema(Schema):
    month = fields.String()
    due_fen = fields.Integer()


class DuesPaidInfoSchema(Schema):
    payment_id = fields.Integer()
    paid_on = fields.Date()
    amount_fen = fields.Integer()


class DuesCollectionMemberSchema(Schema):
    member_id = fields.Integer()
    name = fields.String()
    status = fields.String()
    basis = fields.Nested(DuesBasisSchema, allow_none=True)
    has_basis = fields.Boolean()
    first_month = fields.String(allow_none=True)
    month = fields.String()
    due_fen = fields.Integer(allow_none=True, metadata={"description": "null: the member owes nothing for the month."})
    owes = fields.Boolean()
    paid = fields.Nested(DuesPaidInfoSchema, allow_none=True)
    arrears = fields.List(fields.Nested(DuesArrearEntrySchema))
    arrears_fen = fields.Integer()
    overdue_months = fields.Integer()
    schedule = fields.List(fields.Nested(DuesMonthlyEntrySchema),
                           metadata={"description": "Months a payment may name now, what each owes, paid or not."})


class DuesCollectionSummarySchema(Schema):
    owing = fields.Integer()
    paid = fields.Integer()
    due_fen = fields.Integer()
    paid_fen = fields.Integer()
    without_basis = fields.Integer()
    arrears_fen = fields.Integer()
    in_arrears = fields.Integer()


class DuesCollectionSchema(Schema):
    branch_id = fields.Integer()
    branch_name = fields.String()
    month = fields.String()
    current_month = fields.String()
    members = fields.List(fields.Nested(DuesCollectionMemberSchema))
    summary = fields.Nested(DuesCollectionSummarySchema)


class DuesCollectionQuerySchema(Schema):
    month = MonthField(metadata={"description": "Default: this month."})


class DuesArrearsMemberSchema(Schema):
    member_id = fields.Integer()
    name = fields.String()
    months = fields.List(fields.Nested(DuesArrearEntrySchema))
    total_fen = fields.Integer()
    overdue_months = fields.Integer()


class DuesArrearsSchema(Schema):
    branch_id = fields.Integer()
    month = fields.String()
    members = fields.List(fields.Nested(DuesArrearsMemberSchema))
    total_fen = fields.Integer()
    members_count = fields.Integer()


class DuesPublicationSchema(Schema):
    id = fields.Integer()
    branch_id = fields.Integer()
    year = fields.Integer()
    mode = fields.Enum(PublicationMode, by_value=True)
    table = fields.Dict(metadata={"description": "The table as published: totals by month; per_member adds the rows."})
    published_at = fields.AwareDateTime()
    published_by_id = fields.Integer(allow_none=True)


class MemberDuesSchema(Schema):
    member_id = fields.Integer()
    name = fields.String()
    branch_id = fields.Integer()
    current_month = fields.String()
    basis = fields.Nested(DuesBasisSchema, allow_none=True)
    history = fields.List(fields.Nested(DuesBasisSchema))
    first_month = fields.String(allow_none=True)
    arrears = fields.List(fields.Nested(DuesArrearEntrySchema))
    arrears_fen = fields.Integer()
    payments = fields.List(fields.Nested(DuesPaymentSchema))
    schedule = fields.List(fields.Nested(DuesMonthlyEntrySchema), metadata={"description": "This year's months."})
    publications = fields.List(fields.Nested(DuesPublicationSchema))


class DuesPaymentQuerySchema(Schema):
    year = fields.Integer(validate=YEARS)
    member_id = fields.Integer(validate=ID_RANGE)


class DuesRemittanceRequestSchema(Schema):
    first_month = MonthField(required=True)
    last_month = MonthField(required=True)
    amount_fen = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=MAX_REMITTANCE_FEN))
    remitted_on = fields.Date(required=True)
    note = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=500))


class DuesRemittanceSchema(Schema):
    id = fields.Integer()
    branch_id = fields.Integer()
    branch_name = fields.Function(lambda r: r.branch.name, metadata={"type": "string"})
    first_month = MonthField()
    last_month = MonthField()
    amount_fen = fields.Integer()
    collected_fen = fields.Integer(metadata={"description": "Collected in those months when it was recorded."})
    remitted_on = fields.Date()
    note = fields.String(allow_none=True)
    recorded_by_id = fields.Integer(allow_none=True)
    created_at = fields.AwareDateTime()
    confirmed_at = fields.AwareDateTime(allow_none=True)
    confirmed_by_id = fields.Integer(allow_none=True)
    confirm_note = fields.String(allow_none=True)
    state = fields.Function(lambda r: "confirmed" if r.confirmed_at else "awaiting",
                            metadata={"type": "string", "enum": ["awaiting", "confirmed"]})


class DuesQuarterSchema(Schema):
    quarter = fields.Integer()
    first_month = fields.String()
    last_month = fields.String()
    collected_fen = fields.Integer()
    remitted_fen = fields.Integer()
    confirmed_fen = fields.Integer()
    difference_fen = fields.Integer(metadata={"description": "Collected − remitted: the branch keeps none back."})
    deadline = fields.Date()
    started = fields.Boolean()


class DuesRemittanceBookSchema(Schema):
    branch_id = fields.Integer()
    year = fields.Integer()
    quarters = fields.List(fields.Nested(DuesQuarterSchema))
    remittances = fields.List(fields.Nested(DuesRemittanceSchema))


class DuesYearQuerySchema(Schema):
    year = fields.Integer(validate=YEARS, metadata={"description": "Default: this year."})


class DuesCommitteeRemittanceQuerySchema(Schema):
    pending = fields.Boolean(metadata={"description": "Only those awaiting confirmation."})
    year = fields.Integer(validate=YEARS)


class DuesConfirmRemittanceSchema(Schema):
    note = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=500))


class DuesPublishRequestSchema(Schema):
    year = fields.Integer(required=True, strict=True, validate=YEARS)
    mode = fields.Enum(PublicationMode, by_value=True, required=True)

from __future__ import annotations

from flask.views import MethodView
from flask_jwt_extended import jwt_required

from server.auth.access import branches_under, principal
from server.core.api import FeatureBlueprint, abort, load_or_404, require
from server.core.db import db
from server.dues import export, operations
from server.dues.models import DuesPayment, DuesRemittance
from server.dues.schemas import (
    DuesArrearsSchema,
    DuesBasisRequestSchema,
    DuesBasisSchema,
    DuesCollectionQuerySchema,
    DuesCollectionSchema,
    DuesCommitteeRemittanceQuerySchema,
    DuesConfirmRemittanceSchema,
    DuesCorrectionRequestSchema,
    DuesCorrectionSchema,
    MemberDuesSchema,
    DuesPaymentQuerySchema,
    DuesPaymentRequestSchema,
    DuesPaymentSchema,
    DuesPublicationSchema,
    DuesPublishRequestSchema,
    DuesRemittanceBookSchema,
    DuesRemittanceRequestSchema,
    DuesRemittanceSchema,
    DuesYearQuerySchema,
)
from server.org.models import Branch, Committee, Member
from sync import clock

blp = FeatureBlueprint("dues", __name__, description="Dues (党费): bases, payments, arrears, remittances, publication")

MANAGERS_ONLY = "Only the branch's secretary or organizer handles its dues."


def _reads_branch_dues(branch_id: int) -> bool:
    p = principal()
    return p.manages(branch_id) or p.oversees(branch_id)


@blp.route("/branches/<int:branch_id>/dues")
class BranchDues(MethodView):
    @jwt_required()
    @blp.arguments(DuesCollectionQuerySchema, location="query")
    @blp.response(200, DuesCollectionSchema)
    def get(self, query, branch_id):
        """The month's collection list (default this month): each member's basis, what the month
        owes, paid or not, arrears, and the months a payment may name (cached by the phone)."""
        branch = load_or_404(Branch, branch_id)
        require(_reads_branch_dues(branch.id), MANAGERS_ONLY)
        return operations.collection(branch, query.get("month") or operations.current_month())


@blp.route("/branches/<int:branch_id>/dues/arrears")
class BranchArrears(MethodView):
    @jwt_required()
    @blp.response(200, DuesArrearsSchema)
    def get(self, branch_id):
        """Members in arrears: the months owed and unpaid up to this month, and the amounts."""
        branch = load_or_404(Branch, branch_id)
        require(_reads_branch_dues(branch.id), MANAGERS_ONLY)
        return operations.arrears(branch)


@blp.route("/branches/<int:branch_id>/dues/payments")
class BranchPayments(MethodView):
    @jwt_required()
    @blp.arguments(DuesPaymentQuerySchema, location="query")
    @blp.response(200, DuesPaymentSchema(many=True))
    def get(self, query, branch_id):
        """The branch's payments, newest first (by the day handed over)."""
        branch = load_or_404(Branch, branch_id)
        require(_reads_branch_dues(branch.id), MANAGERS_ONLY)
        return operations.payments_of(branch_id=branch.id, member_id=query.get("member_id"), year=query.get("year"))

    @jwt_required()
    @blp.arguments(DuesPaymentRequestSchema)
    @blp.response(201, DuesPaymentSchema)
    def post(self, data, branch_id):
        """Record dues a member handed over, online (offline: the sync push's `dues_payment`).
        409 `month_already_paid` / `no_dues_basis`, 422 `amount_short` / `month_not_owed`; the code
        is in `errors.reason`. The same `nonce` again returns the first payment."""
        branch = load_or_404(Branch, branch_id)
        require(principal().manages(branch.id), MANAGERS_ONLY)
        payment, _ = operations.record_payment_online(principal(), branch, data)
        return payment


@blp.route("/dues-payments/<int:payment_id>")
class PaymentItem(MethodView):
    @jwt_required()
    @blp.response(200, DuesPaymentSchema)
    def get(self, payment_id):
        payment = load_or_404(DuesPayment, payment_id)
        p = principal()
        require(payment.member_id == p.member_id or _reads_branch_dues(payment.branch_id))
        return payment


@blp.route("/dues-payments/<int:payment_id>/corrections")
class PaymentCorrections(MethodView):
    @jwt_required()
    @blp.arguments(DuesCorrectionRequestSchema)
    @blp.response(201, DuesCorrectionSchema)
    def post(self, data, payment_id):
        """Correct a payment (amount, months) or void it; the old values are kept with who and why."""
        payment = load_or_404(DuesPayment, payment_id)
        require(principal().manages(payment.branch_id), MANAGERS_ONLY)
        return operations.correct_payment(payment, data["reason"], data["changes"], principal().user_id)


def _member_dues_allowed(member: Member) -> bool:
    p = principal()
    return member.id == p.member_id or p.manages(member.branch_id) or p.oversees(member.branch_id)


@blp.route("/members/<int:member_id>/dues")
class MemberDues(MethodView):
    @jwt_required()
    @blp.response(200, MemberDuesSchema)
    def get(self, member_id):
        """A member's dues (the member; the home branch's managers; the committee)."""
        member = load_or_404(Member, member_id)
        require(_member_dues_allowed(member), "A member's dues are theirs and their branch's to see.")
        return operations.member_dues(member)


@blp.route("/members/<int:member_id>/dues/bases")
class MemberBases(MethodView):
    @jwt_required()
    @blp.arguments(DuesBasisRequestSchema)
    @blp.response(201, DuesBasisSchema)
    def post(self, data, member_id):
        """Set the member's basis from a month on (the home branch's managers); never rewrites the past."""
        member = load_or_404(Member, member_id)
        require(principal().manages(member.branch_id), MANAGERS_ONLY)
        return operations.basis_view(operations.set_basis(member, data, principal().user_id))


@blp.route("/me/dues")
class MyDues(MethodView):
    @jwt_required()
    @blp.response(200, MemberDuesSchema)
    def get(self):
        """The caller's own dues, and the tables their branch published (member accounts; 404 otherwise)."""
        p = principal()
        if p.member_id is None:
            abort(404, message="This account is not a member's.")
        return operations.member_dues(db.session.get(Member, p.member_id))


@blp.route("/branches/<int:branch_id>/dues/remittances")
class BranchRemittances(MethodView):
    @jwt_required()
    @blp.arguments(DuesYearQuerySchema, location="query")
    @blp.response(200, DuesRemittanceBookSchema)
    def get(self, query, branch_id):
        """The year by quarter (collected, remitted, confirmed, difference, deadline) and its remittances."""
        branch = load_or_404(Branch, branch_id)
        require(_reads_branch_dues(branch.id), MANAGERS_ONLY)
        return operations.remittance_book(branch, query.get("year") or clock.today().year)

    @jwt_required()
    @blp.arguments(DuesRemittanceRequestSchema)
    @blp.response(201, DuesRemittanceSchema)
    def post(self, data, branch_id):
        """Record a remittance to the superior committee: months of one quarter, amount, date."""
        branch = load_or_404(Branch, branch_id)
        require(principal().manages(branch.id), MANAGERS_ONLY)
        return operations.record_remittance(branch, data, principal().user_id)


@blp.route("/dues-remittances/<int:remittance_id>/confirm")
class ConfirmRemittance(MethodView):
    @jwt_required()
    @blp.arguments(DuesConfirmRemittanceSchema)
    @blp.response(200, DuesRemittanceSchema)
    def post(self, data, remittance_id):
        """The superior committee confirms it received the remittance."""
        remittance = load_or_404(DuesRemittance, remittance_id)
        require(principal().oversees(remittance.branch_id), "Only the branch's superior committee confirms receipt.")
        return operations.confirm_remittance(remittance, data["note"], principal().user_id)


@blp.route("/committees/<int:committee_id>/dues/remittances")
class CommitteeRemittances(MethodView):
    @jwt_required()
    @blp.arguments(DuesCommitteeRemittanceQuerySchema, location="query")
    @blp.response(200, DuesRemittanceSchema(many=True))
    def get(self, query, committee_id):
        """Remittances of the branches under the committee (`pending=true`: awaiting confirmation)."""
        committee = load_or_404(Committee, committee_id)
        require(principal().oversees_committee(committee.id))
        return operations.remittances_of(branches_under(committee.id), year=query.get("year"),
                                         pending=query.get("pending", False))


@blp.route("/branches/<int:branch_id>/dues/publications")
class BranchPublications(MethodView):
    @jwt_required()
    @blp.arguments(DuesYearQuerySchema, location="query")
    @blp.response(200, DuesPublicationSchema(many=True))
    def get(self, query, branch_id):
        """The latest publication of each year: to the branch's own members (a per-member table shows
        names and amounts), its managers and its committee."""
        branch = load_or_404(Branch, branch_id)
        p = principal()
        require(p.home_branch_id == branch.id or _reads_branch_dues(branch.id),
                "A branch's published dues are for its own members.")
        return operations.publications_of(branch.id, query.get("year"))

    @jwt_required()
    @blp.arguments(DuesPublishRequestSchema)
    @blp.response(201, DuesPublicationSchema)
    def post(self, data, branch_id):
        """Publish the year's collection to the branch's members, per member or as totals."""
        branch = load_or_404(Branch, branch_id)
        require(principal().manages(branch.id), MANAGERS_ONLY)
        return operations.publish(branch, data["year"], data["mode"], principal().user_id)


@blp.route("/branches/<int:branch_id>/dues/ledger.xlsx")
class LedgerExport(MethodView):
    @jwt_required()
    @blp.arguments(DuesYearQuerySchema, location="query")
    @blp.response(200, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    def get(self, query, branch_id):
        """The year's 党费收缴台账 as Excel (the branch's managers and its committee)."""
        branch = load_or_404(Branch, branch_id)
        require(_reads_branch_dues(branch.id), MANAGERS_ONLY)
        return export.ledger_xlsx(branch, query.get("year") or clock.today().year)

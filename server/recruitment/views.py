from __future__ import annotations

from flask.views import MethodView
from flask_jwt_extended import jwt_required

from server.auth.access import branches_under, principal
from server.core.api import FeatureBlueprint, load_or_404, require
from server.org.models import Branch, Committee
from server.recruitment import operations
from server.recruitment.models import RecruitmentCase
from server.recruitment.pipeline import COMMITTEE, STEPS, StepKind
from server.recruitment.schemas import (
    AssessmentCreateSchema,
    BranchRecruitmentSchema,
    CaseCreateSchema,
    CaseDetailSchema,
    CaseUpdateSchema,
    CommitteeQuerySchema,
    CommitteeRecruitmentSchema,
    ContactsSchema,
    MyRecruitmentSchema,
    StepCreateSchema,
)
from sync import clock

blp = FeatureBlueprint("recruitment", __name__,
                       description="Recruitment (发展党员): the road from applicant to full member")

MANAGERS_ONLY = "Only the branch's secretary, deputy secretary or organizer records this."


def _may_see(case_or_branch_id: int) -> bool:
    p = principal()
    return p.manages(case_or_branch_id) or p.oversees(case_or_branch_id)


@blp.route("/branches/<int:branch_id>/recruitment")
class BranchRecruitment(MethodView):
    @jwt_required()
    @blp.response(200, BranchRecruitmentSchema)
    def get(self, branch_id):
        """Everyone on the road to membership in the branch, overdue first (its managers and its committee)."""
        branch = load_or_404(Branch, branch_id)
        require(_may_see(branch.id))
        return operations.branch_view(branch, clock.today())

    @jwt_required()
    @blp.arguments(CaseCreateSchema)
    @blp.response(201, CaseDetailSchema)
    def post(self, data, branch_id):
        """A new applicant, from the date of their letter (the branch's managers). 409 naming the
        rule when the letter cannot be accepted (`applicant_age_18`, `not_in_future`)."""
        branch = load_or_404(Branch, branch_id)
        require(principal().manages(branch.id), MANAGERS_ONLY)
        today = clock.today()
        case = operations.create_case(branch, data, principal().user_id, today)
        return operations.case_view(case, today, principal())


@blp.route("/recruitment/<int:case_id>")
class CaseItem(MethodView):
    @jwt_required()
    @blp.response(200, CaseDetailSchema)
    def get(self, case_id):
        """A case: its timeline, contacts, assessments, timed steps and the steps that may come next."""
        case = load_or_404(RecruitmentCase, case_id)
        require(_may_see(case.branch_id))
        return operations.case_view(case, clock.today(), principal())

    @jwt_required()
    @blp.arguments(CaseUpdateSchema)
    @blp.response(200, CaseDetailSchema)
    def patch(self, changes, case_id):
        """Correct who the person is (name, gender, birth date, phone, group); audited with old and new."""
        case = load_or_404(RecruitmentCase, case_id)
        require(principal().manages(case.branch_id), MANAGERS_ONLY)
        operations.update_case(case, changes, principal().user_id)
        return operations.case_view(case, clock.today(), principal())


@blp.route("/recruitment/<int:case_id>/steps")
class CaseSteps(MethodView):
    @jwt_required()
    @blp.arguments(StepCreateSchema)
    @blp.response(201, CaseDetailSchema)
    def post(self, data, case_id):
        """Record the case's next step. The branch's managers record the branch's steps; the
        superior committee records its pre-review and approvals. 409 naming the rule it breaks
        (`errors.rule`, `errors.rule_text`, `errors.params`) for a step out of order or too early."""
        case = load_or_404(RecruitmentCase, case_id)
        kind = data["kind"]
        p = principal()
        if STEPS[kind].actor == COMMITTEE:
            require(p.oversees(case.branch_id), "Only the branch's superior committee records this step.")
        else:
            require(p.manages(case.branch_id), MANAGERS_ONLY)
        today = clock.today()
        operations.record_step(case, data, p.user_id, today)
        return operations.case_view(case, today, p)


@blp.route("/recruitment/<int:case_id>/assessments")
class CaseAssessments(MethodView):
    @jwt_required()
    @blp.arguments(AssessmentCreateSchema)
    @blp.response(201, CaseDetailSchema)
    def post(self, data, case_id):
        """Record an activist's half-yearly assessment (培养考察; the branch's managers)."""
        case = load_or_404(RecruitmentCase, case_id)
        require(principal().manages(case.branch_id), MANAGERS_ONLY)
        today = clock.today()
        operations.record_step(case, {"kind": StepKind.assessment, **data}, principal().user_id, today)
        return operations.case_view(case, today, principal())


@blp.route("/recruitment/<int:case_id>/contacts")
class CaseContacts(MethodView):
    @jwt_required()
    @blp.arguments(ContactsSchema)
    @blp.response(201, CaseDetailSchema)
    def post(self, data, case_id):
        """Assign the activist's 1–2 contacts from a date (full members of the branch), replacing
        the current ones (the branch's managers)."""
        case = load_or_404(RecruitmentCase, case_id)
        require(principal().manages(case.branch_id), MANAGERS_ONLY)
        today = clock.today()
        operations.set_contacts(case, data["member_ids"], data["on"], principal().user_id, today)
        return operations.case_view(case, today, principal())


@blp.route("/committees/<int:committee_id>/recruitment")
class CommitteeRecruitment(MethodView):
    @jwt_required()
    @blp.arguments(CommitteeQuerySchema, location="query")
    @blp.response(200, CommitteeRecruitmentSchema)
    def get(self, query, committee_id):
        """The cases under the committee awaiting its pre-review or approval (`all=true`: every
        active case), overdue first (accounts of the committee or one above it)."""
        committee = load_or_404(Committee, committee_id)
        require(principal().oversees_committee(committee.id))
        return operations.committee_view(committee, branches_under(committee.id), clock.today(), query["all"])


@blp.route("/me/recruitment")
class MyRecruitment(MethodView):
    @jwt_required()
    @blp.response(200, MyRecruitmentSchema)
    def get(self):
        """The caller's own road to membership (`exists: false` when they have none)."""
        return operations.my_view(principal().member_id)

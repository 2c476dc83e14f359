"""Democratic evaluation's endpoints. Who may do what:
- the branch's managers (secretary, deputy, organizer) run it: settings, stages, paper forms and
  invitations, grades, handling decisions, feedback; they read every member's sheet;
- the superior committee over the branch reads it all and reviews (approves or returns) grades;
- a member on the roll writes their own self-assessment, draws their ballot (a blind signature)
  and reads their own sheet (their grade once reviewed), nobody else's;
- tellers (the managers, and the members the evaluation names) enter and confirm paper forms;
- a ballot is cast with no login at all (POST /ballots): the token is its authority.
"""
from __future__ import annotations

import re

from flask.views import MethodView
from flask_jwt_extended import jwt_required

from server.auth.access import branches_under, principal
from server.core.api import FeatureBlueprint, abort, load_or_404, require
from server.core.db import db
from server.core.limiter import ballot_limit, limiter, refused
from server.core.xlsx import XLSX, xlsx_response
from server.evaluation import ballots, operations
from server.evaluation.export import results_workbook
from server.evaluation.models import Evaluation, PaperEntry
from server.evaluation.schemas import (
    BallotCastSchema,
    BallotFormSchema,
    BlindedSchema,
    CastResultSchema,
    CountSchema,
    EvaluationCreateSchema,
    EvaluationQuerySchema,
    EvaluationSchema,
    EvaluationSummarySchema,
    EvaluationUpdateSchema,
    FeedbackSchema,
    GradeSchema,
    GuestFormRequestSchema,
    GuestTokensSchema,
    HandlingSchema,
    MyEvaluationSchema,
    PaperConfirmSchema,
    PaperEntryOutSchema,
    PaperEntrySchema,
    PaperFormsSchema,
    ReviewSchema,
    SelfAssessmentWriteSchema,
    SheetSchema,
    SignatureSchema,
    StageSchema,
    TallySchema,
)
from server.org.models import Branch, Committee

blp = FeatureBlueprint("evaluation", __name__, description="Democratic evaluation of members (民主评议党员)")

MANAGERS_ONLY = "Only the branch's secretary or organizer runs the evaluation."


def _managed(evaluation_id: int) -> Evaluation:
    evaluation = load_or_404(Evaluation, evaluation_id)
    require(principal().manages(evaluation.branch_id), MANAGERS_ONLY)
    return evaluation


def _seen(evaluation_id: int) -> Evaluation:
    """The branch's managers and its superior committee."""
    evaluation = load_or_404(Evaluation, evaluation_id)
    p = principal()
    require(p.manages(evaluation.branch_id) or p.oversees(evaluation.branch_id))
    return evaluation


def _teller(evaluation_id: int) -> Evaluation:
    evaluation = load_or_404(Evaluation, evaluation_id)
    p = principal()
    require(p.manages(evaluation.branch_id) or (p.member_id is not None and p.home_branch_id == evaluation.branch_id
                                                 and p.member_id in (evaluation.teller_member_ids or [])),
            "Only the evaluation's tellers enter paper forms.")
    return evaluation


def _entry(evaluation: Evaluation, entry_id: str) -> PaperEntry:
    entry = db.session.get(PaperEntry, entry_id) if re.fullmatch(r"[0-9a-f]{32}", entry_id) else None
    if entry is None or entry.evaluation_id != evaluation.id:
        abort(404, message="No such paper form entry.")
    return entry


@blp.route("/branches/<int:branch_id>/evaluations")
class BranchEvaluations(MethodView):
    @jwt_required()
    @blp.arguments(EvaluationQuerySchema, location="query")
    @blp.response(200, EvaluationSummarySchema(many=True))
    def get(self, query, branch_id):
        """The branch's evaluations, newest first (its managers and its committee)."""
        branch = load_or_404(Branch, branch_id)
        p = principal()
        require(p.manages(branch.id) or p.oversees(branch.id))
        return [operations.summary(e) for e in operations.branch_evaluations([branch.id], query.get("year"))]

    @jwt_required()
    @blp.arguments(EvaluationCreateSchema)
    @blp.response(201, EvaluationSchema)
    def post(self, data, branch_id):
        """Begin a year's evaluation (stage `preparing`); one per branch and year (409)."""
        branch = load_or_404(Branch, branch_id)
        require(principal().manages(branch.id), MANAGERS_ONLY)
        return operations.detail(operations.create_evaluation(branch, data, principal().user_id))


@blp.route("/evaluations/<int:evaluation_id>")
class EvaluationItem(MethodView):
    @jwt_required()
    @blp.response(200, EvaluationSchema)
    def get(self, evaluation_id):
        """The evaluation: stages and their dates, settings, progress, what the next stage still
        needs, and the roll (who wrote, who has a ballot, grades and reviews; no texts)."""
        return operations.detail(_seen(evaluation_id))

    @jwt_required()
    @blp.arguments(EvaluationUpdateSchema)
    @blp.response(200, EvaluationSchema)
    def patch(self, changes, evaluation_id):
        """Settings; the grades and the meeting are fixed once balloting opened (409)."""
        evaluation = _managed(evaluation_id)
        return operations.detail(operations.update_evaluation(evaluation, changes, principal().user_id))


@blp.route("/evaluations/<int:evaluation_id>/stage")
class EvaluationStageView(MethodView):
    @jwt_required()
    @blp.arguments(StageSchema)
    @blp.response(200, EvaluationSchema)
    def post(self, data, evaluation_id):
        """Move to the next stage; 409 naming what is missing (docs/api.md, "Evaluation")."""
        evaluation = _managed(evaluation_id)
        return operations.detail(operations.advance(evaluation, data["stage"], principal().user_id))


@blp.route("/evaluations/<int:evaluation_id>/members/<int:member_id>")
class MemberSheet(MethodView):
    @jwt_required()
    @blp.response(200, SheetSchema)
    def get(self, evaluation_id, member_id):
        """One member's sheet: the self-assessment with their year's records beside it, and the grade.
        The member sees their own (the grade once reviewed); the branch and its committee see everyone's."""
        evaluation = load_or_404(Evaluation, evaluation_id)
        p = principal()
        as_branch = p.manages(evaluation.branch_id) or p.oversees(evaluation.branch_id)
        require(as_branch or p.member_id == member_id, "A member reads only their own sheet.")
        return operations.sheet(operations.row_of(evaluation, member_id), as_branch=as_branch)


@blp.route("/evaluations/<int:evaluation_id>/members/<int:member_id>/self-assessment")
class SelfAssessment(MethodView):
    @jwt_required()
    @blp.arguments(SelfAssessmentWriteSchema)
    @blp.response(200, SheetSchema)
    def put(self, data, evaluation_id, member_id):
        """Write the self-assessment: the member their own, or the secretary for a member without a
        phone (marked as written on their behalf). The same nonce again changes nothing."""
        evaluation = load_or_404(Evaluation, evaluation_id)
        p = principal()
        manager = p.manages(evaluation.branch_id)
        require(manager or p.member_id == member_id, "A member writes only their own self-assessment.")
        row = operations.row_of(evaluation, member_id)
        operations.write_self_assessment(evaluation, row, data["text"], data["nonce"], p.user_id,
                                         on_behalf=p.member_id != member_id)
        return operations.sheet(row, as_branch=manager)


@blp.route("/evaluations/<int:evaluation_id>/members/<int:member_id>/grade")
class GradeView(MethodView):
    @jwt_required()
    @blp.arguments(GradeSchema)
    @blp.response(200, SheetSchema)
    def put(self, data, evaluation_id, member_id):
        """The branch committee's proposed grade (stage `grading`, or a returned grade during review)."""
        evaluation = _managed(evaluation_id)
        row = operations.row_of(evaluation, member_id)
        operations.propose_grade(evaluation, row, data["grade"], data["note"], principal().user_id)
        return operations.sheet(row, as_branch=True)


@blp.route("/evaluations/<int:evaluation_id>/members/<int:member_id>/handling")
class HandlingView(MethodView):
    @jwt_required()
    @blp.arguments(HandlingSchema)
    @blp.response(200, SheetSchema)
    def put(self, data, evaluation_id, member_id):
        """The handling decision of a basically qualified or unqualified grade, as the rules allow."""
        evaluation = _managed(evaluation_id)
        row = operations.row_of(evaluation, member_id)
        operations.record_handling(evaluation, row, data, principal().user_id)
        return operations.sheet(row, as_branch=True)


@blp.route("/evaluations/<int:evaluation_id>/members/<int:member_id>/feedback")
class FeedbackView(MethodView):
    @jwt_required()
    @blp.arguments(FeedbackSchema)
    @blp.response(200, SheetSchema)
    def put(self, data, evaluation_id, member_id):
        """The branch's feedback to the member (stage `feedback`); only the member and the branch read it."""
        evaluation = _managed(evaluation_id)
        row = operations.row_of(evaluation, member_id)
        operations.write_feedback(evaluation, row, data["text"], principal().user_id)
        return operations.sheet(row, as_branch=True)


@blp.route("/evaluations/<int:evaluation_id>/members/<int:member_id>/paper-form")
class HandPaperForm(MethodView):
    @jwt_required()
    @blp.response(200, EvaluationSchema)
    def post(self, evaluation_id, member_id):
        """Record that a paper form was handed to this member (no number): they get no phone ballot."""
        evaluation = _managed(evaluation_id)
        ballots.hand_paper(evaluation, operations.row_of(evaluation, member_id), principal().user_id)
        return operations.detail(evaluation)


@blp.route("/evaluations/<int:evaluation_id>/ballot-signature")
class BallotSignature(MethodView):
    @jwt_required()
    @blp.arguments(BlindedSchema)
    @blp.response(200, SignatureSchema)
    def post(self, data, evaluation_id):
        """Draw one's ballot: the server signs the phone's blinded token, once per member on the roll
        (the same blinded token again gets the same signature). Not audited: the roll records it."""
        evaluation = load_or_404(Evaluation, evaluation_id)
        p = principal()
        require(p.member_id is not None and p.home_branch_id == evaluation.branch_id,
                "Only members on the evaluation's roll draw a ballot.")
        row = operations.row_of(evaluation, p.member_id)
        return {"signature": ballots.issue_signature(evaluation, row, data["blinded"])}


@blp.route("/evaluations/<int:evaluation_id>/guest-tokens")
class GuestTokens(MethodView):
    @jwt_required()
    @blp.arguments(CountSchema)
    @blp.response(201, GuestTokensSchema)
    def post(self, data, evaluation_id):
        """Ballots for invited non-members: tokens shown once, to print as links or QR codes."""
        evaluation = _managed(evaluation_id)
        return {"evaluation_id": evaluation.id,
                "tokens": ballots.guest_tokens(evaluation, data["count"], principal().user_id)}


@blp.route("/evaluations/<int:evaluation_id>/paper-forms")
class PaperForms(MethodView):
    @jwt_required()
    @blp.arguments(CountSchema)
    @blp.response(201, PaperFormsSchema)
    def post(self, data, evaluation_id):
        """Numbered paper forms, each with a code for the tellers; shown once, to print."""
        evaluation = _managed(evaluation_id)
        forms = ballots.print_paper_forms(evaluation, data["count"], principal().user_id)
        return {"evaluation_id": evaluation.id, "forms": forms, "form": operations.ballot_form(evaluation)}


@blp.route("/evaluations/<int:evaluation_id>/paper-entries")
class PaperEntries(MethodView):
    @jwt_required()
    @blp.response(200, PaperEntryOutSchema(many=True))
    def get(self, evaluation_id):
        """Paper forms entered and waiting for a second teller (the tellers)."""
        evaluation = _teller(evaluation_id)
        return ballots.paper_entries(evaluation, principal().user_id)

    @jwt_required()
    @blp.arguments(PaperEntrySchema)
    @blp.response(201, PaperEntryOutSchema)
    def post(self, data, evaluation_id):
        """A teller types in a paper form (its code and marks); a second teller confirms it."""
        evaluation = _teller(evaluation_id)
        entry = ballots.enter_paper(evaluation, data["code"], data["marks"], principal().user_id)
        return next(e for e in ballots.paper_entries(evaluation, principal().user_id) if e["id"] == entry.id)


@blp.route("/evaluations/<int:evaluation_id>/paper-entries/<string:entry_id>/confirm")
class PaperEntryConfirm(MethodView):
    @jwt_required()
    @blp.arguments(PaperConfirmSchema)
    @blp.response(204)
    def post(self, data, evaluation_id, entry_id):
        """A second teller, the form in hand, types its code: the entry becomes a ballot."""
        evaluation = _teller(evaluation_id)
        ballots.confirm_paper(evaluation, _entry(evaluation, entry_id), data["code"], principal().user_id)


@blp.route("/evaluations/<int:evaluation_id>/paper-entries/<string:entry_id>")
class PaperEntryItem(MethodView):
    @jwt_required()
    @blp.response(204)
    def delete(self, evaluation_id, entry_id):
        """Discard a wrongly typed entry (the form can be entered again)."""
        evaluation = _teller(evaluation_id)
        ballots.discard_paper(evaluation, _entry(evaluation, entry_id), principal().user_id)


@blp.route("/evaluations/<int:evaluation_id>/tally")
class Tally(MethodView):
    @jwt_required()
    @blp.response(200, TallySchema)
    def get(self, evaluation_id):
        """Per member, the forms' count of each grade: 409 until balloting closed."""
        return ballots.tally(_seen(evaluation_id))


@blp.route("/evaluations/<int:evaluation_id>/results.xlsx")
class Results(MethodView):
    @jwt_required()
    @blp.response(200, content_type=XLSX)
    def get(self, evaluation_id):
        """The results as an Excel workbook (tally, grades, review, handling): 409 until balloting closed."""
        evaluation = _seen(evaluation_id)
        return xlsx_response(results_workbook(evaluation), f"{evaluation.title}结果汇总表.xlsx",
                             f"evaluation-{evaluation.id}-results.xlsx")


@blp.route("/evaluations/<int:evaluation_id>/review")
class ReviewView(MethodView):
    @jwt_required()
    @blp.arguments(ReviewSchema)
    @blp.response(200, EvaluationSchema)
    def post(self, data, evaluation_id):
        """The superior committee approves grades, or returns them with its reason (stage `review`)."""
        evaluation = load_or_404(Evaluation, evaluation_id)
        require(principal().oversees(evaluation.branch_id), "Only the branch's superior committee reviews grades.")
        operations.review(evaluation, data["approve"], data["member_ids"], data["reason"], principal().user_id)
        return operations.detail(evaluation)


@blp.route("/committees/<int:committee_id>/evaluations")
class CommitteeEvaluations(MethodView):
    @jwt_required()
    @blp.arguments(EvaluationQuerySchema, location="query")
    @blp.response(200, EvaluationSummarySchema(many=True))
    def get(self, query, committee_id):
        """The evaluations of every branch under the committee (those in `review` await it)."""
        committee = load_or_404(Committee, committee_id)
        require(principal().oversees_committee(committee.id))
        return [operations.summary(e) for e in operations.branch_evaluations(branches_under(committee.id),
                                                                              query.get("year"))]


@blp.route("/me/evaluations")
class MyEvaluations(MethodView):
    @jwt_required()
    @blp.response(200, MyEvaluationSchema(many=True))
    def get(self):
        """The caller's evaluations: their sheet, and while balloting is open the form and its key."""
        p = principal()
        return operations.mine(p.member_id) if p.member_id is not None else []


@blp.route("/ballots")
class Ballots(MethodView):
    # No login here: refused attempts are limited per address (a printed token cannot be guessed
    # at speed); accepted forms never count, so a village sharing one address votes freely.
    decorators = [limiter.shared_limit(ballot_limit, scope="ballots", deduct_when=refused)]

    @blp.doc(security=[])
    @blp.arguments(BallotCastSchema)
    @blp.response(201, CastResultSchema)
    def post(self, data):
        """Cast an assessment form. No login: the token (with its blind signature, or a printed guest
        token) is the authority, used once. Nothing about the request is stored but the marks."""
        evaluation = load_or_404(Evaluation, data["evaluation_id"])
        ballots.cast(evaluation, data["token"], data["signature"], data["marks"])
        return {"accepted": True}


@blp.route("/ballots/form")
class GuestForm(MethodView):
    # No login here: refused attempts are limited per address (a printed token cannot be guessed
    # at speed); accepted forms never count, so a village sharing one address votes freely.
    decorators = [limiter.shared_limit(ballot_limit, scope="ballots", deduct_when=refused)]

    @blp.doc(security=[])
    @blp.arguments(GuestFormRequestSchema)
    @blp.response(200, BallotFormSchema)
    def post(self, data):
        """The form for an invited non-member's printed token (no login; 403 unknown, 409 used)."""
        evaluation = load_or_404(Evaluation, data["evaluation_id"])
        return ballots.guest_form(evaluation, data["token"])

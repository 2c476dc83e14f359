from __future__ import annotations

from flask import Response
from flask.views import MethodView
from flask_jwt_extended import jwt_required

from server.auth.access import branches_under, principal
from server.core.api import FeatureBlueprint, abort, load_or_404, require
from server.core.db import db
from server.org.models import Branch, Committee, Member
from server.secretary_review import export, operations
from server.secretary_review.models import ReviewGrade, SecretaryReview
from server.secretary_review.schemas import (
    ReviewCommitteeRowSchema,
    ReviewGradeSchema,
    ReviewReturnSchema,
    ReviewWriteSchema,
    ReviewYearQuerySchema,
    SecretaryReviewSchema,
)
from sync import clock

blp = FeatureBlueprint("secretary_review", __name__,
                       description="The branch secretary's annual review (述职评议), graded by the committee")

READERS = "The review is read by the branch's managers and its committee."
SECRETARY_ONLY = "Only the branch's secretary writes and submits the review."
COMMITTEE_ONLY = "Only the committee over the branch grades or returns the review."


def _branch(branch_id: int, year: int) -> Branch:
    """Load, check the year, check that the caller reads it."""
    branch = load_or_404(Branch, branch_id)
    p = principal()
    require(p.manages(branch.id) or p.oversees(branch.id), READERS)
    operations.check_year(year, clock.today())
    return branch


def _existing(branch: Branch, year: int) -> SecretaryReview:
    review = operations.review_of(branch.id, year)
    if review is None:
        abort(404, message="The secretary has not written this year's review yet.")
    return review


def _page(branch: Branch, year: int) -> dict:
    p = principal()
    return operations.detail(branch, year, operations.review_of(branch.id, year), clock.today(),
                             writes=branch.id in p.secretary_branch_ids, grades=p.oversees(branch.id))


def _secretary_of(branch: Branch) -> Member:
    p = principal()
    require(branch.id in p.secretary_branch_ids, SECRETARY_ONLY)
    return db.session.get(Member, p.member_id)


@blp.route("/branches/<int:branch_id>/secretary-reviews/<int:year>")
class Review(MethodView):
    @jwt_required()
    @blp.response(200, SecretaryReviewSchema)
    def get(self, branch_id, year):
        """The year's review: the facts generated from the year's compliance (frozen once submitted),
        the four sections, the state and grade (`state: none` before the secretary's first save)."""
        return _page(_branch(branch_id, year), year)

    @jwt_required()
    @blp.arguments(ReviewWriteSchema)
    @blp.response(200, SecretaryReviewSchema)
    def put(self, data, branch_id, year):
        """The secretary's text of the sections (draft or returned; 409 once submitted)."""
        branch = _branch(branch_id, year)
        operations.save(branch, year, data["sections"], _secretary_of(branch), principal().user_id, clock.today())
        return _page(branch, year)


@blp.route("/branches/<int:branch_id>/secretary-reviews/<int:year>/submit")
class Submit(MethodView):
    @jwt_required()
    @blp.response(200, SecretaryReviewSchema)
    def post(self, branch_id, year):
        """Submit to the committee (422 while a section has no text), the facts frozen as of today."""
        branch = _branch(branch_id, year)
        _secretary_of(branch)
        operations.submit(_existing(branch, year), principal().user_id, clock.today())
        return _page(branch, year)


@blp.route("/branches/<int:branch_id>/secretary-reviews/<int:year>/grade")
class Grade(MethodView):
    @jwt_required()
    @blp.arguments(ReviewGradeSchema)
    @blp.response(200, SecretaryReviewSchema)
    def post(self, data, branch_id, year):
        """The committee's grade (好 / 较好 / 一般 / 差) and comment; 409 unless submitted."""
        branch = _branch(branch_id, year)
        require(principal().oversees(branch.id), COMMITTEE_ONLY)
        operations.grade(_existing(branch, year), ReviewGrade(data["grade"]), data["comment"], principal().user_id)
        return _page(branch, year)


@blp.route("/branches/<int:branch_id>/secretary-reviews/<int:year>/return")
class Return(MethodView):
    @jwt_required()
    @blp.arguments(ReviewReturnSchema)
    @blp.response(200, SecretaryReviewSchema)
    def post(self, data, branch_id, year):
        """Return the review to the secretary with a reason; they edit and submit again."""
        branch = _branch(branch_id, year)
        require(principal().oversees(branch.id), COMMITTEE_ONLY)
        operations.return_review(_existing(branch, year), data["reason"], principal().user_id)
        return _page(branch, year)


def _download(data: bytes, mimetype: str, filename: str) -> Response:
    return Response(data, mimetype=mimetype, headers={
        "Content-Disposition": f"attachment; filename={filename}", "Cache-Control": "no-store"})


@blp.route("/branches/<int:branch_id>/secretary-reviews/<int:year>.pdf")
class ReviewPdf(MethodView):
    @jwt_required()
    @blp.response(200, content_type="application/pdf")
    def get(self, branch_id, year):
        """The review material as a PDF in Chinese (embedded CJK font; 503 without it)."""
        branch = _branch(branch_id, year)
        _existing(branch, year)
        return _download(export.review_pdf(_page(branch, year)), "application/pdf",
                         f"secretary-review-branch-{branch.id}-{year}.pdf")


@blp.route("/branches/<int:branch_id>/secretary-reviews/<int:year>.docx")
class ReviewDocx(MethodView):
    @jwt_required()
    @blp.response(200, content_type=export.DOCX)
    def get(self, branch_id, year):
        """The review material as a Word document (.docx)."""
        branch = _branch(branch_id, year)
        _existing(branch, year)
        return _download(export.review_docx(_page(branch, year)), export.DOCX,
                         f"secretary-review-branch-{branch.id}-{year}.docx")


@blp.route("/committees/<int:committee_id>/secretary-reviews")
class CommitteeReviews(MethodView):
    @jwt_required()
    @blp.arguments(ReviewYearQuerySchema, location="query")
    @blp.response(200, ReviewCommitteeRowSchema(many=True))
    def get(self, query, committee_id):
        """Every branch under the committee with its secretary's review of the year (default last
        year): state and grade."""
        committee = load_or_404(Committee, committee_id)
        require(principal().oversees_committee(committee.id))
        return operations.committee_rows(branches_under(committee.id), query.get("year", clock.today().year - 1))

"""The points scheme's endpoints: the scheme (read by the branch, set by its managers), a
period's points (the branch's managers, in name order), publication, and each member's own.
The committee reads the scheme and LOG-points (whether branches published), never points."""
from __future__ import annotations

from flask.views import MethodView
from flask_jwt_extended import jwt_required

from server.auth.access import principal
from server.core.api import FeatureBlueprint, abort, load_or_404, require
from server.core.db import db
from server.org.models import Branch, Member
from server.points import operations
from server.points.schemas import (
    MyPointsSchema,
    PointsBranchPeriodSchema,
    PointsBranchPeriodsSchema,
    PointsPublicationSchema,
    PointsSchemeRequestSchema,
    PointsSchemeSchema,
)
from sync import clock

blp = FeatureBlueprint("points", __name__, description="Points scheme (积分考核): rules, periods, publication")

MANAGERS_ONLY = "Only the branch's secretary or organizer handles its points."


def _period_or_404(label: str):
    period = operations.period_of(label)
    if period is None:
        abort(404, message="A period is like 2026-Q3 or 2026.")
    return period


@blp.route("/branches/<int:branch_id>/points/scheme")
class BranchScheme(MethodView):
    @jwt_required()
    @blp.response(200, PointsSchemeSchema)
    def get(self, branch_id):
        """The branch's scheme and rules (its members, its managers, its committee)."""
        branch = load_or_404(Branch, branch_id)
        require(principal().can_view_branch(branch.id))
        return operations.scheme_view(branch)

    @jwt_required()
    @blp.arguments(PointsSchemeRequestSchema)
    @blp.response(200, PointsSchemeSchema)
    def put(self, data, branch_id):
        """Set the scheme and the branch's own rules (422 for an unknown key or a key named twice)."""
        branch = load_or_404(Branch, branch_id)
        require(principal().manages(branch.id), MANAGERS_ONLY)
        operations.save_scheme(branch, data, principal().user_id)
        return operations.scheme_view(branch)


@blp.route("/branches/<int:branch_id>/points/scheme/suggested")
class SuggestedScheme(MethodView):
    @jwt_required()
    @blp.response(201, PointsSchemeSchema)
    def post(self, branch_id):
        """Use the suggested scheme (409 `scheme_exists` when the branch has one)."""
        branch = load_or_404(Branch, branch_id)
        require(principal().manages(branch.id), MANAGERS_ONLY)
        operations.use_suggested(branch, principal().user_id)
        return operations.scheme_view(branch)


@blp.route("/branches/<int:branch_id>/points/periods")
class BranchPeriods(MethodView):
    @jwt_required()
    @blp.response(200, PointsBranchPeriodsSchema)
    def get(self, branch_id):
        """The scheme's periods from last year on: ended, published (no points)."""
        branch = load_or_404(Branch, branch_id)
        require(principal().manages(branch.id), MANAGERS_ONLY)
        return operations.branch_periods(branch, clock.today())


@blp.route("/branches/<int:branch_id>/points/periods/<string:period>")
class BranchPeriod(MethodView):
    @jwt_required()
    @blp.response(200, PointsBranchPeriodSchema)
    def get(self, branch_id, period):
        """Each member's points of the period with their lines, in name order (once published: as published)."""
        branch = load_or_404(Branch, branch_id)
        require(principal().manages(branch.id), MANAGERS_ONLY)
        return operations.branch_period(branch, _period_or_404(period), clock.today())


@blp.route("/branches/<int:branch_id>/points/periods/<string:period>/publish")
class PublishPeriod(MethodView):
    @jwt_required()
    @blp.response(201, PointsPublicationSchema)
    def post(self, branch_id, period):
        """Publish an ended period to the members and notify them. 409 with `errors.reason`:
        `no_scheme`, `period_kind`, `period_open`, `already_published`."""
        branch = load_or_404(Branch, branch_id)
        require(principal().manages(branch.id), MANAGERS_ONLY)
        p = _period_or_404(period)
        publication = operations.publish(branch, p, principal().user_id, clock.today())
        return {"id": publication.id, "branch_id": branch.id, "published_at": publication.published_at,
                "period": p.label, "period_zh": p.label_zh, "starts_on": p.start, "ends_on": p.end}


@blp.route("/me/points")
class MyPoints(MethodView):
    @jwt_required()
    @blp.response(200, MyPointsSchema)
    def get(self):
        """The caller's own points (member accounts; 404 otherwise): rules, published periods, preview."""
        p = principal()
        if p.member_id is None:
            abort(404, message="This account is not a member's.")
        return operations.member_points(db.session.get(Member, p.member_id), clock.today())

from __future__ import annotations

from flask.views import MethodView
from flask_jwt_extended import jwt_required

from server.auth.access import principal
from server.core.api import FeatureBlueprint, load_or_404, require
from server.featured import operations
from server.featured.schemas import (
    FeaturedAdoptSchema,
    FeaturedBranchSchema,
    FeaturedChangeSchema,
    FeaturedPlanSchema,
    FeaturedTemplateSchema,
    FeaturedYearQuerySchema,
)
from server.org.models import Branch
from sync import clock

blp = FeatureBlueprint("featured", __name__,
                       description="Featured systems by sector (X, 特色制度): templates a branch adopts or drops")

MANAGERS_ONLY = "Only the branch's secretary, deputy secretary or organizer adopts or drops a featured system."


@blp.route("/featured-templates")
class Templates(MethodView):
    @jwt_required()
    @blp.response(200, FeaturedTemplateSchema(many=True))
    def get(self):
        """The catalogue: every template this installation offers (built-in, then the county's own
        folder), by sector (any signed-in user)."""
        return operations.ordered_for(None)


@blp.route("/branches/<int:branch_id>/featured-systems")
class BranchSystems(MethodView):
    @jwt_required()
    @blp.arguments(FeaturedYearQuerySchema, location="query")
    @blp.response(200, FeaturedBranchSchema)
    def get(self, query, branch_id):
        """The catalogue with the branch's sector first, each template with the branch's open
        adoption and the year's events of it (the branch's members, managers and committee)."""
        branch = load_or_404(Branch, branch_id)
        require(principal().can_view_branch(branch.id))
        return operations.branch_view(branch, query.get("year") or clock.today().year)

    @jwt_required()
    @blp.arguments(FeaturedAdoptSchema)
    @blp.response(201, FeaturedChangeSchema)
    def post(self, data, branch_id):
        """Adopt a template: its events for the rest of the year go on the plan, its service posts and
        points rules are created (409 when already adopted; 404 for an unknown template)."""
        branch = load_or_404(Branch, branch_id)
        require(principal().manages(branch.id), MANAGERS_ONLY)
        return operations.adopt(branch, data["template_code"], principal().user_id)


@blp.route("/branches/<int:branch_id>/featured-systems/<string:code>/drop")
class DropSystem(MethodView):
    @jwt_required()
    @blp.response(200, FeaturedChangeSchema)
    def post(self, branch_id, code):
        """Drop an adopted template: its planned events ahead are cancelled (members told
        “不再采用该特色制度”), its posts end, its points rules go; records stay (409 when not adopted)."""
        branch = load_or_404(Branch, branch_id)
        require(principal().manages(branch.id), MANAGERS_ONLY)
        return operations.drop(branch, code, principal().user_id)


@blp.route("/branches/<int:branch_id>/featured-systems/<string:code>/plan")
class PlanSystem(MethodView):
    @jwt_required()
    @blp.arguments(FeaturedPlanSchema)
    @blp.response(200, FeaturedChangeSchema)
    def post(self, data, branch_id, code):
        """Put an adopted template's events of a year on the plan (next year's, say); idempotent."""
        branch = load_or_404(Branch, branch_id)
        require(principal().manages(branch.id), MANAGERS_ONLY)
        return operations.plan(branch, code, data["year"], principal().user_id)

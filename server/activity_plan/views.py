from __future__ import annotations

from flask.views import MethodView
from flask_jwt_extended import jwt_required

from server.activity_plan import operations
from server.activity_plan.schemas import PlanFileSchema, PlanGenerateSchema, PlanQuerySchema, PlanSchema
from server.auth.access import principal
from server.core.api import FeatureBlueprint, load_or_404, require
from server.filings.schemas import FilingSchema
from server.org.models import Branch

blp = FeatureBlueprint("activity_plan", __name__, description="The yearly activity-day plan (DAY-plan)")


@blp.route("/branches/<int:branch_id>/activity-day-plan")
class ActivityDayPlan(MethodView):
    @jwt_required()
    @blp.arguments(PlanQuerySchema, location="query")
    @blp.response(200, PlanSchema)
    def get(self, query, branch_id):
        """The year's twelve activity days: the rule's date, the planned or held event, and the plan's filings."""
        branch = load_or_404(Branch, branch_id)
        require(principal().can_view_branch(branch.id))
        return operations.plan_view(branch, query["year"])

    @jwt_required()
    @blp.arguments(PlanGenerateSchema)
    @blp.response(200, PlanSchema)
    def post(self, data, branch_id):
        """Generate the plan: a planned activity day on its rule date for each coming month without one."""
        branch = load_or_404(Branch, branch_id)
        require(principal().manages(branch.id))
        return operations.generate_plan(branch, data, principal().user_id)


@blp.route("/branches/<int:branch_id>/activity-day-plan/filing")
class ActivityDayPlanFiling(MethodView):
    @jwt_required()
    @blp.arguments(PlanFileSchema)
    @blp.response(201, FilingSchema)
    def post(self, data, branch_id):
        """File the year's plan with the superior committee (DAY-plan: by 31 January)."""
        branch = load_or_404(Branch, branch_id)
        require(principal().manages(branch.id))
        return operations.file_plan(branch, data["year"], data["body"], principal().user_id)

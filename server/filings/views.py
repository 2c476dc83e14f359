from __future__ import annotations

from flask.views import MethodView
from flask_jwt_extended import jwt_required

from server.auth.access import branches_under, principal
from server.core.api import FeatureBlueprint, load_or_404, require
from server.events.models import Event
from server.filings import operations
from server.filings.models import Filing, RectificationItem
from server.filings.schemas import (
    FilingDecisionSchema,
    FilingQuerySchema,
    FilingRefileSchema,
    FilingSchema,
    RectificationAnnounceSchema,
    RectificationItemSchema,
    RectificationQuerySchema,
    RectificationReviewSchema,
    RectificationUpdateSchema,
)
from server.org.models import Branch, Committee

blp = FeatureBlueprint("filings", __name__, description="Filings with the superior committee and rectification items")


@blp.route("/branches/<int:branch_id>/filings")
class BranchFilings(MethodView):
    @jwt_required()
    @blp.arguments(FilingQuerySchema, location="query")
    @blp.response(200, FilingSchema(many=True))
    def get(self, query, branch_id):
        """The branch's filings, newest first (its managers and its committee)."""
        branch = load_or_404(Branch, branch_id)
        p = principal()
        require(p.manages(branch.id) or p.oversees(branch.id))
        return operations.filings_query([branch.id], query)

    @jwt_required()
    @blp.arguments(FilingSchema)
    @blp.response(201, FilingSchema)
    def post(self, data, branch_id):
        """File a document with the superior committee (the branch's secretary or organizer)."""
        branch = load_or_404(Branch, branch_id)
        require(principal().manages(branch.id))
        return operations.submit_filing(branch, data, principal().user_id)


@blp.route("/filings/<int:filing_id>")
class FilingItem(MethodView):
    @jwt_required()
    @blp.response(200, FilingSchema)
    def get(self, filing_id):
        filing = load_or_404(Filing, filing_id)
        p = principal()
        require(p.manages(filing.branch_id) or p.oversees(filing.branch_id))
        return filing


@blp.route("/filings/<int:filing_id>/decision")
class FilingDecisionView(MethodView):
    @jwt_required()
    @blp.arguments(FilingDecisionSchema)
    @blp.response(200, FilingSchema)
    def post(self, data, filing_id):
        """Approve or decline a filing (the superior committee over the branch)."""
        filing = load_or_404(Filing, filing_id)
        require(principal().oversees(filing.branch_id), "Only the branch's superior committee decides filings.")
        return operations.decide(filing, data["approve"], data["note"], principal().user_id)


@blp.route("/filings/<int:filing_id>/refile")
class RefileView(MethodView):
    @jwt_required()
    @blp.arguments(FilingRefileSchema)
    @blp.response(201, FilingSchema)
    def post(self, data, filing_id):
        """Send a returned filing again, corrected: a new filing of the same kind, year and period
        whose `refiles_id` names the returned one (the branch's managers)."""
        filing = load_or_404(Filing, filing_id)
        require(principal().manages(filing.branch_id), "Only the branch's secretary or organizer files with the committee.")
        return operations.refile(filing, data, principal().user_id)


@blp.route("/committees/<int:committee_id>/filings")
class CommitteeFilings(MethodView):
    @jwt_required()
    @blp.arguments(FilingQuerySchema, location="query")
    @blp.response(200, FilingSchema(many=True))
    def get(self, query, committee_id):
        """Filings of every branch under the committee (committee accounts over it)."""
        committee = load_or_404(Committee, committee_id)
        require(principal().oversees_committee(committee.id))
        return operations.filings_query(branches_under(committee.id), query)


@blp.route("/branches/<int:branch_id>/rectification-items")
class BranchRectificationItems(MethodView):
    @jwt_required()
    @blp.arguments(RectificationQuerySchema, location="query")
    @blp.response(200, RectificationItemSchema(many=True))
    def get(self, query, branch_id):
        """The branch's rectification items and their progress (announced to its members too)."""
        branch = load_or_404(Branch, branch_id)
        require(principal().can_view_branch(branch.id))
        return operations.rectification_items(branch.id, query.get("year"))

    @jwt_required()
    @blp.arguments(RectificationItemSchema)
    @blp.response(201, RectificationItemSchema)
    def post(self, data, branch_id):
        branch = load_or_404(Branch, branch_id)
        require(principal().manages(branch.id))
        return operations.add_rectification_item(branch, data, principal().user_id)


@blp.route("/rectification-items/<int:item_id>")
class RectificationItemView(MethodView):
    @jwt_required()
    @blp.arguments(RectificationUpdateSchema)
    @blp.response(200, RectificationItemSchema)
    def patch(self, changes, item_id):
        """Record progress or completion of a rectification item."""
        item = load_or_404(RectificationItem, item_id)
        require(principal().manages(item.branch_id))
        return operations.update_rectification_item(item, changes, principal().user_id)


@blp.route("/rectification-items/<int:item_id>/announce")
class AnnounceRectification(MethodView):
    @jwt_required()
    @blp.arguments(RectificationAnnounceSchema)
    @blp.response(200, RectificationItemSchema)
    def post(self, data, item_id):
        """Announce the item's progress to the branch's members (整改情况通报; the branch's managers).
        Members read the latest announcement in the branch's list of rectification items."""
        item = load_or_404(RectificationItem, item_id)
        require(principal().manages(item.branch_id))
        return operations.announce_rectification(item, data["text"], principal().user_id)


@blp.route("/events/<int:event_id>/rectification-review")
class RectificationReview(MethodView):
    @jwt_required()
    @blp.response(200, RectificationReviewSchema)
    def get(self, event_id):
        """For an org-life meeting: last year's rectification items, to review at this meeting."""
        event = load_or_404(Event, event_id)
        require(principal().can_view_branch(event.branch_id))
        return operations.org_life_review(event)

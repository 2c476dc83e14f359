from __future__ import annotations

from flask.views import MethodView
from flask_jwt_extended import jwt_required

from server.auth.access import branches_under, principal
from server.core.api import FeatureBlueprint, abort, load_or_404, require
from server.corrections import operations
from server.corrections.models import CorrectionAttachment, CorrectionRequest
from server.corrections.schemas import (
    CorrectionNoticeUploadSchema,
    CorrectionNoticeAnswerWriteSchema,
    CorrectionNoticeAttachmentSchema,
    CorrectionNoticeDecisionSchema,
    CorrectionNoticeQuerySchema,
    CorrectionNoticeSchema,
)
from server.minutes import storage
from server.org.models import Branch, Committee

blp = FeatureBlueprint("corrections", __name__, description="Correction requests (整改通知) from a committee to a branch")


def _may_see(request: CorrectionRequest) -> None:
    p = principal()
    require(p.manages(request.branch_id) or p.oversees(request.branch_id))


@blp.route("/committees/<int:committee_id>/correction-requests")
class CommitteeCorrections(MethodView):
    @jwt_required()
    @blp.arguments(CorrectionNoticeQuerySchema, location="query")
    @blp.response(200, CorrectionNoticeSchema(many=True))
    def get(self, query, committee_id):
        """The requests to every branch under the committee, overdue first (committee accounts over it)."""
        committee = load_or_404(Committee, committee_id)
        require(principal().oversees_committee(committee.id))
        return operations.requests_query(branch_ids=branches_under(committee.id), state=query.get("state"))

    @jwt_required()
    @blp.arguments(CorrectionNoticeSchema)
    @blp.response(201, CorrectionNoticeSchema)
    def post(self, data, committee_id):
        """Send a branch under the committee a correction request with a deadline (its branches are told)."""
        committee = load_or_404(Committee, committee_id)
        require(principal().oversees_committee(committee.id), "Only the committee's accounts send its requests.")
        branch = load_or_404(Branch, data["branch_id"])
        if branch.id not in branches_under(committee.id):
            abort(422, message="The branch is not under this committee.", errors={"json": {"branch_id": ["Not under this committee."]}})
        return operations.send(committee, branch, data, principal().user_id)


@blp.route("/branches/<int:branch_id>/correction-requests")
class BranchCorrections(MethodView):
    @jwt_required()
    @blp.arguments(CorrectionNoticeQuerySchema, location="query")
    @blp.response(200, CorrectionNoticeSchema(many=True))
    def get(self, query, branch_id):
        """The branch's correction requests, overdue first (its managers and its committee)."""
        branch = load_or_404(Branch, branch_id)
        p = principal()
        require(p.manages(branch.id) or p.oversees(branch.id))
        return operations.requests_query(branch_ids=[branch.id], state=query.get("state"))


@blp.route("/correction-requests/<int:request_id>")
class CorrectionItem(MethodView):
    @jwt_required()
    @blp.response(200, CorrectionNoticeSchema)
    def get(self, request_id):
        request = load_or_404(CorrectionRequest, request_id)
        _may_see(request)
        return request


@blp.route("/correction-requests/<int:request_id>/answers")
class CorrectionAnswers(MethodView):
    @jwt_required()
    @blp.arguments(CorrectionNoticeAnswerWriteSchema)
    @blp.response(201, CorrectionNoticeSchema)
    def post(self, data, request_id):
        """Answer: what was done, with the branch's events, records or filings as evidence (its managers)."""
        request = load_or_404(CorrectionRequest, request_id)
        require(principal().manages(request.branch_id), "Only the branch's secretary or organizer answers.")
        return operations.answer(request, data, principal().user_id)


@blp.route("/correction-requests/<int:request_id>/decision")
class CorrectionDecision(MethodView):
    @jwt_required()
    @blp.arguments(CorrectionNoticeDecisionSchema)
    @blp.response(200, CorrectionNoticeSchema)
    def post(self, data, request_id):
        """Accept the latest answer, or return it with the reason (the committee over the branch)."""
        request = load_or_404(CorrectionRequest, request_id)
        require(principal().oversees(request.branch_id), "Only the branch's committee decides.")
        return operations.decide(request, data["accept"], data["reason"], principal().user_id)


@blp.route("/correction-requests/<int:request_id>/attachments")
class CorrectionAttachments(MethodView):
    @jwt_required()
    @blp.arguments(CorrectionNoticeUploadSchema, location="files")
    @blp.response(201, CorrectionNoticeAttachmentSchema)
    def post(self, data, request_id):
        """Attach a photo or PDF (multipart `file`): the committee to the request, the branch to its answer."""
        request = load_or_404(CorrectionRequest, request_id)
        p = principal()
        committee = p.oversees(request.branch_id)
        require(committee or p.manages(request.branch_id))
        return operations.attach(request, data["file"], p.user_id, by_committee=committee)


@blp.route("/correction-requests/<int:request_id>/attachments/<int:attachment_id>")
class CorrectionAttachmentFile(MethodView):
    @jwt_required()
    @blp.response(200, content_type="application/octet-stream")
    def get(self, request_id, attachment_id):
        """The attached file itself, for those who may see the request."""
        request = load_or_404(CorrectionRequest, request_id)
        row = load_or_404(CorrectionAttachment, attachment_id)
        if row.request_id != request.id:
            abort(404, message="No such correction attachment.")
        _may_see(request)
        return storage.file_response(row.path, row.content_type, row.sha256, f"correction-{request.id}-{row.id}")

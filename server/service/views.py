from __future__ import annotations

import io

from flask import send_file
from flask.views import MethodView
from flask_jwt_extended import jwt_required

from server.auth.access import principal
from server.core.api import FeatureBlueprint, load_or_404, require
from server.minutes.views import _MultipartParser
from server.org.models import Branch, Member
from server.records.models import Record
from server.service import operations
from server.service.models import ServiceAssignment, ServicePost
from server.service.schemas import (
    AssignmentCreatedSchema,
    AssignmentCreateSchema,
    BranchPostSchema,
    BranchPostsQuerySchema,
    EndSchema,
    MyServiceQuerySchema,
    MyServiceSchema,
    OwnRecordUploadSchema,
    RefuseSchema,
    ServicePostSchema,
    ServicePostUpdateSchema,
    ServiceRecordSchema,
)
from sync import clock


class ServiceBlueprint(FeatureBlueprint):
    ARGUMENTS_PARSER = _MultipartParser()


blp = ServiceBlueprint("service", __name__,
                       description="Education and service (党员教育培训、服务岗位): service posts, members' own records")

MANAGERS_ONLY = "Only the branch's secretary, deputy secretary or organizer manages service posts."


def _post_for_writing(post_id: int) -> ServicePost:
    post = load_or_404(ServicePost, post_id)
    require(principal().manages(post.branch_id), MANAGERS_ONLY)
    return post


def _me() -> Member:
    p = principal()
    require(p.member_id is not None, "Only members keep their own study and service records.")
    return load_or_404(Member, p.member_id)


@blp.route("/branches/<int:branch_id>/service-posts")
class BranchServicePosts(MethodView):
    @jwt_required()
    @blp.arguments(BranchPostsQuerySchema, location="query")
    @blp.response(200, BranchPostSchema(many=True))
    def get(self, query, branch_id):
        """The branch's service posts, each assignment with its records of the current period
        (the branch's managers and its committee)."""
        branch = load_or_404(Branch, branch_id)
        p = principal()
        require(p.manages(branch.id) or p.oversees(branch.id))
        return operations.branch_posts(branch, clock.today(), query["include_ended"])

    @jwt_required()
    @blp.arguments(ServicePostSchema)
    @blp.response(201, ServicePostSchema)
    def post(self, data, branch_id):
        """A new service post (党员责任区, 先锋岗, 示范户…) with its cadence: month, quarter or year."""
        branch = load_or_404(Branch, branch_id)
        require(principal().manages(branch.id), MANAGERS_ONLY)
        return operations.create_service_post(branch.id, created_by_id=principal().user_id, **data)


@blp.route("/service-posts/<int:post_id>")
class ServicePostItem(MethodView):
    @jwt_required()
    @blp.arguments(ServicePostUpdateSchema)
    @blp.response(200, ServicePostSchema)
    def patch(self, data, post_id):
        """Edit a post's title, description or cadence."""
        post = _post_for_writing(post_id)
        return operations.update_service_post(post, data, principal().user_id)


@blp.route("/service-posts/<int:post_id>/end")
class EndServicePost(MethodView):
    @jwt_required()
    @blp.arguments(EndSchema)
    @blp.response(200, ServicePostSchema)
    def post(self, data, post_id):
        """End a post and its assignments (on the given day, else today); its records stay."""
        post = _post_for_writing(post_id)
        return operations.end_service_post(post, data["on"] or clock.today(), principal().user_id)


@blp.route("/service-posts/<int:post_id>/assignments")
class ServicePostAssignments(MethodView):
    @jwt_required()
    @blp.arguments(AssignmentCreateSchema)
    @blp.response(201, AssignmentCreatedSchema)
    def post(self, data, post_id):
        """Assign a member of the branch to the post (409 when already assigned)."""
        post = _post_for_writing(post_id)
        return operations.assign(post, data["member_id"], data["starts_on"], principal().user_id)


@blp.route("/service-assignments/<int:assignment_id>/end")
class EndServiceAssignment(MethodView):
    @jwt_required()
    @blp.arguments(EndSchema)
    @blp.response(200, AssignmentCreatedSchema)
    def post(self, data, assignment_id):
        """End one member's assignment (on the given day, else today)."""
        assignment = load_or_404(ServiceAssignment, assignment_id)
        require(principal().manages(assignment.post.branch_id), MANAGERS_ONLY)
        return operations.end_assignment(assignment, data["on"], principal().user_id)


@blp.route("/me/service")
class MyService(MethodView):
    @jwt_required()
    @blp.arguments(MyServiceQuerySchema, location="query")
    @blp.response(200, MyServiceSchema)
    def get(self, query):
        """My posts, my study and service records of the year and what counts (confirmed ones)."""
        member = _me()
        today = clock.today()
        return operations.mine(member, query.get("year") or today.year, today)


@blp.route("/me/service-records")
class MyServiceRecords(MethodView):
    @jwt_required()
    @blp.arguments(OwnRecordUploadSchema, location="files")
    @blp.response(201, ServiceRecordSchema)
    @blp.alt_response(200, schema=ServiceRecordSchema, description="Already stored under this client id.")
    def post(self, data):
        """Submit my own study or service record (multipart: the fields, and an optional JPEG or
        PNG `file`). It waits for the branch's confirmation. Idempotent by `client_id`."""
        member = _me()
        upload = data.pop("file", None)
        record, created = operations.submit_own_record(member, principal().user_id, data, upload)
        return record, 201 if created else 200


@blp.route("/records/<int:record_id>/photo")
class RecordPhoto(MethodView):
    @jwt_required()
    @blp.response(200, content_type="image/*")
    def get(self, record_id):
        """The photo of a member's own record (the member, their branch's managers, the committee)."""
        record = load_or_404(Record, record_id)
        require(principal().can_view_record(record))
        data = operations.photo_bytes(record)
        response = send_file(io.BytesIO(data), mimetype=record.photo_type or "application/octet-stream",
                             etag=operations.photo_digest(data), conditional=True, max_age=0)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Cache-Control"] = "private, max-age=86400"
        response.headers["Content-Disposition"] = f'inline; filename="record-{record.id}"'
        return response


@blp.route("/records/<int:record_id>/refuse")
class RefuseRecord(MethodView):
    @jwt_required()
    @blp.arguments(RefuseSchema)
    @blp.response(200, ServiceRecordSchema)
    def post(self, data, record_id):
        """Refuse a member's own study or service record, with the reason the member sees."""
        record = load_or_404(Record, record_id)
        require(principal().manages(record.branch_id), "Only the branch's managers refuse records.")
        return operations.refuse(record, data["reason"], principal().user_id)


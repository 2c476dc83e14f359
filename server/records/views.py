from __future__ import annotations

import sqlalchemy as sa
from flask.views import MethodView
from flask_jwt_extended import jwt_required

from server.auth.access import principal
from server.core.api import FeatureBlueprint, load_or_404, require
from server.core.db import db
from server.org.models import Branch
from server.records import operations
from server.records.models import Record
from server.records.schemas import (
    ConfirmRecordsSchema,
    CorrectionRequestSchema,
    CorrectionSchema,
    RecordQuerySchema,
    RecordSchema,
)

blp = FeatureBlueprint("records", __name__, description="The record log: list, acknowledge, confirm, correct")


@blp.route("/records")
class Records(MethodView):
    @jwt_required()
    @blp.arguments(RecordQuerySchema, location="query")
    @blp.response(200, RecordSchema(many=True))
    @blp.paginate()
    def get(self, query, pagination_parameters):
        """Records the caller may see, newest first, filtered."""
        stmt = operations.filter_records(sa.select(Record).where(principal().record_scope(Record)), query)
        pagination_parameters.item_count = db.session.scalar(sa.select(sa.func.count()).select_from(stmt.subquery()))
        stmt = stmt.order_by(Record.occurred_on.desc(), Record.id.desc())
        return db.session.scalars(
            stmt.limit(pagination_parameters.page_size).offset(pagination_parameters.first_item)
        ).all()


@blp.route("/branches/<int:branch_id>/records")
class BranchRecords(MethodView):
    @jwt_required()
    @blp.arguments(RecordSchema)
    @blp.response(201, RecordSchema)
    def post(self, data, branch_id):
        """Enter a record by hand: a manual attendance (with a reason), dues, a reward..."""
        branch = load_or_404(Branch, branch_id)
        require(principal().manages(branch.id))
        return operations.create_record(branch, data, principal().user_id)


@blp.route("/records/<int:record_id>")
class RecordItem(MethodView):
    @jwt_required()
    @blp.response(200, RecordSchema)
    def get(self, record_id):
        record = load_or_404(Record, record_id)
        require(principal().can_view_record(record))
        return record


@blp.route("/records/<int:record_id>/acknowledge")
class AcknowledgeRecord(MethodView):
    @jwt_required()
    @blp.response(200, RecordSchema)
    def post(self, record_id):
        """The member confirms the record is true (only the member it is about)."""
        record = load_or_404(Record, record_id)
        require(record.member_id == principal().member_id, "Only the member can acknowledge their own record.")
        return operations.acknowledge(record, principal().user_id)


@blp.route("/records/confirm")
class ConfirmRecords(MethodView):
    @jwt_required()
    @blp.arguments(ConfirmRecordsSchema)
    @blp.response(200, RecordSchema(many=True))
    def post(self, data):
        """Confirm one or many records kept by a branch the caller manages (all or nothing)."""
        p = principal()
        require(bool(p.managed_branch_ids), "Only branch secretaries and organizers confirm records.")
        return operations.confirm_many(p, data["record_ids"], p.user_id)


@blp.route("/records/<int:record_id>/corrections")
class RecordCorrections(MethodView):
    @jwt_required()
    @blp.response(200, CorrectionSchema(many=True))
    def get(self, record_id):
        record = load_or_404(Record, record_id)
        require(principal().can_view_record(record))
        return record.corrections

    @jwt_required()
    @blp.arguments(CorrectionRequestSchema)
    @blp.response(201, CorrectionSchema)
    def post(self, data, record_id):
        """Correct a confirmed record: the old values are kept with who and why."""
        record = load_or_404(Record, record_id)
        require(principal().manages(record.branch_id))
        return operations.correct(record, data["reason"], data["changes"], principal().user_id)

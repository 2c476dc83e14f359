from __future__ import annotations

import sqlalchemy as sa
from flask.views import MethodView
from flask_jwt_extended import jwt_required

from server.audit.models import AuditEntry
from server.audit.schemas import AuditEntrySchema
from server.auth.access import principal
from server.core.api import FeatureBlueprint, load_or_404, require
from server.core.db import db
from server.org.models import Branch

blp = FeatureBlueprint("audit", __name__, description="The append-only audit log")


@blp.route("/branches/<int:branch_id>/audit")
class BranchAudit(MethodView):
    @jwt_required()
    @blp.response(200, AuditEntrySchema(many=True))
    @blp.paginate()
    def get(self, pagination_parameters, branch_id):
        """The branch's audit log, newest first (its managers and its committee)."""
        branch = load_or_404(Branch, branch_id)
        p = principal()
        require(p.manages(branch.id) or p.oversees(branch.id))
        stmt = sa.select(AuditEntry).where(AuditEntry.branch_id == branch.id)
        pagination_parameters.item_count = db.session.scalar(sa.select(sa.func.count()).select_from(stmt.subquery()))
        return db.session.scalars(
            stmt.order_by(AuditEntry.id.desc())
            .limit(pagination_parameters.page_size)
            .offset(pagination_parameters.first_item)
        ).all()

from __future__ import annotations

import sqlalchemy as sa
from flask.views import MethodView
from flask_jwt_extended import jwt_required

from server.auth.access import branches_under, committees_under, principal
from server.compliance import export, operations
from server.compliance.schemas import BranchComplianceSchema, CommitteeTreeSchema, ComplianceQuerySchema
from server.core.api import FeatureBlueprint, load_or_404, require
from server.core.db import db
from server.core.xlsx import XLSX, xlsx_response
from server.org.models import Branch, Committee
from sync import clock

blp = FeatureBlueprint("compliance", __name__, description="The eight systems' rules judged per branch and period")


def _when(query: dict) -> tuple[int, int, object]:
    today = clock.today()
    return query.get("year", today.year), query.get("month", today.month), today


def _branch(branch_id: int) -> Branch:
    branch = load_or_404(Branch, branch_id)
    p = principal()
    require(p.manages(branch.id) or p.oversees(branch.id))
    return branch


def _committee(committee_id: int) -> Committee:
    committee = load_or_404(Committee, committee_id)
    require(principal().oversees_committee(committee.id))
    return committee


@blp.route("/branches/<int:branch_id>/compliance")
class BranchCompliance(MethodView):
    @jwt_required()
    @blp.arguments(ComplianceQuerySchema, location="query")
    @blp.response(200, BranchComplianceSchema)
    def get(self, query, branch_id):
        """Every rule for the month, its quarter and its year: state, evidence, next step
        (the branch's secretary or organizer, and its committee)."""
        branch = _branch(branch_id)
        return operations.branch_compliance(branch, *_when(query))


@blp.route("/branches/<int:branch_id>/compliance.xlsx")
class BranchComplianceSheet(MethodView):
    @jwt_required()
    @blp.arguments(ComplianceQuerySchema, location="query")
    @blp.response(200, content_type=XLSX)
    def get(self, query, branch_id):
        """The branch's compliance table as an Excel workbook."""
        branch = _branch(branch_id)
        data = operations.branch_compliance(branch, *_when(query))
        name = f"{branch.name}制度落实情况{data['year']}年{data['month']}月.xlsx"
        return xlsx_response(export.branch_workbook(data), name, f"compliance-branch-{branch.id}.xlsx")


@blp.route("/committees/<int:committee_id>/compliance")
class CommitteeCompliance(MethodView):
    @jwt_required()
    @blp.arguments(ComplianceQuerySchema, location="query")
    @blp.response(200, CommitteeTreeSchema)
    def get(self, query, committee_id):
        """One level of the committee tree: each direct sub-committee aggregated over its subtree
        (per rule, how many branches are met, due, late, missed; how many are silent), and one row
        per branch directly under the committee with each rule's state and the silent-branch
        warning (accounts of the committee or one above it; a sub-committee's account is refused
        the levels above it and its sibling committees)."""
        committee = _committee(committee_id)
        return operations.committee_tree(committee, principal().overseen_committee_ids, *_when(query))


@blp.route("/committees/<int:committee_id>/compliance.xlsx")
class CommitteeComplianceSheet(MethodView):
    @jwt_required()
    @blp.arguments(ComplianceQuerySchema, location="query")
    @blp.response(200, content_type=XLSX)
    def get(self, query, committee_id):
        """The committee's table of every branch of its subtree, each with its own committee (所属党委),
        as an Excel workbook; with sub-committees, a summary sheet for each of them."""
        committee = _committee(committee_id)
        subtree = committees_under(committee.id)
        data = operations.committee_compliance(committee, branches_under(committee.id, subtree), *_when(query))
        committees = db.session.scalars(sa.select(Committee).where(Committee.id.in_(subtree))).all()
        name = f"{committee.name}党支部制度落实情况汇总{data['year']}年{data['month']}月.xlsx"
        return xlsx_response(export.committee_workbook(data, committees), name,
                             f"compliance-committee-{committee.id}.xlsx")

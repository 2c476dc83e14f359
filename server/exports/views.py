from __future__ import annotations

from flask.views import MethodView
from flask_jwt_extended import jwt_required

from server.archive import operations as archive_ops
from server.archive.schemas import ArchiveQuerySchema
from server.audit.operations import log_action
from server.auth.access import principal
from server.core.api import FeatureBlueprint, abort, load_or_404, require
from server.core.xlsx import XLSX, xlsx_response
from server.exports import workbooks
from server.exports.schemas import AttendancePeriodQuerySchema
from server.org.models import Branch
from sync import clock

blp = FeatureBlueprint("exports", __name__, description="Spreadsheets a branch office files: roster, attendance, archives")

MANAGERS_AND_COMMITTEE = "Only the branch's managers and its committee export its spreadsheets."


def _branch(branch_id: int) -> Branch:
    """Who reads the data reads its spreadsheet: the branch's managers and the committees over it."""
    branch = load_or_404(Branch, branch_id)
    p = principal()
    require(p.manages(branch.id) or p.oversees(branch.id), MANAGERS_AND_COMMITTEE)
    return branch


@blp.route("/branches/<int:branch_id>/roster.xlsx")
class RosterExport(MethodView):
    @jwt_required()
    @blp.response(200, content_type=XLSX)
    def get(self, branch_id):
        """The branch's 党员花名册 in the national roster export's columns (members on the roll)."""
        branch = _branch(branch_id)
        return xlsx_response(workbooks.roster_workbook(branch), f"{branch.name}党员花名册.xlsx",
                             f"roster-{branch.id}.xlsx")


@blp.route("/branches/<int:branch_id>/attendance.xlsx")
class AttendancePeriodExport(MethodView):
    @jwt_required()
    @blp.arguments(AttendancePeriodQuerySchema, location="query")
    @blp.response(200, content_type=XLSX)
    def get(self, query, branch_id):
        """Attendance over a month, a quarter or a year: members × the events held, present/excused/absent."""
        branch = _branch(branch_id)
        year = query.get("year") or clock.today().year
        month, quarter = query.get("month"), query.get("quarter")
        _, _, label = workbooks.period_bounds(year, month, quarter)
        suffix = f"{year}" + (f"-m{month}" if month else f"-q{quarter}" if quarter else "")
        return xlsx_response(workbooks.attendance_workbook(branch, year, month, quarter),
                             f"{branch.name}{label}出勤统计表.xlsx", f"attendance-{branch.id}-{suffix}.xlsx")


@blp.route("/branches/<int:branch_id>/archives.xlsx")
class ArchivesExport(MethodView):
    @jwt_required()
    @blp.arguments(ArchiveQuerySchema, location="query")
    @blp.response(200, content_type=XLSX)
    def get(self, query, branch_id):
        """Every member's archive entries in one sheet with a member column; the export is audited."""
        branch = load_or_404(Branch, branch_id)
        require(archive_ops.may_export_branch(principal(), branch.id), MANAGERS_AND_COMMITTEE)
        year = query.get("year")
        members = archive_ops.branch_members(branch.id, year)
        if not members:
            abort(404, message="The branch has no member on its roll.")
        wb = workbooks.archives_workbook(branch, year, members)
        log_action(principal().user_id, "archive.exported", branch, branch_id=branch.id, year=year,
                   members=len(members))
        suffix = f"-{year}" if year else ""
        return xlsx_response(wb, f"{branch.name}党员档案{suffix}.xlsx", f"archives-{branch.id}{suffix}.xlsx")

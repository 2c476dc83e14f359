from __future__ import annotations

from flask import current_app
from flask.views import MethodView
from flask_jwt_extended import jwt_required

from server.auth.access import principal
from server.core.api import FeatureBlueprint, abort, require
from server.core.limiter import limiter
from server.core.xlsx import XLSX, xlsx_response
from server.imports import operations, workbook
from server.imports.schemas import ImportCheckSchema, ImportResultSchema, WorkbookUploadSchema

blp = FeatureBlueprint("imports", __name__, description="Importing rosters, branches and groups, historical meetings")

WHO = "Only a committee (for its branches) or a branch's secretary or organizer (for the branch) imports."


def import_limit() -> str:
    return current_app.config["IMPORT_RATE_LIMIT_PER_ADDRESS"]


def _may_import() -> None:
    who = principal()
    require(who.is_committee or bool(who.managed_branch_ids), WHO)


def _read(upload) -> bytes:
    limit = current_app.config["IMPORT_MAX_BYTES"]
    data = upload.stream.read(limit + 1)
    if len(data) > limit:
        abort(413, message=f"文件超过 {limit // (1024 * 1024)} MB。")
    return data


def _check_body(plan):
    return {"ok": not plan.problem_count, "problem_count": plan.problem_count,
            "problems": [{**vars(p), "text": p.text} for p in plan.problems],
            "summary": plan.summary, "file_sha256": plan.file_sha256}


@blp.route("/imports/template")
class ImportTemplate(MethodView):
    @jwt_required()
    @blp.response(200, content_type=XLSX)
    def get(self):
        """The blank workbook: sheets 支部和党小组, 花名册, 历史会议 with their headers, and notes."""
        _may_import()
        return xlsx_response(workbook.template(), "党员信息导入模板.xlsx", "zhibu-import-template.xlsx")


@blp.route("/imports/check")
class ImportCheck(MethodView):
    decorators = [limiter.limit(import_limit)]

    @jwt_required()
    @blp.arguments(WorkbookUploadSchema, location="files")
    @blp.response(200, ImportCheckSchema)
    def post(self, data):
        """Check a workbook without importing: every problem by sheet, row and column, or the summary
        of what importing it would do."""
        _may_import()
        return _check_body(operations.check(_read(data["file"]), principal()))


@blp.route("/imports")
class Imports(MethodView):
    decorators = [limiter.limit(import_limit)]

    @jwt_required()
    @blp.arguments(WorkbookUploadSchema, location="files")
    @blp.response(201, ImportResultSchema)
    def post(self, data):
        """Import a workbook: checked again in full; any problem refuses the whole file (422, each
        problem's sentence in `errors.file`); else everything is written in one transaction.
        Importing the same file again changes nothing (`changed: false`)."""
        _may_import()
        plan = operations.check(_read(data["file"]), principal())
        if plan.problem_count:
            abort(422, message=f"文件有 {plan.problem_count} 处问题，未导入任何数据。",
                  errors={"file": [p.text for p in plan.problems]})
        run = operations.apply(plan, principal().user_id)
        return {"run_id": run.id if run else None, "changed": run is not None, "summary": plan.summary}

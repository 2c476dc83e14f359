from __future__ import annotations

import re
import tempfile
import zipfile
from urllib.parse import quote

from flask import current_app, make_response
from flask.views import MethodView
from flask_jwt_extended import jwt_required

from server.archive import operations, pdf
from server.archive.schemas import ArchiveQuerySchema, ArchiveSchema
from server.auth.access import principal
from server.core.api import FeatureBlueprint, abort, load_or_404, require
from server.org.models import Branch, Member
from sync import clock

blp = FeatureBlueprint("archive", __name__, description="The member's archive (党员手册) and its self-verifying PDF")

NOT_YOURS = "A member's archive is theirs, their branch's secretaries' and their committee's to see."
_UNSAFE = re.compile(r"[^0-9A-Za-z\u4e00-\u9fff_-]+")


def _disposition(filename: str, ascii_name: str) -> str:
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"


def _member_pdf(member: Member, year: int | None) -> tuple[bytes, int]:
    """Render and log one printing (the register and the audit log)."""
    data = operations.archive(member, year)
    body, pages, digest = pdf.render(data, year, clock.today())
    operations.log_print(member, year, pages, digest, principal().user_id)
    return body, pages


def _chunks(spool, size: int = 64 * 1024):
    """Stream the spooled zip and close it once sent (or when the client goes away)."""
    try:
        while chunk := spool.read(size):
            yield chunk
    finally:
        spool.close()


def safe_name(member: Member) -> str:
    return f"{member.id}-{_UNSAFE.sub('_', member.name).strip('_') or 'member'}"


@blp.route("/members/<int:member_id>/archive")
class MemberArchive(MethodView):
    @jwt_required()
    @blp.arguments(ArchiveQuerySchema, location="query")
    @blp.response(200, ArchiveSchema)
    def get(self, query, member_id):
        """The member's archive: their data, then each section's records with their state."""
        member = load_or_404(Member, member_id)
        require(operations.may_read(principal(), member), NOT_YOURS)
        return operations.archive(member, query.get("year"))


@blp.route("/members/<int:member_id>/archive.pdf")
class MemberArchivePdf(MethodView):
    @jwt_required()
    @blp.arguments(ArchiveQuerySchema, location="query")
    @blp.response(200, content_type="application/pdf")
    def get(self, query, member_id):
        """The archive as an A4 PDF, every page with a signed QR; the printing is logged."""
        member = load_or_404(Member, member_id)
        require(operations.may_read(principal(), member), NOT_YOURS)
        year = query.get("year")
        body, _ = _member_pdf(member, year)
        response = make_response(body)
        response.headers["Content-Type"] = "application/pdf"
        suffix = f"-{year}" if year else ""
        response.headers["Content-Disposition"] = _disposition(f"{member.name}党员手册{suffix}.pdf",
                                                               f"archive-{member.id}{suffix}.pdf")
        return response


@blp.route("/branches/<int:branch_id>/archives.zip")
class BranchArchives(MethodView):
    @jwt_required()
    @blp.arguments(ArchiveQuerySchema, location="query")
    @blp.response(200, content_type="application/zip")
    def get(self, query, branch_id):
        """One PDF per member of the branch, zipped (its managers and its committee); each printing logged."""
        branch = load_or_404(Branch, branch_id)
        require(operations.may_export_branch(principal(), branch.id),
                "Only the branch's secretaries and its committee export its archives.")
        year = query.get("year")
        members = operations.branch_members(branch.id, year)
        if not members:
            abort(404, message="The branch has no member on its roll.")
        # Bounded memory: one member's PDF at a time, the zip spooled to disk beyond 8 MB.
        spool = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)
        with zipfile.ZipFile(spool, "w", zipfile.ZIP_DEFLATED) as archive:
            for member in members:
                body, _ = _member_pdf(member, year)
                archive.writestr(f"{safe_name(member)}.pdf", body)
        size = spool.tell()
        spool.seek(0)
        suffix = f"-{year}" if year else ""
        response = current_app.response_class(_chunks(spool), mimetype="application/zip")
        response.headers["Content-Length"] = str(size)
        response.headers["Content-Disposition"] = _disposition(f"{branch.name}党员手册{suffix}.zip",
                                                               f"archives-{branch.id}{suffix}.zip")
        return response

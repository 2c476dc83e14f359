from __future__ import annotations

from flask import Response
from flask.views import MethodView
from flask_jwt_extended import jwt_required

from server.auth.access import principal
from server.core.api import FeatureBlueprint, load_or_404, require
from server.featured.schemas import FeaturedYearQuerySchema
from server.org.models import Branch
from server.rulebook import content, render
from sync import clock

blp = FeatureBlueprint("rulebook", __name__,
                       description="The branch's rulebook (编订制度手册、制度上墙): an A4 handbook and an A3 poster")

OWN_BRANCH_ONLY = "The rulebook is for the branch's members, its managers and its committee."


def _branch(branch_id: int) -> Branch:
    branch = load_or_404(Branch, branch_id)
    p = principal()
    require(p.home_branch_id == branch.id or p.manages(branch.id) or p.oversees(branch.id), OWN_BRANCH_ONLY)
    return branch


def _pdf(data: bytes, filename: str) -> Response:
    return Response(data, mimetype="application/pdf", headers={
        "Content-Disposition": f"attachment; filename={filename}", "Cache-Control": "no-store"})


@blp.route("/branches/<int:branch_id>/rulebook.pdf")
class Handbook(MethodView):
    @jwt_required()
    @blp.arguments(FeaturedYearQuerySchema, location="query")
    @blp.response(200, content_type="application/pdf")
    def get(self, query, branch_id):
        """The A4 handbook: the eight basic systems with the branch's own details and the featured
        systems it adopted (the branch's members, its managers and its committee; 503 without the CJK font)."""
        branch = _branch(branch_id)
        today = clock.today()
        book = content.rulebook(branch, query.get("year") or today.year, today)
        return _pdf(render.handbook_pdf(book), f"rulebook-branch-{branch.id}-{book['year']}.pdf")


@blp.route("/branches/<int:branch_id>/poster.pdf")
class Poster(MethodView):
    @jwt_required()
    @blp.arguments(FeaturedYearQuerySchema, location="query")
    @blp.response(200, content_type="application/pdf")
    def get(self, query, branch_id):
        """The A3 wall poster (制度上墙): the eight systems in short and the adopted featured systems."""
        branch = _branch(branch_id)
        today = clock.today()
        book = content.rulebook(branch, query.get("year") or today.year, today)
        return _pdf(render.poster_pdf(book), f"poster-branch-{branch.id}-{book['year']}.pdf")

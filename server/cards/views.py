from __future__ import annotations

import sqlalchemy as sa
from flask import make_response
from flask.views import MethodView
from flask_jwt_extended import jwt_required

from server.auth.access import principal
from server.cards import operations
from server.cards.models import Card
from server.cards.printing import card_pdf, card_sheet_pdf
from server.cards.schemas import CardIssueSchema, CardReasonSchema, CardSchema, OwnCardSchema
from server.core.api import FeatureBlueprint, abort, load_or_404, require
from server.core.db import db
from server.core.enums import CardStatus
from server.org.models import Branch, Member

blp = FeatureBlueprint("cards", __name__, description="Activity cards: issue, reissue, revoke")


@blp.route("/members/<int:member_id>/cards")
class MemberCards(MethodView):
    @jwt_required()
    @blp.response(200, CardSchema(many=True))
    def get(self, member_id):
        """Every card the member has held, newest first."""
        member = load_or_404(Member, member_id)
        p = principal()
        require(member.id == p.member_id or p.manages(member.branch_id) or p.oversees(member.branch_id))
        return db.session.scalars(sa.select(Card).where(Card.member_id == member.id).order_by(Card.id.desc())).all()

    @jwt_required()
    @blp.arguments(CardIssueSchema)
    @blp.response(201, CardSchema)
    def post(self, data, member_id):
        """Issue a card (by the member's home branch)."""
        member = load_or_404(Member, member_id)
        require(principal().manages(member.branch_id))
        return operations.issue_card(member, data.get("kind"), principal().user_id)


@blp.route("/cards/<int:card_id>/reissue")
class ReissueCard(MethodView):
    @jwt_required()
    @blp.arguments(CardReasonSchema)
    @blp.response(201, CardSchema)
    def post(self, data, card_id):
        """Replace a lost card: the old one is revoked, a new one issued."""
        card = load_or_404(Card, card_id)
        require(principal().manages(card.member.branch_id))
        return operations.reissue_card(card, data["reason"], principal().user_id)


@blp.route("/cards/<int:card_id>/revoke")
class RevokeCard(MethodView):
    @jwt_required()
    @blp.arguments(CardReasonSchema)
    @blp.response(200, CardSchema)
    def post(self, data, card_id):
        card = load_or_404(Card, card_id)
        require(principal().manages(card.member.branch_id))
        return operations.revoke_card(card, data["reason"], principal().user_id)


@blp.route("/branches/<int:branch_id>/cards/sheet.pdf")
class CardSheet(MethodView):
    @jwt_required()
    @blp.response(200, content_type="application/pdf")
    def get(self, branch_id):
        """A printable A4 sheet of the branch members' active cards (for members without smartphones)."""
        branch = load_or_404(Branch, branch_id)
        require(principal().manages(branch.id))
        cards = db.session.scalars(
            sa.select(Card).join(Member).where(Member.branch_id == branch.id, Card.status == CardStatus.active)
            .order_by(Member.group_id, Member.id)
        ).all()
        if not cards:
            abort(404, message="No member of this branch has an active card yet.")
        response = make_response(card_sheet_pdf(cards, branch.name))
        response.headers["Content-Type"] = "application/pdf"
        response.headers["Content-Disposition"] = f'inline; filename="cards-branch-{branch.id}.pdf"'
        return response


@blp.route("/members/<int:member_id>/card.pdf")
class MemberCardPdf(MethodView):
    @jwt_required()
    @blp.response(200, content_type="application/pdf")
    def get(self, member_id):
        """The member's active card, printable (A4, cut out to ID-1 size), for a member without a
        smartphone (the home branch's managers, and the member themself)."""
        member = load_or_404(Member, member_id)
        p = principal()
        require(member.id == p.member_id or p.manages(member.branch_id))
        card = operations.active_card(member.id)
        if card is None:
            abort(404, message="This member has no active card; issue one first.")
        response = make_response(card_pdf(card, member.branch.name))
        response.headers["Content-Type"] = "application/pdf"
        response.headers["Content-Disposition"] = f'inline; filename="card-member-{member.id}.pdf"'
        return response


@blp.route("/me/card")
class MyCard(MethodView):
    @jwt_required()
    @blp.response(200, OwnCardSchema)
    def get(self):
        """The caller's active card, with its signed QR."""
        p = principal()
        card = operations.active_card(p.member_id) if p.member_id else None
        if card is None:
            abort(404, message="You have no active card; ask your branch secretary.")
        return card

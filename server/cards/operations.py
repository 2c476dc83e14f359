from __future__ import annotations

import datetime as dt
import secrets

import sqlalchemy as sa
from flask import current_app

from server.audit.operations import log_action
from server.auth.access import hosting_branch_ids
from server.cards.models import Card
from server.core.api import abort
from server.core.db import db
from server.core.enums import CardKind, CardStatus
from server.org.models import Member
from sync import clock


def active_card(member_id: int) -> Card | None:
    return db.session.scalar(sa.select(Card).where(Card.member_id == member_id, Card.status == CardStatus.active))


def _new_serial() -> str:
    # 10 characters of Crockford-like base32: easy to read aloud from a printed card.
    alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
    return "".join(secrets.choice(alphabet) for _ in range(10))


def _default_kind(member: Member) -> CardKind:
    return CardKind.floating if hosting_branch_ids(member.id) else CardKind.regular


def issue_card(member: Member, kind: CardKind | None, actor_id: int, *, replaces: Card | None = None) -> Card:
    if member.left_on is not None:
        abort(409, message="This member has left the branch; no card can be issued.")
    if active_card(member.id) is not None:
        abort(409, message="This member already has an active card; reissue or revoke it first.")
    validity = dt.timedelta(days=current_app.config["CARD_VALIDITY_DAYS"])
    card = Card(
        serial=_new_serial(),
        member_id=member.id,
        kind=kind or _default_kind(member),
        status=CardStatus.active,
        issued_by_id=actor_id,
        expires_on=(clock.now() + validity).date(),
        replaces_id=replaces.id if replaces else None,
    )
    db.session.add(card)
    db.session.flush()
    log_action(actor_id, "card.issued", card, branch_id=member.branch_id, member_id=member.id,
               serial=card.serial, replaces=replaces.serial if replaces else None)
    return card


def _end(card: Card, status: CardStatus, reason: str) -> None:
    if card.status != CardStatus.active:
        abort(409, message="This card is no longer active.")
    card.status = status
    card.revoked_at = clock.now()
    card.revoked_reason = reason
    # The partial unique index must see the old card inactive before the new one is inserted.
    db.session.flush()


def revoke_card(card: Card, reason: str, actor_id: int) -> Card:
    _end(card, CardStatus.revoked, reason)
    log_action(actor_id, "card.revoked", card, branch_id=card.member.branch_id, member_id=card.member_id,
               serial=card.serial, reason=reason)
    return card


def reissue_card(card: Card, reason: str, actor_id: int) -> Card:
    """Lost phone or card: the old card is revoked everywhere (it joins the revocation list)."""
    _end(card, CardStatus.replaced, reason)
    log_action(actor_id, "card.replaced", card, branch_id=card.member.branch_id, member_id=card.member_id,
               serial=card.serial, reason=reason)
    return issue_card(card.member, card.kind, actor_id, replaces=card)

from __future__ import annotations

from marshmallow import Schema, fields, validate

from server.core.enums import CardKind, CardStatus


class CardSchema(Schema):
    id = fields.Integer(dump_only=True)
    serial = fields.String(dump_only=True)
    member_id = fields.Integer(dump_only=True)
    kind = fields.Enum(CardKind, by_value=True, dump_only=True)
    status = fields.Enum(CardStatus, by_value=True, dump_only=True)
    issued_at = fields.AwareDateTime(dump_only=True)
    expires_on = fields.Date(dump_only=True)
    revoked_at = fields.AwareDateTime(dump_only=True, allow_none=True)
    revoked_reason = fields.String(dump_only=True, allow_none=True)
    replaces_id = fields.Integer(dump_only=True, allow_none=True)


class CardIssueSchema(Schema):
    # Defaults to floating when the member is floating to a host branch today.
    kind = fields.Enum(CardKind, by_value=True)


class CardReasonSchema(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=2, max=200))


class OwnCardSchema(CardSchema):
    """The holder's own card, with its signed QR text (shown full screen, verifiable offline)."""

    qr = fields.Method("signed_qr", dump_only=True)

    def signed_qr(self, card):
        from server.cards.signing import card_qr

        return card_qr(card)

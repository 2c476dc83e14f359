from __future__ import annotations

import binascii

from cryptography.hazmat.primitives.asymmetric import ec
from marshmallow import Schema, ValidationError, fields, validate

from server.notifications.models import NotificationKind
from server.notifications.push import b64url_decode
from sync.messages import Token  # a device id, as the sync protocol spells it

B64URL = validate.Regexp(r"^[A-Za-z0-9_-]+={0,2}$", error="Not base64url.")
ENDPOINT = [validate.Length(max=1000), validate.Regexp(r"^[\x21-\x7e]+$", error="Not a URL.")]


def _decoded(value: str) -> bytes:
    try:
        return b64url_decode(value.rstrip("="))
    except (binascii.Error, ValueError) as exc:
        raise ValidationError("Not base64url.") from exc


def _p256_point(value: str) -> None:
    raw = _decoded(value)
    try:
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), raw)
    except ValueError as exc:
        raise ValidationError("Not a P-256 public key (65 bytes, uncompressed).") from exc
    if len(raw) != 65:
        raise ValidationError("Not a P-256 public key (65 bytes, uncompressed).")


def _auth_secret(value: str) -> None:
    if len(_decoded(value)) != 16:
        raise ValidationError("The auth secret is 16 bytes.")


class NotificationSchema(Schema):
    id = fields.Integer(dump_only=True)
    kind = fields.Enum(NotificationKind, by_value=True, dump_only=True)
    event_id = fields.Integer(dump_only=True, allow_none=True)
    title = fields.String(dump_only=True)
    body = fields.String(dump_only=True)
    created_at = fields.AwareDateTime(dump_only=True)
    read_at = fields.AwareDateTime(dump_only=True, allow_none=True)


class NotificationQuerySchema(Schema):
    unread = fields.Boolean(metadata={"description": "true: only the unread ones; false: only the read ones"})


class NoticeReaderSchema(Schema):
    member_id = fields.Integer()
    member_name = fields.String()
    read_at = fields.AwareDateTime()


class NoticeUnreadSchema(Schema):
    member_id = fields.Integer()
    member_name = fields.String()


class NoticeReadsSchema(Schema):
    published_at = fields.AwareDateTime(allow_none=True)
    read = fields.List(fields.Nested(NoticeReaderSchema))
    unread = fields.List(fields.Nested(NoticeUnreadSchema))


class PushKeySchema(Schema):
    enabled = fields.Boolean()
    public_key = fields.String(allow_none=True, metadata={"description": "the VAPID application server key, base64url"})


class PushKeysSchema(Schema):
    p256dh = fields.String(required=True, validate=[validate.Length(max=100), B64URL, _p256_point])
    auth = fields.String(required=True, validate=[validate.Length(max=50), B64URL, _auth_secret])


class PushSubscriptionSchema(Schema):
    """A browser's PushSubscription (its toJSON()), plus the app's device id."""

    id = fields.Integer(dump_only=True)
    endpoint = fields.Url(required=True, schemes={"https"}, require_tld=False, validate=ENDPOINT)
    keys = fields.Nested(PushKeysSchema, required=True, load_only=True)
    device_id = Token(allow_none=True, load_default=None)
    created_at = fields.AwareDateTime(dump_only=True)
    updated_at = fields.AwareDateTime(dump_only=True)


class PushUnsubscribeSchema(Schema):
    endpoint = fields.String(required=True, validate=ENDPOINT)

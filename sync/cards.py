"""Member cards (党员活动证) signed with Ed25519, verifiable offline by a secretary's phone.

QR text: ``ZC1.<b64url(payload)>.<b64url(signature)>`` (base64url, no padding), where the
payload is the canonical JSON of ``{"v","kid","serial","mid","kind","hb","exp"}`` (sorted keys,
no spaces, UTF-8) and the signature is Ed25519 over exactly those payload bytes.
A phone holding the branch public keys and the revoked-serial list checks a card with no network.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import hashlib
import json
import re
from collections.abc import Mapping, Set
from dataclasses import dataclass
from typing import Any, Literal

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

CARD_VERSION = 1
QR_PREFIX = "ZC1"
CARD_KINDS = ("regular", "floating")
MAX_SAFE_INT = 2**53 - 1  # ids must survive a round trip through JavaScript numbers
MAX_SERIAL_LEN = 64
# Bounds work before any decoding; a real card is about 250 characters.
MAX_CARD_TEXT_LEN = 1024

CardReason = Literal["malformed", "unknown_key", "bad_signature", "expired", "revoked"]

_B64URL_RE = re.compile(r"[A-Za-z0-9_-]+")
_DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_KID_RE = re.compile(r"[0-9a-f]{16}")
# Plain ASCII serials keep the canonical JSON free of escapes, so any JSON library agrees on it.
_SERIAL_RE = re.compile(r"[A-Za-z0-9._-]{1,%d}" % MAX_SERIAL_LEN)
_PAYLOAD_KEYS = frozenset({"v", "kid", "serial", "mid", "kind", "hb", "exp"})


def _is_id(value: object) -> bool:
    # bool is an int subclass in Python; JSON `true` must not pass as member 1.
    return type(value) is int and 1 <= value <= MAX_SAFE_INT


@dataclass(frozen=True)
class CardClaims:
    """What a card asserts. Validated on construction, so invalid claims cannot exist."""

    serial: str
    member_id: int
    kind: Literal["regular", "floating"]
    home_branch_id: int
    expires: datetime.date  # last valid day, inclusive

    def __post_init__(self) -> None:
        if not isinstance(self.serial, str) or not _SERIAL_RE.fullmatch(self.serial):
            raise ValueError("serial must be 1..64 characters among A-Z a-z 0-9 . _ -")
        if not _is_id(self.member_id) or not _is_id(self.home_branch_id):
            raise ValueError("member_id and home_branch_id must be ints in 1..2**53-1")
        if self.kind not in CARD_KINDS:
            raise ValueError(f"kind must be one of {CARD_KINDS}")
        if type(self.expires) is not datetime.date:  # a datetime would serialise differently
            raise ValueError("expires must be a datetime.date")

    def to_payload(self, kid: str) -> dict[str, Any]:
        return {
            "v": CARD_VERSION,
            "kid": kid,
            "serial": self.serial,
            "mid": self.member_id,
            "kind": self.kind,
            "hb": self.home_branch_id,
            "exp": self.expires.isoformat(),
        }


@dataclass(frozen=True)
class CardVerdict:
    ok: bool
    # Set whenever the signature checked out, so expired/revoked verdicts still say whose card.
    claims: CardClaims | None = None
    reason: CardReason | None = None
    kid: str | None = None


def canonical_json(payload: Mapping[str, Any]) -> bytes:
    """The one byte encoding that gets signed: sorted keys, no whitespace, UTF-8."""
    return json.dumps(
        payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _b64url_decode(text: str) -> bytes | None:
    # Strict: alphabet only, and the text must be the canonical encoding of its bytes, so
    # no two strings (e.g. differing in unused trailing bits) decode to the same card.
    if not _B64URL_RE.fullmatch(text) or len(text) % 4 == 1:
        return None
    try:
        data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        return None
    return data if b64url(data) == text else None


def key_id_for(public_key_raw: bytes) -> str:
    """Key id: hex of the first 8 bytes of SHA-256 of the raw 32-byte public key."""
    return hashlib.sha256(public_key_raw).digest()[:8].hex()


def public_key_raw(private_raw: bytes) -> bytes:
    key = Ed25519PrivateKey.from_private_bytes(private_raw)
    return key.public_key().public_bytes_raw()


def generate_signing_key() -> tuple[str, bytes]:
    """A new branch card-signing key: (key id, raw 32-byte private key)."""
    private_raw = Ed25519PrivateKey.generate().private_bytes_raw()
    return key_id_for(public_key_raw(private_raw)), private_raw


def sign_card(card: CardClaims, private_raw: bytes) -> str:
    """The ``ZC1`` QR text for `card`; the kid is derived from the signing key."""
    key = Ed25519PrivateKey.from_private_bytes(private_raw)
    kid = key_id_for(key.public_key().public_bytes_raw())
    payload = canonical_json(card.to_payload(kid))
    return f"{QR_PREFIX}.{b64url(payload)}.{b64url(key.sign(payload))}"


def canonical_object(payload: bytes, keys: frozenset[str]) -> dict | None:
    """The JSON object of signed payload bytes with exactly `keys`, or None. Only the canonical
    encoding is accepted: rules out duplicate keys, NaN, odd whitespace, i.e. anything two JSON
    parsers might read differently. Cards and archive pages (sync/archive.py) share it."""
    try:
        obj = json.loads(payload.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None
    if not isinstance(obj, dict) or obj.keys() != keys:
        return None
    try:
        if canonical_json(obj) != payload:
            return None
    except ValueError:
        return None
    return obj


def _parse_payload(payload: bytes) -> tuple[str, CardClaims] | None:
    """(kid, claims) from payload bytes, or None unless they are a canonical, valid v1 payload."""
    obj = canonical_object(payload, _PAYLOAD_KEYS)
    if obj is None:
        return None
    kid, exp = obj["kid"], obj["exp"]
    if type(obj["v"]) is not int or obj["v"] != CARD_VERSION:
        return None
    if not isinstance(kid, str) or not _KID_RE.fullmatch(kid):
        return None
    if not isinstance(exp, str) or not _DATE_RE.fullmatch(exp):
        return None
    try:
        claims = CardClaims(
            serial=obj["serial"],
            member_id=obj["mid"],
            kind=obj["kind"],
            home_branch_id=obj["hb"],
            expires=datetime.date.fromisoformat(exp),
        )
    except (ValueError, TypeError):
        return None
    return kid, claims


def open_signed(text: object, prefix: str, max_len: int, parse, public_keys: Mapping[str, bytes]):
    """Open a signed QR text ``<prefix>.<b64url payload>.<b64url signature>``: (reason, kid, claims),
    reason None when the signature checks out. Never raises on any `text`.

    `parse(payload bytes)` gives (kid, claims) or None. Checks in order: malformed (framing or
    payload) → unknown_key → bad_signature. "<prefix>.<payload>" (signature stripped) still parses:
    an unsigned text is a bad signature. Cards and archive pages (sync/archive.py) share it.
    """
    if not isinstance(text, str) or len(text) > max_len:
        return "malformed", None, None
    parts = text.split(".")
    if len(parts) not in (2, 3) or parts[0] != prefix:
        return "malformed", None, None
    payload = _b64url_decode(parts[1])
    parsed = None if payload is None else parse(payload)
    if parsed is None:
        return "malformed", None, None
    kid, claims = parsed
    key_raw = public_keys.get(kid)
    if key_raw is None:
        return "unknown_key", kid, None
    signature = _b64url_decode(parts[2]) if len(parts) == 3 else None
    if signature is None or len(signature) != 64:
        return "bad_signature", kid, None
    try:
        Ed25519PublicKey.from_public_bytes(key_raw).verify(signature, payload)
    except InvalidSignature:
        return "bad_signature", kid, None
    return None, kid, claims


def verify_card(
    text: str,
    public_keys: Mapping[str, bytes],
    revoked_serials: Set[str],
    today: datetime.date,
) -> CardVerdict:
    """Verify a scanned card. Never raises on any `text`.

    Checks in order: malformed (framing or payload) → unknown_key → bad_signature (missing,
    undecodable or wrong signature) → expired (today > exp) → revoked.
    `public_keys` maps kid to raw 32-byte Ed25519 public key (a bad stored key raises: config bug).
    """
    reason, kid, claims = open_signed(text, QR_PREFIX, MAX_CARD_TEXT_LEN, _parse_payload, public_keys)
    if reason is not None:
        return CardVerdict(ok=False, reason=reason, kid=kid)
    if today > claims.expires:
        return CardVerdict(ok=False, claims=claims, reason="expired", kid=kid)
    if claims.serial in revoked_serials:
        return CardVerdict(ok=False, claims=claims, reason="revoked", kid=kid)
    return CardVerdict(ok=True, claims=claims, kid=kid)

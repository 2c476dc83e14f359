"""Signs card QR codes with the server's Ed25519 key (sync.cards does the cryptography).

The private key comes from ZHIBU_CARD_SIGNING_KEY or the instance folder. Keys rotate: after a
new key is configured, the old public keys listed in ZHIBU_CARD_PREVIOUS_PUBLIC_KEYS stay
trusted, so cards signed before the rotation keep verifying until they are reissued.
"""
from __future__ import annotations

import base64

from flask import current_app

from sync.cards import CardClaims, key_id_for, public_key_raw, sign_card


def _private_key() -> bytes:
    raw = current_app.config["CARD_SIGNING_KEY"]
    try:
        key = bytes.fromhex(raw)
    except ValueError:
        key = b""
    if len(key) != 32:
        raise RuntimeError("ZHIBU_CARD_SIGNING_KEY must be 64 hexadecimal characters (a raw Ed25519 key)")
    return key


def trusted_public_keys() -> dict[str, bytes]:
    """kid → raw public key, the current key first."""
    current = public_key_raw(_private_key())
    keys = {key_id_for(current): current}
    for item in current_app.config.get("CARD_PREVIOUS_PUBLIC_KEYS") or ():
        raw = bytes.fromhex(item)
        keys[key_id_for(raw)] = raw
    return keys


def public_keys_for_clients() -> dict[str, str]:
    return {kid: base64.b64encode(raw).decode() for kid, raw in trusted_public_keys().items()}


def card_qr(card) -> str:
    claims = CardClaims(
        serial=card.serial,
        member_id=card.member_id,
        kind=card.kind.value,
        home_branch_id=card.member.branch_id,
        expires=card.expires_on,
    )
    return sign_card(claims, _private_key())

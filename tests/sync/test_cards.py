import base64
import datetime
import hashlib
import json

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import assume, given
from hypothesis import strategies as st

from sync.cards import (
    CardClaims,
    b64url,
    canonical_json,
    generate_signing_key,
    key_id_for,
    public_key_raw,
    sign_card,
    verify_card,
)

KEY = hashlib.sha256(b"tests/sync/test_cards.py TEST ONLY key").digest()
OTHER_KEY = hashlib.sha256(b"tests/sync/test_cards.py TEST ONLY other key").digest()
PUB = public_key_raw(KEY)
KID = key_id_for(PUB)
TRUSTED = {KID: PUB}
TODAY = datetime.date(2025, 6, 1)
CLAIMS = CardClaims("ZB-2025-000001", 1042, "regular", 7, datetime.date(2026, 12, 31))
CARD = sign_card(CLAIMS, KEY)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(st.text(max_size=8), inner, max_size=8),
    max_leaves=12,
)


def verify(text: str, revoked: frozenset[str] = frozenset(), today: datetime.date = TODAY):
    return verify_card(text, TRUSTED, revoked, today)


def signed(payload: bytes, key: bytes = KEY) -> str:
    sig = Ed25519PrivateKey.from_private_bytes(key).sign(payload)
    return f"ZC1.{b64url(payload)}.{b64url(sig)}"


def decode(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def test_key_id_is_first_8_bytes_of_sha256_hex() -> None:
    # sha256(32 zero bytes) = 66687aadf862bd77 6c8f...
    assert key_id_for(bytes(32)) == "66687aadf862bd77"


def test_generate_signing_key() -> None:
    kid, private_raw = generate_signing_key()
    assert len(private_raw) == 32
    assert kid == key_id_for(public_key_raw(private_raw))
    assert generate_signing_key()[1] != private_raw


def test_canonical_payload_bytes() -> None:
    _, payload, _ = CARD.split(".")
    assert decode(payload) == (
        '{"exp":"2026-12-31","hb":7,"kid":"%s","kind":"regular","mid":1042,'
        '"serial":"ZB-2025-000001","v":1}' % KID
    ).encode()


def test_signing_is_deterministic() -> None:
    assert sign_card(CLAIMS, KEY) == CARD


def test_valid_cards_verify_with_their_claims() -> None:
    floating = CardClaims("F-1", 5, "floating", 9, datetime.date(2025, 6, 1))
    for claims in (CLAIMS, floating):
        verdict = verify(sign_card(claims, KEY))
        assert verdict.ok and verdict.reason is None
        assert (verdict.claims, verdict.kid) == (claims, KID)


def test_expiry_is_inclusive() -> None:
    assert verify(CARD, today=datetime.date(2026, 12, 31)).ok
    verdict = verify(CARD, today=datetime.date(2027, 1, 1))
    assert (verdict.ok, verdict.reason, verdict.claims) == (False, "expired", CLAIMS)


def test_revoked() -> None:
    verdict = verify(CARD, revoked=frozenset({"ZB-2025-000001"}))
    assert (verdict.ok, verdict.reason, verdict.claims) == (False, "revoked", CLAIMS)
    assert verify_card(CARD, TRUSTED, {"other"}, TODAY).ok  # a plain set works too


def test_expired_is_reported_before_revoked() -> None:
    revoked = frozenset({"ZB-2025-000001"})
    assert verify(CARD, revoked, datetime.date(2030, 1, 1)).reason == "expired"


def test_unknown_key() -> None:
    verdict = verify(sign_card(CLAIMS, OTHER_KEY))
    assert (verdict.ok, verdict.reason, verdict.claims) == (False, "unknown_key", None)


def test_signature_by_another_key_under_trusted_kid() -> None:
    payload = canonical_json(CLAIMS.to_payload(KID))
    verdict = verify(signed(payload, OTHER_KEY))
    assert (verdict.reason, verdict.claims) == ("bad_signature", None)


@pytest.mark.parametrize("suffix", ["", "."])
def test_stripped_signature_is_bad_signature(suffix: str) -> None:
    prefix, payload, _ = CARD.split(".")
    assert verify(f"{prefix}.{payload}{suffix}").reason == "bad_signature"


def test_unknown_key_is_reported_before_bad_signature() -> None:
    prefix, payload, _ = sign_card(CLAIMS, OTHER_KEY).split(".")
    assert verify(f"{prefix}.{payload}").reason == "unknown_key"


@pytest.mark.parametrize(
    "payload",
    [
        json.dumps(CLAIMS.to_payload(KID), sort_keys=True).encode(),  # spaces
        json.dumps(CLAIMS.to_payload(KID), separators=(",", ":")).encode(),  # unsorted keys
        canonical_json({**CLAIMS.to_payload(KID), "v": 2}),
        canonical_json({**CLAIMS.to_payload(KID), "v": True}),
        canonical_json({**CLAIMS.to_payload(KID), "mid": True}),
        canonical_json({**CLAIMS.to_payload(KID), "mid": 0}),
        canonical_json({**CLAIMS.to_payload(KID), "hb": 2**53}),
        canonical_json({**CLAIMS.to_payload(KID), "kind": "honorary"}),
        canonical_json({**CLAIMS.to_payload(KID), "exp": "20261231"}),
        canonical_json({**CLAIMS.to_payload(KID), "exp": "2026-02-30"}),
        canonical_json({**CLAIMS.to_payload(KID), "serial": "has space"}),
        canonical_json({**CLAIMS.to_payload(KID), "kid": KID.upper()}),
        canonical_json({**CLAIMS.to_payload(KID), "extra": 1}),
        canonical_json({k: v for k, v in CLAIMS.to_payload(KID).items() if k != "hb"}),
        canonical_json([1, 2, 3]),
        b'{"exp":"2026-12-31","exp":"2099-12-31"}',
        b"\xff\xfe",
    ],
)
def test_validly_signed_but_invalid_payload_is_malformed(payload: bytes) -> None:
    assert verify(signed(payload)).reason == "malformed"


@pytest.mark.parametrize(
    "bad",
    [
        dict(member_id=True),
        dict(member_id=0),
        dict(home_branch_id=2**53),
        dict(kind="honorary"),
        dict(serial=""),
        dict(serial="x" * 65),
        dict(serial="党员-1"),
        dict(expires=datetime.datetime(2026, 1, 1)),
    ],
)
def test_invalid_claims_cannot_be_built(bad: dict) -> None:
    fields = dict(serial="S-1", member_id=1, kind="regular", home_branch_id=1)
    fields["expires"] = datetime.date(2026, 1, 1)
    with pytest.raises(ValueError):
        CardClaims(**{**fields, **bad})


@given(st.text(max_size=2000))
def test_verify_never_raises_on_any_text(text: str) -> None:
    assert verify(text).reason in {"malformed", "unknown_key", "bad_signature"}


@given(st.text(alphabet="ZC1.-_=AaBb0123456789/+", max_size=300))
def test_verify_never_raises_near_the_format(text: str) -> None:
    assert not verify(text).ok


@given(json_values)
def test_verify_never_raises_on_signed_arbitrary_json(value: object) -> None:
    payload = json.dumps(value, sort_keys=True, separators=(",", ":")).encode("utf-8", "replace")
    assert verify(signed(payload)).reason == "malformed"


@given(st.data())
def test_any_single_character_change_fails(data: st.DataObject) -> None:
    index = data.draw(st.integers(0, len(CARD) - 1), label="index")
    char = data.draw(st.characters(), label="char")
    assume(char != CARD[index])
    assert not verify(CARD[:index] + char + CARD[index + 1 :]).ok


@given(st.data())
def test_any_single_byte_change_of_payload_or_signature_fails(data: st.DataObject) -> None:
    prefix, payload_b64, sig_b64 = CARD.split(".")
    payload, sig = decode(payload_b64), decode(sig_b64)
    in_payload = data.draw(st.booleans(), label="in_payload")
    target = payload if in_payload else sig
    index = data.draw(st.integers(0, len(target) - 1), label="index")
    flip = data.draw(st.integers(1, 255), label="xor")
    changed = target[:index] + bytes([target[index] ^ flip]) + target[index + 1 :]
    if in_payload:
        text = f"{prefix}.{b64url(changed)}.{sig_b64}"
    else:
        text = f"{prefix}.{payload_b64}.{b64url(changed)}"
    verdict = verify(text)
    assert not verdict.ok and verdict.claims is None
    if not in_payload:
        assert verdict.reason == "bad_signature"

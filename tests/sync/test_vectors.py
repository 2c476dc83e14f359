"""The shared vectors in sync/vectors/ are what the JavaScript client is tested against too."""

import datetime
import json
from pathlib import Path
from typing import Any

import pytest

import sync.vectors
from sync.cards import CardClaims, key_id_for, public_key_raw, sign_card, verify_card
from sync.eventcode import (
    code_at_step,
    event_qr_payload,
    parse_event_qr,
    time_step,
    verify_event_code,
)
from sync.vectors import generate

VECTORS = Path(sync.vectors.__file__).resolve().parent


def load(name: str) -> dict[str, Any]:
    return json.loads((VECTORS / name).read_text("utf-8"))


EVENTS = load("event_codes.json")
CARDS = load("cards.json")


def test_files_on_disk_match_the_generator() -> None:
    for name, text in generate.render().items():
        on_disk = (VECTORS / name).read_text("utf-8")
        assert on_disk == text, f"{name} is stale: run python -m sync.vectors.generate"


def test_vectors_carry_the_rfc6238_reference_values() -> None:
    # Checked against the RFC, not against our code: the JavaScript side relies on these.
    rfc = {c["unix_seconds"]: c["code"] for c in EVENTS["cases"]
           if c["secret"] == generate.RFC_SECRET and c["digits"] == 8}
    assert {t: rfc[t] for t in generate.RFC_CODES} == {
        59: "46119246",
        1111111109: "68084774",
        1111111111: "67062674",
        1234567890: "91819424",
        2000000000: "90698825",
        20000000000: "77737706",
    }
    assert {0, 59, 1111111109, 2000000000} <= {c["unix_seconds"] for c in EVENTS["cases"]}


@pytest.mark.parametrize(
    "case", EVENTS["cases"], ids=lambda c: f"{c['secret'][:6]}@{c['unix_seconds']}/{c['digits']}"
)
def test_event_code_case(case: dict[str, Any]) -> None:
    index = time_step(case["unix_seconds"], case["step"])
    assert index == case["step_index"]
    assert code_at_step(case["secret"], index, case["digits"]) == case["code"]
    if case["qr"] is None:
        assert case["digits"] != 8
        return
    qr = event_qr_payload(case["event_id"], case["secret"], case["unix_seconds"], case["step"])
    assert qr == case["qr"]
    parsed = parse_event_qr(qr)
    assert parsed is not None
    assert (parsed.event_id, parsed.step_index, parsed.code) == (
        case["event_id"], case["step_index"], case["code"]
    )


@pytest.mark.parametrize("case", EVENTS["verify_cases"], ids=lambda c: c["name"])
def test_event_verify_case(case: dict[str, Any]) -> None:
    qr = parse_event_qr(case["qr"])
    assert qr is not None
    verdict = verify_event_code(
        case["secret"],
        qr,
        case["claimed_unix"],
        step=case["step"],
        tolerance_steps=case["tolerance_steps"],
        clock_offset_seconds=case["clock_offset_seconds"],
    )
    assert (verdict.ok, verdict.reason) == (case["expected_ok"], case["expected_reason"])


def test_verify_cases_cover_every_outcome() -> None:
    reasons = {c["expected_reason"] for c in EVENTS["verify_cases"]}
    assert reasons == {None, "stale_code", "code_mismatch"}


@pytest.mark.parametrize("case", EVENTS["parse_cases"], ids=lambda c: repr(c["text"])[:40])
def test_event_parse_case(case: dict[str, Any]) -> None:
    parsed = parse_event_qr(case["text"])
    got = None if parsed is None else {
        "event_id": parsed.event_id, "step_index": parsed.step_index, "code": parsed.code
    }
    assert got == case["expected"]


def test_card_keys_are_consistent() -> None:
    private = bytes.fromhex(CARDS["test_only_private_key_hex"])
    assert public_key_raw(private).hex() == CARDS["public_key_hex"]
    assert key_id_for(bytes.fromhex(CARDS["public_key_hex"])) == CARDS["kid"]
    other = bytes.fromhex(CARDS["other_test_only_private_key_hex"])
    assert public_key_raw(other).hex() == CARDS["other_public_key_hex"]
    assert key_id_for(public_key_raw(other)) == CARDS["other_kid"]
    assert CARDS["trusted_public_keys"] == {CARDS["kid"]: CARDS["public_key_hex"]}
    assert "TEST ONLY" in CARDS["_note"]


def trusted() -> dict[str, bytes]:
    return {kid: bytes.fromhex(h) for kid, h in CARDS["trusted_public_keys"].items()}


@pytest.mark.parametrize("case", CARDS["cases"], ids=lambda c: c["name"])
def test_card_case(case: dict[str, Any]) -> None:
    today = datetime.date.fromisoformat(case["today"])
    verdict = verify_card(case["text"], trusted(), frozenset(case["revoked_serials"]), today)
    assert (verdict.ok, verdict.reason) == (case["expected_ok"], case["expected_reason"])
    got = None if verdict.claims is None else verdict.claims.to_payload(verdict.kid or "")
    assert got == case["expected_claims"]


@pytest.mark.parametrize(
    "case", [c for c in CARDS["cases"] if c["expected_ok"]], ids=lambda c: c["name"]
)
def test_valid_card_cases_are_reproduced_by_signing(case: dict[str, Any]) -> None:
    c = case["expected_claims"]
    expires = datetime.date.fromisoformat(c["exp"])
    claims = CardClaims(c["serial"], c["mid"], c["kind"], c["hb"], expires)
    assert sign_card(claims, bytes.fromhex(CARDS["test_only_private_key_hex"])) == case["text"]


def test_card_cases_cover_every_outcome() -> None:
    reasons = {c["expected_reason"] for c in CARDS["cases"]}
    assert reasons == {None, "malformed", "unknown_key", "bad_signature", "expired", "revoked"}
    kinds = {c["expected_claims"]["kind"] for c in CARDS["cases"] if c["expected_ok"]}
    assert kinds == {"regular", "floating"}

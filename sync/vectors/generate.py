"""Regenerate the shared test vectors: ``python -m sync.vectors.generate [--check]``.

Everything here is deterministic (fixed secrets and keys; Ed25519 signatures are
deterministic), so re-running gives byte-identical files. ``--check`` exits 1 if the files
on disk differ from what this script produces now.

All keys and secrets below are TEST ONLY: derived from public labels, never use them for real.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import json
import sys
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from sync.cards import (
    CardClaims,
    b64url,
    canonical_json,
    key_id_for,
    public_key_raw,
    sign_card,
    verify_card,
)
from sync.eventcode import (
    code_at_step,
    event_qr_payload,
    parse_event_qr,
    time_step,
    verify_event_code,
)

VECTORS_DIR = Path(__file__).resolve().parent


def _expect(condition: bool, what: str) -> None:
    # Not `assert`: these checks must run under `python -O` too.
    if not condition:
        raise SystemExit(f"vector generation: unexpected result for {what!r}")


def _b32(raw: bytes) -> str:
    return base64.b32encode(raw).decode("ascii").rstrip("=")


def _test_only(label: str) -> bytes:
    return hashlib.sha256(f"zhibu TEST ONLY {label}".encode()).digest()


# RFC 6238 appendix B seed for HMAC-SHA256 (32 ASCII bytes) and its published 8-digit codes.
RFC_SECRET = _b32(b"12345678901234567890123456789012")
RFC_CODES = {59: "46119246", 1111111109: "68084774", 1111111111: "67062674",
             1234567890: "91819424", 2000000000: "90698825", 20000000000: "77737706"}
SECRET_A = _b32(_test_only("event secret A"))  # 32 bytes: base32 needs 4 padding chars re-added
SECRET_B = _b32(_test_only("event secret B")[:20])  # 20 bytes: base32 with no padding at all


def _event_case(event_id: int, secret: str, t: float, step: int, digits: int) -> dict[str, Any]:
    index = time_step(t, step)
    return {
        "event_id": event_id,
        "secret": secret,
        "unix_seconds": t,
        "step": step,
        "digits": digits,
        "step_index": index,
        "code": code_at_step(secret, index, digits),
        # ZE1 fixes 8 digits, so other digit counts have no QR form.
        "qr": event_qr_payload(event_id, secret, t, step) if digits == 8 else None,
    }


def _verify_case(
    name: str, qr: str, claimed: float, tolerance: int, offset: float, want: str | None
) -> dict[str, Any]:
    """A verify case against SECRET_A; `want` is the intended reason (None: accepted)."""
    parsed = parse_event_qr(qr)
    _expect(parsed is not None, qr)
    assert parsed is not None  # for the type checker
    verdict = verify_event_code(
        SECRET_A, parsed, claimed, tolerance_steps=tolerance, clock_offset_seconds=offset
    )
    # Intent is written in the table below, so the files state it, not merely current output.
    _expect((verdict.ok, verdict.reason) == (want is None, want), name)
    return {
        "name": name,
        "secret": SECRET_A,
        "qr": qr,
        "claimed_unix": claimed,
        "step": 30,
        "tolerance_steps": tolerance,
        "clock_offset_seconds": offset,
        "expected_ok": verdict.ok,
        "expected_reason": verdict.reason,
    }


def _forge(code: str) -> str:
    return code[:-1] + str((int(code[-1]) + 1) % 10)


def event_vectors() -> dict[str, Any]:
    cases = [_event_case(1, RFC_SECRET, t, 30, 8) for t in (0, *RFC_CODES)]
    for case in cases[1:]:
        _expect(case["code"] == RFC_CODES[case["unix_seconds"]], "RFC 6238 reference value")
    cases += [_event_case(1, RFC_SECRET, t, 30, 6) for t in (59, 1111111109)]
    cases += [_event_case(42, SECRET_A, t, 30, 8) for t in
              (0, 29, 30, 59, 1700000000, 1700000000.5, 2000000000)]
    cases += [_event_case(9007199254740991, SECRET_B, t, 60, 8) for t in (0, 59, 60, 1700000000)]

    t0 = 1700000000  # step 56666666 starts at 1699999980 and ends before 1700000010
    qr_a = event_qr_payload(42, SECRET_A, t0)
    qr_b = event_qr_payload(42, SECRET_B, t0)
    head, code = qr_a.rsplit(".", 1)
    forged = f"{head}.{_forge(code)}"
    stale, mismatch = "stale_code", "code_mismatch"
    table: list[tuple[str, str, float, int, float, str | None]] = [
        # (name, qr, claimed device time, tolerance steps, clock offset, intended reason)
        ("same step", qr_a, t0, 2, 0.0, None),
        ("scanned 60 s later, within 2 steps", qr_a, t0 + 60, 2, 0.0, None),
        ("scanned 90 s later, photo replay", qr_a, t0 + 90, 2, 0.0, stale),
        ("claimed 60 s earlier, within 2 steps", qr_a, t0 - 60, 2, 0.0, None),
        ("claimed 90 s earlier", qr_a, t0 - 90, 2, 0.0, stale),
        ("a day-old photo", qr_a, t0 + 86400, 2, 0.0, stale),
        ("tolerance 0, same step", qr_a, t0 + 9, 0, 0.0, None),
        ("tolerance 0, next step", qr_a, t0 + 10, 0, 0.0, stale),
        ("device clock 1 h slow, offset corrects", qr_a, t0 - 3600, 2, 3600.0, None),
        ("device clock 1 h slow, no offset", qr_a, t0 - 3600, 2, 0.0, stale),
        ("fractional offset", qr_a, t0 - 75.5, 2, 25.25, None),
        ("forged last digit", forged, t0, 2, 0.0, mismatch),
        ("forged and stale: forgery wins", forged, t0 + 86400, 2, 0.0, mismatch),
        ("code from another event secret", qr_b, t0, 2, 0.0, mismatch),
    ]
    verify = [_verify_case(*row) for row in table]

    valid = qr_a
    parse = [
        (valid, True),
        ("ZE1.0.0.00000000", True),
        ("ZE1.9007199254740991.9007199254740991.12345678", True),
        ("ZE1.9007199254740992.1.12345678", False),  # above 2**53 - 1
        ("ZE1.1.9007199254740992.12345678", False),
        ("ZE1.042.1.12345678", False),  # leading zero: not canonical
        ("ZE1.-1.1.12345678", False),
        ("ZE1.+1.1.12345678", False),
        ("ZE1.1.1.1234567", False),  # 7 digits
        ("ZE1.1.1.123456789", False),  # 9 digits
        ("ze1.1.1.12345678", False),
        ("ZE2.1.1.12345678", False),
        ("ZE1.1.1.12345678\n", False),
        (" ZE1.1.1.12345678", False),
        ("ZE1.1.1.12345678.9", False),
        ("ZE1.1.1", False),
        ("ZE1..1.12345678", False),
        ("ZE1.\u0664\u0662.1.12345678", False),  # Arabic-Indic digits
        ("ZE1.1.1.\uff11\uff12\uff13\uff14\uff15\uff16\uff17\uff18", False),  # fullwidth digits
        ("活动签到", False),
        ("", False),
        ("ZE1." + "1" * 100 + ".1.12345678", False),
    ]
    parse_cases = []
    for text, ok in parse:
        qr = parse_event_qr(text)
        _expect((qr is not None) == ok, text)
        parse_cases.append({
            "text": text,
            "expected": None if qr is None else
            {"event_id": qr.event_id, "step_index": qr.step_index, "code": qr.code},
        })
    return {
        "_note": "Generated by `python -m sync.vectors.generate`; TEST ONLY secrets. "
        "See docs/sync-protocol.md, Codes and cards.",
        "cases": cases,
        "verify_cases": verify,
        "parse_cases": parse_cases,
    }


KEY_A = _test_only("card signing key A")
KEY_B = _test_only("card signing key B")


def _signed_raw(payload: bytes, private_raw: bytes) -> str:
    sig = Ed25519PrivateKey.from_private_bytes(private_raw).sign(payload)
    return f"ZC1.{b64url(payload)}.{b64url(sig)}"


def card_vectors() -> dict[str, Any]:
    pub_a, pub_b = public_key_raw(KEY_A), public_key_raw(KEY_B)
    kid_a, kid_b = key_id_for(pub_a), key_id_for(pub_b)
    public_keys = {kid_a: pub_a}

    regular = CardClaims("ZB-2025-000001", 1042, "regular", 7, datetime.date(2026, 12, 31))
    floating = CardClaims("ZB-2025-F00017", 2077, "floating", 12, datetime.date(2026, 6, 30))
    card_r, card_f = sign_card(regular, KEY_A), sign_card(floating, KEY_A)
    _, payload_b64, sig_b64 = card_r.split(".")
    payload_r = canonical_json(regular.to_payload(kid_a))
    altered = payload_r.replace(b'"mid":1042', b'"mid":1043')
    _expect(altered != payload_r, "payload alteration")
    sig = base64.urlsafe_b64decode(sig_b64 + "==")
    flipped_sig = b64url(sig[:10] + bytes([sig[10] ^ 0x01]) + sig[11:])
    spaced = json.dumps(regular.to_payload(kid_a), sort_keys=True).encode()  # ", " and ": "
    extra = canonical_json({**regular.to_payload(kid_a), "role": "secretary"})
    v2 = canonical_json({**regular.to_payload(kid_a), "v": 2})

    june, expiry, after = "2025-06-01", "2026-12-31", "2027-01-01"
    serial = ["ZB-2025-000001"]
    bad, malformed = "bad_signature", "malformed"
    altered_text = f"ZC1.{b64url(altered)}.{sig_b64}"
    # (name, text, today, revoked serials, intended reason or None for a valid card)
    raw_cases: list[tuple[str, str, str, list[str], str | None]] = [
        ("valid regular card", card_r, june, [], None),
        ("valid floating card", card_f, june, serial, None),
        ("valid on its expiry day", card_r, expiry, [], None),
        ("expired the day after", card_r, after, [], "expired"),
        ("revoked serial", card_r, june, serial, "revoked"),
        ("expired and revoked: expired first", card_r, after, serial, "expired"),
        ("one character of payload altered", altered_text, june, [], bad),
        ("one bit of signature flipped", f"ZC1.{payload_b64}.{flipped_sig}", june, [], bad),
        ("signature stripped", f"ZC1.{payload_b64}", june, [], bad),
        ("signature empty", f"ZC1.{payload_b64}.", june, [], bad),
        ("signed by another key under this kid", _signed_raw(payload_r, KEY_B), june, [], bad),
        ("unknown kid (another branch key)", sign_card(regular, KEY_B), june, [], "unknown_key"),
        ("non-canonical JSON, validly signed", _signed_raw(spaced, KEY_A), june, [], malformed),
        ("extra field, validly signed", _signed_raw(extra, KEY_A), june, [], malformed),
        ("version 2, validly signed", _signed_raw(v2, KEY_A), june, [], malformed),
        ("base64 padding present", f"ZC1.{payload_b64}==.{sig_b64}", june, [], malformed),
        ("wrong prefix", "ZC2" + card_r[3:], june, [], malformed),
        ("event code instead of card", "ZE1.42.56666666.12345678", june, [], malformed),
        ("garbage", "hello", june, [], malformed),
        ("empty", "", june, [], malformed),
        ("non-ASCII", "党员活动证", june, [], malformed),
        ("dots only", "ZC1..", june, [], malformed),
        ("too many segments", f"{card_r}.{sig_b64}", june, [], malformed),
        ("signature not base64url", f"ZC1.{payload_b64}.{sig_b64[:-1]}!", june, [], bad),
        ("signature truncated", f"ZC1.{payload_b64}.{sig_b64[:-4]}", june, [], bad),
    ]
    cases = []
    for name, text, today, revoked, want in raw_cases:
        v = verify_card(text, public_keys, frozenset(revoked), datetime.date.fromisoformat(today))
        _expect((v.ok, v.reason) == (want is None, want), name)
        cases.append({
            "name": name,
            "text": text,
            "today": today,
            "revoked_serials": revoked,
            "expected_ok": v.ok,
            "expected_reason": v.reason,
            "expected_claims": None if v.claims is None else v.claims.to_payload(v.kid or ""),
        })
    return {
        "_note": "TEST ONLY keys derived from public labels: never use them for real cards. "
        "Generated by `python -m sync.vectors.generate`. See docs/sync-protocol.md, Codes and cards.",
        "test_only_private_key_hex": KEY_A.hex(),
        "public_key_hex": pub_a.hex(),
        "kid": kid_a,
        "other_test_only_private_key_hex": KEY_B.hex(),
        "other_public_key_hex": pub_b.hex(),
        "other_kid": kid_b,
        "trusted_public_keys": {kid_a: pub_a.hex()},
        "canonical_payload": payload_r.decode("ascii"),
        "cases": cases,
    }


def _claim(nonce: str, *, at: int, member: int = 1, event: int = 7, method: str = "event_code",
           offset: int = 0, received: int | None = None, qr_at: int | None = None, qr: str | None = None,
           synced: int | None = None) -> dict:
    if method == "event_code" and qr is None:
        qr = event_qr_payload(event, SECRET_A, (qr_at if qr_at is not None else at + offset) / 1000)
    return {"nonce": nonce, "method": method, "event_id": event, "member_id": member, "claimed_at_ms": at,
            "received_at_ms": at + offset if received is None else received, "clock_offset_ms": offset,
            "event_qr": qr, "device_synced_ms": synced}


def merge_vectors() -> dict[str, Any]:
    """Judgement of single check-ins and resolution of several, per sync/merge.py."""
    from sync.merge import Claim, EventFacts, Policy, WrongCodeLimit, card_register_verdict, judge_checkin, resolve

    now = 1_790_000_000_000  # 07:33:20 UTC: the middle of a 30-second step (step 59,666,666 starts at :00)
    event = {"event_id": 7, "branch_id": 1, "checkin_opens_ms": now - 3_600_000,
             "checkin_closes_ms": now + 3_600_000, "code_secret": SECRET_A, "cancelled": False}
    policy = {"step_seconds": 30, "exact_steps": 1, "tolerance_steps": 2, "late_delivery_seconds": 21_600,
              "clock_skew_seconds": 300, "wrong_codes_per_member": 5, "wrong_codes_per_device": 10,
              "wrong_codes_per_event": 100}
    other_secret = _b32(_test_only("event secret B"))
    judge_cases = [
        ("fresh code", _claim("j01", at=now), True, None),
        ("code for another event id", _claim("j02", at=now, qr=event_qr_payload(8, SECRET_A, now / 1000)), True, None),
        ("forged code", _claim("j03", at=now, qr=event_qr_payload(7, other_secret, now / 1000)), True, None),
        ("photo of a code 5 minutes old", _claim("j04", at=now, qr_at=now - 300_000), True, None),
        ("code 2 steps old is accepted with a flag", _claim("j05", at=now, qr_at=now - 60_000), True, None),
        ("garbage text", _claim("j06", at=now, qr="hello"), True, None),
        ("before the window", _claim("j07", at=now - 2 * 3_600_000), True, None),
        ("member not expected", _claim("j08", at=now), False, None),
        ("slow phone corrected by offset", _claim("j09", at=now - 600_000, offset=600_000), True, None),
        ("slow phone without offset", _claim("j10", at=now - 600_000, qr_at=now), True, None),
        ("late delivery", _claim("j11", at=now - 3_000_000, received=now - 3_000_000 + 25_000_000), True,
         {**event, "checkin_closes_ms": now + 30_000_000}),
        ("claimed in the future", _claim("j12", at=now + 400_000, received=now), True, None),
        ("manual entry skips the code", _claim("j13", at=now, method="manual"), True, None),
        ("cancelled event", _claim("j14", at=now), True, {**event, "cancelled": True}),
        ("unknown event", _claim("j15", at=now), True, "none"),
        ("code 1 step old is accepted unflagged", _claim("j16", at=now, qr_at=now - 30_000), True, None),
        ("code 1 step ahead is accepted unflagged", _claim("j17", at=now, qr_at=now + 30_000), True, None),
        ("code 3 steps old is stale", _claim("j18", at=now, qr_at=now - 90_000), True, None),
        ("phone clock 40 s off: the timing is flagged", _claim("j19", at=now - 40_000, offset=40_000), True, None),
        ("scan claimed before the phone's last empty sync", _claim("j20", at=now - 600_000, qr_at=now - 600_000,
                                                                    received=now, synced=now - 300_000), True, None),
        ("scan after the phone's last empty sync", _claim("j21", at=now - 600_000, qr_at=now - 600_000,
                                                          received=now, synced=now - 900_000), True, None),
    ]
    judges = []
    for name, claim, may_attend, event_override in judge_cases:
        facts = None if event_override == "none" else (event_override or event)
        verdict = judge_checkin(Claim(**claim), EventFacts(**facts) if facts else None,
                                may_attend=may_attend, policy=Policy(**policy))
        judges.append({"name": name, "claim": claim, "event": facts, "may_attend": may_attend,
                       "expected": {"accepted": verdict.accepted, "code": verdict.code, "flags": list(verdict.flags)}})
    _expect([j["expected"]["code"] for j in judges] == [
        None, "wrong_event", "forged_code", "stale_code", None, "malformed", "outside_window", "not_expected",
        None, "stale_code", None, None, None, "event_cancelled", "unknown_event", None, None, "stale_code", None,
        None, None], "merge judgements")
    flags_by_name = {j["name"]: j["expected"]["flags"] for j in judges}
    _expect([flags_by_name[n] for n in (
        "code 2 steps old is accepted with a flag", "code 1 step old is accepted unflagged",
        "code 1 step ahead is accepted unflagged", "phone clock 40 s off: the timing is flagged",
        "scan claimed before the phone's last empty sync", "scan after the phone's last empty sync",
        "slow phone corrected by offset")] == [
        ["code_timing"], [], [], ["code_timing"], ["backdated"], [], ["device_clock_off", "code_timing"]],
        "timing flags")

    # A genuine card's entry in the register at delivery: (status, revoked at, corrected scan time).
    card_cases = [
        ("active card", "active", None, now),
        ("revoked before the scan", "revoked", now - 60_000, now),
        ("replaced after the scan (offline, synced late)", "replaced", now + 60_000, now),
        ("revoked, time unknown", "revoked", None, now),
    ]
    cards = []
    for name, status, revoked_at, corrected in card_cases:
        code, flag = card_register_verdict(status, revoked_at, corrected)
        cards.append({"name": name, "status": status, "revoked_at_ms": revoked_at, "corrected_at_ms": corrected,
                      "expected": {"code": code, "flag": flag}})
    _expect([(c["expected"]["code"], c["expected"]["flag"]) for c in cards] == [
        (None, None), ("card_revoked", None), (None, "card_revoked_since"), ("card_revoked", None)], "card register")

    # The guessing limits over a sequence of event-code claims for event 7: each step is
    # (user, device, whether the code is genuine) and the expected outcome.
    limit_steps = [[1, "phone-a", False]] * 5 + [[1, "phone-a", True], [2, "phone-a", False]] * 1
    limit_steps += [[2, "phone-a", False]] * 4 + [[3, "phone-a", True], [3, "phone-b", True]]
    limiter = WrongCodeLimit(Policy(**policy))
    limits = []
    for user, device, genuine in limit_steps:
        if limiter.refused(user, device, 7):
            outcome = "too_many_wrong_codes"
        elif genuine:
            outcome = "accepted"
        else:
            outcome = "forged_code"
            limiter.count_wrong(user, device, 7)
        limits.append({"user": user, "device": device, "genuine": genuine, "expected": outcome})
    _expect([s["expected"] for s in limits] == ["forged_code"] * 5 + ["too_many_wrong_codes", "forged_code"]
            + ["forged_code"] * 4 + ["too_many_wrong_codes", "accepted"], "guessing limits")

    resolve_cases = [
        ("earliest claim wins", [_claim("r-b", at=now), _claim("r-a", at=now - 1000)], [], {"r-a": "applied", "r-b": "duplicate"}),
        ("ties broken by nonce", [_claim("r-d", at=now), _claim("r-c", at=now)], [], {"r-c": "applied", "r-d": "duplicate"}),
        ("existing record makes duplicates", [_claim("r-e", at=now)], [[1, 7]], {"r-e": "duplicate"}),
        ("pairs are independent", [_claim("r-f", at=now, member=1), _claim("r-g", at=now, member=2)], [],
         {"r-f": "applied", "r-g": "applied"}),
        ("offset decides the order", [_claim("r-h", at=now - 5000, offset=10_000), _claim("r-i", at=now)], [],
         {"r-h": "duplicate", "r-i": "applied"}),
    ]
    resolves = []
    for name, claims, existing, expected in resolve_cases:
        got = resolve([Claim(**c) for c in claims], {tuple(p) for p in existing})
        _expect(got == expected, name)
        resolves.append({"name": name, "claims": claims, "existing_pairs": existing, "expected": expected})
    return {
        "_note": "Generated by `python -m sync.vectors.generate`; TEST ONLY secrets. "
                 "See docs/sync-protocol.md, Merge rules.",
        "policy": policy,
        "judge_cases": judges,
        "resolve_cases": resolves,
        "card_register_cases": cards,
        "limit_cases": {"event_id": 7, "steps": limits},
    }


def archive_vectors() -> dict[str, Any]:
    """Archive page QRs (sync/archive.py), checked by the PWA's verifier (pwa/src/sync/archive.js)."""
    from sync.archive import ArchivePage, ArchiveRow, lines_digest, sign_archive_page, verify_archive_page

    pub_a = public_key_raw(KEY_A)
    kid_a = key_id_for(pub_a)
    public_keys = {kid_a: pub_a}
    rows = (ArchiveRow(datetime.date(2026, 3, 4), "AD", "主题党日：学习新党章", "c"),
            ArchiveRow(datetime.date(2026, 5, 6), "ST", "网上学习", "a"),
            ArchiveRow(datetime.date(2026, 6, 1), "DU", "交纳党费 2026…", "p"))
    page = ArchivePage(1042, "李明", "红旗村党支部", datetime.date(2026, 12, 2), 2026, 2, 5, rows,
                       lines_digest(["李明 党员手册（党员记实档案）\t红旗村党支部", "组织生活"]))
    cover = ArchivePage(1042, "李明", "红旗村党支部", datetime.date(2026, 12, 2), None, 1, 5, (),
                        lines_digest(["cover"]))
    good, whole = sign_archive_page(page, KEY_A), sign_archive_page(cover, KEY_A)
    _, payload_b64, sig_b64 = good.split(".")
    payload = canonical_json(page.to_payload(kid_a))
    altered = payload.replace('"c"]'.encode(), '"p"]'.encode(), 1)
    _expect(altered != payload, "archive payload alteration")
    sig = base64.urlsafe_b64decode(sig_b64 + "==")
    flipped = b64url(sig[:5] + bytes([sig[5] ^ 0x01]) + sig[6:])
    spaced = json.dumps(page.to_payload(kid_a), sort_keys=True, ensure_ascii=False).encode()
    extra = canonical_json({**page.to_payload(kid_a), "x": 1})
    bad_day = canonical_json({**page.to_payload(kid_a), "r": [["20260230", "AD", "x", "c"]]})
    page_past = canonical_json({**page.to_payload(kid_a), "p": 6})

    def signed(raw: bytes, key: bytes = KEY_A) -> str:
        return f"ZA1.{b64url(raw)}.{b64url(Ed25519PrivateKey.from_private_bytes(key).sign(raw))}"

    bad, malformed = "bad_signature", "malformed"
    raw_cases: list[tuple[str, str, str | None]] = [
        ("valid page", good, None),
        ("valid cover of the whole archive", whole, None),
        ("a record's state altered", f"ZA1.{b64url(altered)}.{sig_b64}", bad),
        ("one bit of signature flipped", f"ZA1.{payload_b64}.{flipped}", bad),
        ("signature stripped", f"ZA1.{payload_b64}", bad),
        ("signed by another key under this kid", signed(payload, KEY_B), bad),
        ("unknown kid", sign_archive_page(page, KEY_B), "unknown_key"),
        ("non-canonical JSON, validly signed", signed(spaced), malformed),
        ("extra field, validly signed", signed(extra), malformed),
        ("impossible record day, validly signed", signed(bad_day), malformed),
        ("page beyond the page count, validly signed", signed(page_past), malformed),
        ("a card instead of a page", "ZC1." + payload_b64 + "." + sig_b64, malformed),
        ("garbage", "党员手册", malformed),
        ("empty", "", malformed),
    ]
    cases = []
    for name, text, want in raw_cases:
        v = verify_archive_page(text, public_keys)
        _expect((v.ok, v.reason) == (want is None, want), name)
        cases.append({"name": name, "text": text, "expected_ok": v.ok, "expected_reason": v.reason,
                      "expected_payload": None if v.page is None else v.page.to_payload(v.kid or "")})
    return {
        "_note": "TEST ONLY keys (those of cards.json): never use them for real. "
        "Generated by `python -m sync.vectors.generate`. See sync/archive.py.",
        "trusted_public_keys": {kid_a: pub_a.hex()},
        "cases": cases,
    }


def render() -> dict[str, str]:
    """File name -> exact file text."""
    def dump(obj: Any) -> str:
        return json.dumps(obj, indent=2, ensure_ascii=False) + "\n"

    return {"event_codes.json": dump(event_vectors()), "cards.json": dump(card_vectors()),
            "merge.json": dump(merge_vectors()), "archive.json": dump(archive_vectors())}


def main(argv: list[str]) -> int:
    files = render()
    if "--check" in argv:
        stale = [n for n, t in files.items() if (VECTORS_DIR / n).read_text("utf-8") != t]
        for name in stale:
            print(f"stale: sync/vectors/{name}", file=sys.stderr)
        return 1 if stale else 0
    for name, text in files.items():
        (VECTORS_DIR / name).write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

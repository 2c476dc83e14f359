"""sync/archive.py: a printed archive page's QR, signed and verified with no network."""
from __future__ import annotations

import datetime

import pytest
import qrcode

from sync.archive import (
    MAX_QR_TEXT_LEN,
    ArchivePage,
    ArchiveRow,
    clean,
    lines_digest,
    qr_text_length,
    sign_archive_page,
    verify_archive_page,
)
from sync.cards import b64url, canonical_json, key_id_for, public_key_raw

KEY = bytes(range(32))  # TEST ONLY
OTHER = bytes(range(1, 33))  # TEST ONLY
KEYS = {key_id_for(public_key_raw(KEY)): public_key_raw(KEY)}
D = datetime.date


def page(**kw) -> ArchivePage:
    rows = (ArchiveRow(D(2026, 3, 4), "AD", "主题党日：学习新党章", "c"),
            ArchiveRow(D(2026, 5, 6), "ST", "网上学习", "a"))
    base = dict(member_id=1042, name="李明", branch="红旗村党支部", printed_on=D(2026, 12, 2), year=2026,
                page=2, pages=5, rows=rows, digest=lines_digest(["第一行", "第二行"]))
    return ArchivePage(**{**base, **kw})


def test_a_signed_page_verifies_and_says_what_it_carries():
    text = sign_archive_page(page(), KEY)
    verdict = verify_archive_page(text, KEYS)
    assert verdict.ok and verdict.reason is None
    assert verdict.page == page()
    assert [r.title for r in verdict.page.rows] == ["主题党日：学习新党章", "网上学习"]


def test_the_whole_archive_has_no_year():
    verdict = verify_archive_page(sign_archive_page(page(year=None), KEY), KEYS)
    assert verdict.ok and verdict.page.year is None


def _resign(payload: dict, key=KEY) -> str:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    raw = canonical_json(payload)
    return f"ZA1.{b64url(raw)}.{b64url(Ed25519PrivateKey.from_private_bytes(key).sign(raw))}"


def test_any_change_to_the_page_breaks_the_signature():
    text = sign_archive_page(page(), KEY)
    prefix, payload, sig = text.split(".")
    import base64
    raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    for old, new in ((b'"c"]', b'"p"]'), ("学习新党章".encode(), "学习旧党章".encode()), (b'"p":2', b'"p":3'),
                     (b'"mid":1042', b'"mid":1043')):
        altered = raw.replace(old, new, 1)
        assert altered != raw
        assert verify_archive_page(f"{prefix}.{b64url(altered)}.{sig}", KEYS).reason == "bad_signature"
    assert verify_archive_page(f"{prefix}.{payload}", KEYS).reason == "bad_signature"


def test_unknown_key_and_malformed_texts():
    assert verify_archive_page(sign_archive_page(page(), OTHER), KEYS).reason == "unknown_key"
    kid = next(iter(KEYS))
    good = page().to_payload(kid)
    for bad in ({**good, "v": 2}, {**good, "extra": 1}, {**good, "r": [["2026-03-04", "AD", "x", "c"]]},
                {**good, "r": [["20260230", "AD", "x", "c"]]}, {**good, "r": [["20260304", "ad", "x", "c"]]},
                {**good, "r": [["20260304", "AD", "x", "z"]]}, {**good, "p": 6}, {**good, "mid": True},
                {**good, "h": "short"}, {**good, "nm": ""}):
        assert verify_archive_page(_resign(bad), KEYS).reason == "malformed", bad
    for text in ("", "ZA1", "ZC1.abc.def", "ZA1..", "党员手册", "ZA1." + "A" * 3000, None, 42):
        assert verify_archive_page(text, KEYS).reason == "malformed"


def test_claims_are_validated_on_construction():
    with pytest.raises(ValueError):
        page(page=6)
    with pytest.raises(ValueError):
        ArchiveRow(D(2026, 1, 1), "AD", "一个很长很长很长的标题超过十个字", "c")
    with pytest.raises(ValueError):
        ArchiveRow(D(2026, 1, 1), "AD", "行\n换", "c")


def test_clean_makes_titles_safe_and_short():
    assert clean("  学习\n\t新党章\u200b  ") == "学习 新党章"
    assert clean("一二三四五六七八九十十一", 10) == "一二三四五六七八九…"
    assert len(lines_digest(["a"])) == 43 and lines_digest(["a", "b"]) != lines_digest(["a\nb", ""])


def test_a_full_page_fits_a_qr_of_version_25_at_most():
    rows = tuple(ArchiveRow(D(2026, 1, i + 1), "GA", "党员大会：学习贯彻…", "c") for i in range(8))
    full = page(rows=rows, name="欧阳某某某", branch="县财政局机关第一党支部委员会", page=99, pages=99)
    text = sign_archive_page(full, KEY)
    assert len(text) == qr_text_length(full) <= MAX_QR_TEXT_LEN
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=0)
    code.add_data(text)
    code.make(fit=True)
    assert code.version <= 25


def test_the_shared_vectors_hold_for_the_python_verifier():
    import json
    from pathlib import Path

    import sync.vectors

    vectors = json.loads((Path(sync.vectors.__file__).parent / "archive.json").read_text("utf-8"))
    keys = {kid: bytes.fromhex(raw) for kid, raw in vectors["trusted_public_keys"].items()}
    assert {c["expected_reason"] for c in vectors["cases"]} == {None, "bad_signature", "unknown_key", "malformed"}
    for case in vectors["cases"]:
        verdict = verify_archive_page(case["text"], keys)
        assert (verdict.ok, verdict.reason) == (case["expected_ok"], case["expected_reason"]), case["name"]
        if verdict.ok:
            assert verdict.page.to_payload(verdict.kid) == case["expected_payload"]

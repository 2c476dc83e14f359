import base64
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sync import eventcode
from sync.eventcode import (
    EventQr,
    code_at_step,
    event_qr_payload,
    new_event_secret,
    parse_event_qr,
    time_step,
    verify_event_code,
)

RFC_SECRET = base64.b32encode(b"12345678901234567890123456789012").decode().rstrip("=")
# RFC 6238 appendix B, HMAC-SHA256 column, 8 digits.
RFC_CODES = {
    59: "46119246",
    1111111109: "68084774",
    1111111111: "67062674",
    1234567890: "91819424",
    2000000000: "90698825",
    20000000000: "77737706",
}

secrets_b32 = st.binary(min_size=1, max_size=64).map(
    lambda raw: base64.b32encode(raw).decode().rstrip("=")
)
step_indexes = st.integers(min_value=0, max_value=eventcode.MAX_SAFE_INT)


@pytest.mark.parametrize(("unix", "code"), sorted(RFC_CODES.items()))
def test_rfc6238_sha256_reference_values(unix: int, code: str) -> None:
    assert code_at_step(RFC_SECRET, time_step(unix)) == code


def test_shorter_codes_are_the_low_digits_zero_padded() -> None:
    # 68084774 mod 10**6 = 084774: the leading zero must survive.
    assert code_at_step(RFC_SECRET, time_step(1111111109), digits=6) == "084774"


def test_time_step_floors() -> None:
    assert [time_step(t) for t in (0, 29.999, 30, 59, 60)] == [0, 0, 1, 1, 2]
    assert time_step(119, step=60) == 1
    assert time_step(-1) == -1
    with pytest.raises(ValueError):
        time_step(10, step=0)


def test_code_at_step_rejects_bad_inputs() -> None:
    with pytest.raises(ValueError):
        code_at_step(RFC_SECRET, -1)
    with pytest.raises(ValueError):
        code_at_step(RFC_SECRET, 2**64)
    with pytest.raises(ValueError):
        code_at_step("not base32!", 1)
    with pytest.raises(ValueError):
        code_at_step("", 1)


def test_new_event_secret_is_32_random_bytes_unpadded_base32() -> None:
    a, b = new_event_secret(), new_event_secret()
    assert a != b
    assert "=" not in a and len(a) == 52
    assert len(base64.b32decode(a + "====")) == 32
    code_at_step(a, 0)  # usable as a secret


def test_qr_payload_format_and_round_trip() -> None:
    text = event_qr_payload(42, RFC_SECRET, 1111111109)
    assert text == "ZE1.42.37037036.68084774"
    assert parse_event_qr(text) == EventQr(event_id=42, step_index=37037036, code="68084774")


@pytest.mark.parametrize(
    "text",
    [
        "",
        "ZE1",
        "ZE1.1.1",
        "ZE1.1.1.1234567",
        "ZE1.1.1.123456789",
        "ZE1.01.1.12345678",
        "ZE1.1.-1.12345678",
        "ze1.1.1.12345678",
        "ZE1.1.1.12345678\n",
        "ZE1.1.1.1234567\u0668",  # Arabic-Indic eight is a \d digit but not ASCII
        "ZE1.9007199254740992.1.12345678",
        "ZE1." + "9" * 10_000 + ".1.12345678",
    ],
)
def test_parse_rejects_malformed(text: str) -> None:
    assert parse_event_qr(text) is None


@pytest.mark.parametrize("value", [None, b"ZE1.1.1.12345678", 12345678, ["ZE1.1.1.12345678"]])
def test_parse_rejects_non_strings(value: object) -> None:
    assert parse_event_qr(value) is None


@given(st.text())
def test_parse_never_raises_on_text(text: str) -> None:
    result = parse_event_qr(text)
    assert result is None or event_qr_text(result) == text


@given(st.text(alphabet="ZE1.0123456789-+ \n", max_size=60))
def test_parse_never_raises_near_the_format(text: str) -> None:
    result = parse_event_qr(text)
    assert result is None or event_qr_text(result) == text


def event_qr_text(qr: EventQr) -> str:
    return f"ZE1.{qr.event_id}.{qr.step_index}.{qr.code}"


@given(secrets_b32, step_indexes, st.integers(min_value=-5, max_value=5), st.floats(0, 29.999))
def test_code_verifies_only_at_its_own_step_with_zero_tolerance(
    secret: str, index: int, shift: int, within: float
) -> None:
    qr = EventQr(event_id=1, step_index=index, code=code_at_step(secret, index))
    claimed = (index + shift) * 30 + within
    verdict = verify_event_code(secret, qr, claimed, tolerance_steps=0)
    if time_step(claimed) == index:
        assert verdict.ok and verdict.reason is None
    else:
        assert not verdict.ok and verdict.reason == "stale_code"


@given(secrets_b32, step_indexes, st.integers(min_value=1, max_value=1000))
def test_code_claimed_for_another_step_is_a_mismatch(secret: str, index: int, delta: int) -> None:
    other = index + delta
    code = code_at_step(secret, index)
    qr = EventQr(event_id=1, step_index=other, code=code)
    verdict = verify_event_code(secret, qr, other * 30, tolerance_steps=0)
    # Two steps share a code with probability 1e-8; then the code is genuine for `other`.
    assert verdict.ok == (code_at_step(secret, other) == code)
    if not verdict.ok:
        assert verdict.reason == "code_mismatch"


def test_tolerance_is_symmetric_and_counted_in_steps() -> None:
    t0 = 1_700_000_000
    qr = parse_event_qr(event_qr_payload(7, RFC_SECRET, t0))
    assert qr is not None
    base = time_step(t0) * 30
    for claimed, ok in [(base + 89, True), (base + 90, False), (base - 60, True), (base - 61, False)]:
        verdict = verify_event_code(RFC_SECRET, qr, claimed, tolerance_steps=2)
        assert verdict.ok is ok, claimed
        assert verdict.reason == (None if ok else "stale_code")


def test_clock_offset_corrects_device_time() -> None:
    t0 = 1_700_000_000
    qr = parse_event_qr(event_qr_payload(7, RFC_SECRET, t0))
    assert qr is not None
    slow_device = t0 - 3600  # device clock one hour behind the server
    assert verify_event_code(RFC_SECRET, qr, slow_device).reason == "stale_code"
    assert verify_event_code(RFC_SECRET, qr, slow_device, clock_offset_seconds=3600.0).ok


def test_forgery_is_reported_before_staleness() -> None:
    qr = EventQr(event_id=1, step_index=time_step(59), code="46119247")  # RFC code + 1
    assert verify_event_code(RFC_SECRET, qr, 59).reason == "code_mismatch"
    assert verify_event_code(RFC_SECRET, qr, 10**9).reason == "code_mismatch"


@pytest.mark.parametrize("code", ["4611924", "461192460", "4611924a", "", "４６１１９２４６"])
def test_hand_built_qr_with_malformed_code_is_a_mismatch(code: str) -> None:
    qr = EventQr(event_id=1, step_index=1, code=code)
    assert verify_event_code(RFC_SECRET, qr, 59).reason == "code_mismatch"


@pytest.mark.parametrize("claimed", [math.nan, math.inf, -math.inf])
def test_non_finite_claimed_time_is_stale(claimed: float) -> None:
    qr = EventQr(event_id=1, step_index=1, code=RFC_CODES[59])
    assert verify_event_code(RFC_SECRET, qr, claimed).reason == "stale_code"


def test_negative_tolerance_is_rejected() -> None:
    qr = EventQr(event_id=1, step_index=1, code=RFC_CODES[59])
    with pytest.raises(ValueError):
        verify_event_code(RFC_SECRET, qr, 59, tolerance_steps=-1)


def test_verify_compares_in_constant_time(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[str, str]] = []
    real = eventcode.hmac.compare_digest

    def spy(a: str, b: str) -> bool:
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(eventcode.hmac, "compare_digest", spy)
    qr = EventQr(event_id=1, step_index=1, code=RFC_CODES[59])
    assert verify_event_code(RFC_SECRET, qr, 59).ok
    assert calls == [(RFC_CODES[59], RFC_CODES[59])]

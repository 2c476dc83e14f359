"""Rotating event codes: TOTP (RFC 6238) with HMAC-SHA256 and RFC 4226 dynamic truncation.

A secretary's phone holds the event secret and shows, every `step` seconds, a QR code

    ZE1.<event_id>.<step_index>.<code>

e.g. ``ZE1.42.37037036.68084774``: ``ZE1`` is the format tag (version 1), ``event_id`` and
``step_index`` are canonical decimals (no sign, no leading zeros, at most 2**53 - 1 so that
JavaScript numbers hold them exactly) and ``code`` is exactly 8 ASCII digits. A member's phone
stores the scanned text together with the device time of the scan; the server checks it with
`verify_event_code`. Members never hold the secret, so they cannot mint codes, and since the
step index is inside the QR, a photo of an old code is detected as stale rather than as forged.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hmac
import math
import re
import secrets
from dataclasses import dataclass
from typing import Literal

DEFAULT_STEP = 30
DEFAULT_DIGITS = 8
QR_PREFIX = "ZE1"
# Largest integer JavaScript's Number represents exactly; ids and step indexes stay below it.
MAX_SAFE_INT = 2**53 - 1

# Canonical decimal: "0" or no leading zero; [0-9] rather than \d, which matches non-ASCII digits.
_DEC = r"(?:0|[1-9][0-9]{0,15})"
_QR_RE = re.compile(rf"ZE1\.({_DEC})\.({_DEC})\.([0-9]{{{DEFAULT_DIGITS}}})")
_QR_MAX_LEN = 64  # cheap bound before the regex runs; a real ZE1 string is under 45 chars
_CODE_RE = re.compile(rf"[0-9]{{{DEFAULT_DIGITS}}}")

EventCodeReason = Literal["code_mismatch", "stale_code"]


@dataclass(frozen=True)
class EventQr:
    """A parsed ``ZE1`` string; the code is not checked yet."""

    event_id: int
    step_index: int
    code: str


@dataclass(frozen=True)
class EventCodeVerdict:
    ok: bool
    reason: EventCodeReason | None = None
    # For a genuine code: its step minus the step of the corrected scan time (0 = seen during the
    # step it was shown in; +1 = scanned a step early, -1 = a step late). None when forged.
    drift: int | None = None


def new_event_secret() -> str:
    """A fresh 256-bit event secret, base32 (RFC 4648) without padding."""
    return base64.b32encode(secrets.token_bytes(32)).decode("ascii").rstrip("=")


@functools.lru_cache(maxsize=1024)
def _secret_bytes(secret_b32: str) -> bytes:
    # Secrets are ours (server-made), so a bad one is a bug: raise rather than return a verdict.
    # Remembered: a batch of 500 scans of one event decoded the same secret 500 times.
    if not secret_b32 or not secret_b32.isascii():
        raise ValueError("event secret must be non-empty base32")
    try:
        return base64.b32decode(secret_b32 + "=" * (-len(secret_b32) % 8))
    except binascii.Error as exc:
        raise ValueError("event secret is not valid unpadded base32") from exc


def time_step(unix_seconds: float, step: int = DEFAULT_STEP) -> int:
    """Index of the `step`-second window holding `unix_seconds`: floor(t / step).

    Computed as a float division then floor, exactly like JavaScript's ``Math.floor(t / step)``.
    """
    if step <= 0:
        raise ValueError("step must be positive")
    return math.floor(unix_seconds / step)


def code_at_step(secret_b32: str, step_index: int, digits: int = DEFAULT_DIGITS) -> str:
    """HOTP value (RFC 4226, HMAC-SHA256) for counter `step_index`, zero-padded to `digits`."""
    if not 0 <= step_index < 2**64:
        raise ValueError("step_index must fit an unsigned 64-bit counter")
    if not 1 <= digits <= 9:  # 31-bit truncation cannot fill more than 9 digits uniformly
        raise ValueError("digits must be between 1 and 9")
    return _code(secret_b32, step_index, digits)


# Remembered: a township's members scan the same code within a step, each scan checked against it.
@functools.lru_cache(maxsize=4096)
def _code(secret_b32: str, step_index: int, digits: int) -> str:
    counter = step_index.to_bytes(8, "big")
    mac = hmac.digest(_secret_bytes(secret_b32), counter, "sha256")  # the one-shot C path
    offset = mac[-1] & 0x0F  # dynamic truncation: low nibble of the last byte picks 4 bytes
    value = int.from_bytes(mac[offset : offset + 4], "big") & 0x7FFFFFFF
    return str(value % 10**digits).zfill(digits)


def event_qr_payload(
    event_id: int, secret_b32: str, unix_seconds: float, step: int = DEFAULT_STEP
) -> str:
    """The ``ZE1.<event_id>.<step_index>.<code>`` text shown at `unix_seconds`."""
    if not 0 <= event_id <= MAX_SAFE_INT:
        raise ValueError("event_id out of range")
    index = time_step(unix_seconds, step)
    if not 0 <= index <= MAX_SAFE_INT:
        raise ValueError("time out of range")
    return f"{QR_PREFIX}.{event_id}.{index}.{code_at_step(secret_b32, index)}"


def parse_event_qr(text: object) -> EventQr | None:
    """Parse a scanned ``ZE1`` string; None for anything malformed. Never raises."""
    if not isinstance(text, str) or len(text) > _QR_MAX_LEN:
        return None
    return _parsed_event_qr(text)


# Remembered: the server reads each scan's text twice (its event, then its code), and a crowd
# scans the same code within a step. EventQr is immutable, so one may be shared.
@functools.lru_cache(maxsize=4096)
def _parsed_event_qr(text: str) -> EventQr | None:
    match = _QR_RE.fullmatch(text)  # fullmatch: no trailing newline slips through as with `$`
    if match is None:
        return None
    event_id, step_index = int(match[1]), int(match[2])
    if event_id > MAX_SAFE_INT or step_index > MAX_SAFE_INT:
        return None
    return EventQr(event_id=event_id, step_index=step_index, code=match[3])


def verify_event_code(
    secret_b32: str,
    qr: EventQr,
    claimed_unix: float,
    *,
    step: int = DEFAULT_STEP,
    tolerance_steps: int = 2,
    clock_offset_seconds: float = 0.0,
) -> EventCodeVerdict:
    """Check a scanned event code against the event secret and the time of the scan.

    `claimed_unix` is the device's clock at scan time; `clock_offset_seconds` is
    server_time - device_time measured when the device synced, so the scan is placed at
    ``claimed_unix + clock_offset_seconds`` on the server's clock.

    - ``code_mismatch``: the code is not the one for its stated step (forged or mistyped).
      Checked first, so a made-up code is never reported as merely stale.
    - ``stale_code``: the code is genuine, but its step is more than `tolerance_steps` away
      (either direction) from the corrected scan time: a replayed photo, or a bogus claimed
      time (a non-finite corrected time also lands here).

    Whether the code belongs to the right event is the caller's job: compare ``qr.event_id``
    with the event being checked in to before calling, and pass that event's secret.
    """
    if tolerance_steps < 0:
        raise ValueError("tolerance_steps must be >= 0")
    # A hand-built EventQr may not have come through parse_event_qr: re-check its shape.
    well_formed = (
        _CODE_RE.fullmatch(qr.code) is not None
        and 0 <= qr.step_index <= MAX_SAFE_INT
    )
    if not well_formed or not hmac.compare_digest(
        code_at_step(secret_b32, qr.step_index), qr.code
    ):
        return EventCodeVerdict(ok=False, reason="code_mismatch")
    corrected = claimed_unix + clock_offset_seconds
    if not math.isfinite(corrected):
        return EventCodeVerdict(ok=False, reason="stale_code")
    drift = qr.step_index - time_step(corrected, step)
    if abs(drift) > tolerance_steps:
        return EventCodeVerdict(ok=False, reason="stale_code", drift=drift)
    return EventCodeVerdict(ok=True, drift=drift)

"""The merge rules of check-in: pure functions the server applies and tests replay.

Scans are a log; attendance is derived. Each check-in claim is first judged on its own
(`judge_checkin`: is the code genuine and fresh, the card valid, the time inside the event's
window, the member expected?), then the accepted claims are resolved against the records that
exist (`resolve`): for each (member, event) the earliest claim makes the record, every other
claim is a duplicate linked to it. "Earliest" is by the corrected claimed time, ties broken by
nonce, so the outcome does not depend on the order devices deliver their scans.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Iterable

from sync.eventcode import parse_event_qr, verify_event_code

# Machine codes of rejections, with the message a person reads (clients translate by code).
REJECTIONS = {
    "malformed": "The scan could not be read; it was not saved as attendance.",
    "unknown_event": "This event does not exist (or was removed).",
    "event_cancelled": "This event was cancelled.",
    "wrong_event": "The code belongs to another event.",
    "forged_code": "The event code is not genuine.",
    "stale_code": "The event code had expired when it was scanned (a photo of an old code?).",
    "outside_window": "The scan was made outside the event's check-in time.",
    "not_expected": "This member is not expected at this event (not of this branch, nor floating to it).",
    "not_allowed": "You may not submit this.",
    "card_invalid": "The card is not genuine or could not be read.",
    "card_expired": "The card has expired; the branch can issue a new one.",
    "card_revoked": "The card was revoked (lost or replaced).",
    "card_unknown": "This card was never issued by the branch.",
    "unknown_record": "This record does not exist.",
    "record_already_confirmed": "This record was already confirmed.",
}

# Flags ask a secretary to look before confirming; the check-in still counts.
FLAGS = {
    "late_delivery": "Delivered long after the claimed time of the scan.",
    "clock_disagreement": "The claimed time is later than the moment the server received it.",
    "device_clock_off": "The device's clock was far off when it synced; times were corrected.",
}


@dataclasses.dataclass(frozen=True)
class Policy:
    step_seconds: int = 30
    tolerance_steps: int = 2
    late_delivery_seconds: int = 6 * 3600
    clock_skew_seconds: int = 300


@dataclasses.dataclass(frozen=True)
class EventFacts:
    event_id: int
    branch_id: int
    checkin_opens_ms: int
    checkin_closes_ms: int
    code_secret: str
    cancelled: bool = False


@dataclasses.dataclass(frozen=True)
class Claim:
    """One check-in as the server sees it, the member already resolved."""

    nonce: str
    method: str  # event_code | card_scan | manual
    event_id: int
    member_id: int
    claimed_at_ms: int
    received_at_ms: int
    clock_offset_ms: int = 0  # server clock minus device clock, measured at sync
    event_qr: str | None = None

    @property
    def corrected_at_ms(self) -> int:
        return self.claimed_at_ms + self.clock_offset_ms

    @property
    def pair(self) -> tuple[int, int]:
        return (self.member_id, self.event_id)

    @property
    def order_key(self) -> tuple[int, str]:
        return (self.corrected_at_ms, self.nonce)


@dataclasses.dataclass(frozen=True)
class Judgement:
    accepted: bool
    code: str | None = None
    flags: tuple[str, ...] = ()

    @property
    def message(self) -> str | None:
        return REJECTIONS.get(self.code) if self.code else None


def reject(code: str) -> Judgement:
    assert code in REJECTIONS, code
    return Judgement(accepted=False, code=code)


def judge_checkin(claim: Claim, event: EventFacts | None, *, may_attend: bool, policy: Policy = Policy()) -> Judgement:
    """Judge one claim on its own merits (not against other scans)."""
    if event is None:
        return reject("unknown_event")
    if event.cancelled:
        return reject("event_cancelled")
    if claim.method == "event_code":
        qr = parse_event_qr(claim.event_qr)
        if qr is None:
            return reject("malformed")
        if qr.event_id != event.event_id:
            return reject("wrong_event")
        verdict = verify_event_code(
            event.code_secret, qr, claim.claimed_at_ms / 1000,
            step=policy.step_seconds, tolerance_steps=policy.tolerance_steps,
            clock_offset_seconds=claim.clock_offset_ms / 1000,
        )
        if not verdict.ok:
            return reject("forged_code" if verdict.reason == "code_mismatch" else "stale_code")
    if not event.checkin_opens_ms <= claim.corrected_at_ms <= event.checkin_closes_ms:
        return reject("outside_window")
    if not may_attend:
        return reject("not_expected")
    return Judgement(accepted=True, flags=review_flags(claim, policy))


def review_flags(claim: Claim, policy: Policy = Policy()) -> tuple[str, ...]:
    flags = []
    skew_ms = policy.clock_skew_seconds * 1000
    if claim.received_at_ms - claim.corrected_at_ms > policy.late_delivery_seconds * 1000:
        flags.append("late_delivery")
    if claim.corrected_at_ms > claim.received_at_ms + skew_ms:
        flags.append("clock_disagreement")
    if abs(claim.clock_offset_ms) > skew_ms:
        flags.append("device_clock_off")
    return tuple(flags)


def resolve(accepted: Iterable[Claim], existing_pairs: set[tuple[int, int]]) -> dict[str, str]:
    """nonce → "applied" | "duplicate" for accepted claims.

    A pair that already has a record makes every new claim a duplicate; otherwise the earliest
    claim (by corrected time, then nonce) makes the record and the rest are duplicates.
    """
    winners: dict[tuple[int, int], Claim] = {}
    claims = list(accepted)
    for claim in claims:
        if claim.pair in existing_pairs:
            continue
        best = winners.get(claim.pair)
        if best is None or claim.order_key < best.order_key:
            winners[claim.pair] = claim
    winning = {c.nonce for c in winners.values()}
    return {c.nonce: ("applied" if c.nonce in winning else "duplicate") for c in claims}


def earlier(claim: Claim, current_key: tuple[int, str]) -> bool:
    """Whether `claim` should become the source of a record whose source has `current_key`.

    Keeps a record's check-in time the earliest accepted scan's, whatever the delivery order
    (for records not confirmed yet; a confirmed record changes only through a correction).
    """
    return claim.order_key < current_key

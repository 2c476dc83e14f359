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
from typing import NamedTuple

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
    "too_many_wrong_codes": "Too many wrong event codes for this event from this account or phone: "
                            "ask the secretary to sign you in by card or by hand.",
    "unknown_record": "This record does not exist.",
    "record_already_confirmed": "This record was already confirmed.",
}

# Flags ask a secretary to look before confirming; the check-in still counts.
FLAGS = {
    "late_delivery": "Delivered long after the claimed time of the scan.",
    "clock_disagreement": "The claimed time is later than the moment the server received it.",
    "device_clock_off": "The device's clock was far off when it synced; times were corrected.",
    "code_timing": "The code was not seen within a step of when it was shown, or the phone's clock "
                   "disagreed with the server's: a photo of the code, perhaps.",
    "backdated": "The scan claims a time before this phone last synced with nothing left to send.",
    "many_wrong_codes": "This event has had many wrong codes: someone may have guessed this one.",
    "card_revoked_since": "The card was revoked after this scan was made (a reissue).",
}


@dataclasses.dataclass(frozen=True)
class Policy:
    step_seconds: int = 30
    # A genuine code is accepted unflagged within `exact_steps` of the corrected scan time on a
    # phone whose clock agrees with the server's (within one step); within `tolerance_steps` it
    # is accepted with the `code_timing` flag; beyond, it is rejected as stale_code.
    exact_steps: int = 1
    tolerance_steps: int = 2
    late_delivery_seconds: int = 6 * 3600
    clock_skew_seconds: int = 300
    # Wrong codes (forged_code) per event: from one account, or one phone, before further event-code
    # claims for that event are refused; and in all, before accepted codes are flagged.
    wrong_codes_per_member: int = 5
    wrong_codes_per_device: int = 10
    wrong_codes_per_event: int = 100


class EventFacts(NamedTuple):
    """An event as the rules judge a claim against it. (A named tuple, as Claim: a batch of
    scans over months of events loads hundreds of them.)"""

    event_id: int
    branch_id: int
    checkin_opens_ms: int
    checkin_closes_ms: int
    code_secret: str
    cancelled: bool = False


class Claim(NamedTuple):
    """One check-in as the server sees it, the member already resolved. (A named tuple: a push
    makes one per scan, and a frozen dataclass cost five times more to make.)"""

    nonce: str
    method: str  # event_code | card_scan | manual
    event_id: int
    member_id: int
    claimed_at_ms: int
    received_at_ms: int
    clock_offset_ms: int = 0  # server clock minus device clock, measured at sync
    event_qr: str | None = None
    # When the device last pulled with nothing left to push (server time), before this delivery.
    device_synced_ms: int | None = None

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
    # The judgement counts as a wrong code (forged_code) against the guessing limits.
    wrong_code: bool = False

    @property
    def message(self) -> str | None:
        return REJECTIONS.get(self.code) if self.code else None


ACCEPTED = Judgement(accepted=True)  # immutable: one for every claim accepted without flags


def reject(code: str) -> Judgement:
    assert code in REJECTIONS, code
    return Judgement(accepted=False, code=code)


def judge_checkin(claim: Claim, event: EventFacts | None, *, may_attend: bool, policy: Policy = Policy()) -> Judgement:
    """Judge one claim on its own merits (not against other scans)."""
    if event is None:
        return reject("unknown_event")
    if event.cancelled:
        return reject("event_cancelled")
    # Before the code is read: someone the event does not concern learns nothing of its codes.
    if not may_attend:
        return reject("not_expected")
    drift = None
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
            if verdict.reason == "code_mismatch":
                return Judgement(accepted=False, code="forged_code", wrong_code=True)
            return reject("stale_code")
        drift = verdict.drift
    if not event.checkin_opens_ms <= claim.corrected_at_ms <= event.checkin_closes_ms:
        return reject("outside_window")
    flags = review_flags(claim, policy, drift=drift)
    return Judgement(accepted=True, flags=flags) if flags else ACCEPTED


def review_flags(claim: Claim, policy: Policy = Policy(), *, drift: int | None = None) -> tuple[str, ...]:
    """What a secretary should look at before confirming an accepted check-in.

    `drift` is a genuine event code's step minus the step of the corrected scan time."""
    flags = []
    skew_ms = policy.clock_skew_seconds * 1000
    if claim.received_at_ms - claim.corrected_at_ms > policy.late_delivery_seconds * 1000:
        flags.append("late_delivery")
    if claim.corrected_at_ms > claim.received_at_ms + skew_ms:
        flags.append("clock_disagreement")
    if abs(claim.clock_offset_ms) > skew_ms:
        flags.append("device_clock_off")
    if drift is not None and (abs(drift) > policy.exact_steps
                              or abs(claim.clock_offset_ms) > policy.step_seconds * 1000):
        flags.append("code_timing")
    if claim.device_synced_ms is not None and claim.corrected_at_ms < claim.device_synced_ms:
        flags.append("backdated")
    return tuple(flags)


def card_register_verdict(status: str, revoked_at_ms: int | None, corrected_at_ms: int) -> tuple[str | None, str | None]:
    """(rejection code, flag) for a genuine card's entry in the branch's register at delivery.

    A card revoked (lost, replaced) before the scan was made is refused; one revoked after it
    (the phone scanned it offline, and the reissue came before the sync) still counts, flagged,
    since the member was there when it was valid."""
    if status == "active":
        return None, None
    if revoked_at_ms is not None and corrected_at_ms < revoked_at_ms:
        return None, "card_revoked_since"
    return "card_revoked", None


class WrongCodeLimit:
    """The guessing limits on event codes, over the wrong codes already counted and a batch.

    Keys are (member account, event), (device, event) and the event. A claim is refused
    (`too_many_wrong_codes`, its code unread) once its account or its phone has reached its limit
    for the event; an accepted code is flagged `many_wrong_codes` once the event has had its limit
    in all. Only event-code claims are limited: the secretary's card scan and manual entry always
    work, so an honest member who was refused is still signed in."""

    def __init__(self, policy: Policy, by_member: dict | None = None, by_device: dict | None = None,
                 by_event: dict | None = None):
        self.policy = policy
        self.by_member = dict(by_member or {})  # (user id, event id) -> wrong codes
        self.by_device = dict(by_device or {})  # (device key, event id) -> wrong codes
        self.by_event = dict(by_event or {})  # event id -> wrong codes

    def refused(self, user_id, device_key: str, event_id: int) -> bool:
        return (self.by_member.get((user_id, event_id), 0) >= self.policy.wrong_codes_per_member
                or self.by_device.get((device_key, event_id), 0) >= self.policy.wrong_codes_per_device)

    def count_wrong(self, user_id, device_key: str, event_id: int) -> None:
        for table, key in ((self.by_member, (user_id, event_id)), (self.by_device, (device_key, event_id)),
                           (self.by_event, event_id)):
            table[key] = table.get(key, 0) + 1

    def event_flagged(self, event_id: int) -> bool:
        return self.by_event.get(event_id, 0) >= self.policy.wrong_codes_per_event


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

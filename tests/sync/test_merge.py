"""The merge rules, pure: judged one by one, resolved against what exists, order-independent."""
from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from sync.eventcode import event_qr_payload, new_event_secret
from sync.merge import Claim, EventFacts, Policy, earlier, judge_checkin, resolve

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
NOW = 1_790_000_000_000
EVENT = EventFacts(7, 1, NOW - 3600_000, NOW + 3600_000, SECRET)


def claim(nonce="n1", *, at=NOW, member=1, event=7, method="event_code", offset=0, received=NOW, qr=None):
    if method == "event_code" and qr is None:
        qr = event_qr_payload(event, SECRET, (at + offset) / 1000)
    return Claim(nonce, method, event, member, at, received, offset, qr)


def test_a_genuine_fresh_code_in_the_window_is_accepted():
    assert judge_checkin(claim(), EVENT, may_attend=True).accepted


def test_rejections_in_order_of_checks():
    assert judge_checkin(claim(), None, may_attend=True).code == "unknown_event"
    cancelled = EventFacts(7, 1, EVENT.checkin_opens_ms, EVENT.checkin_closes_ms, SECRET, cancelled=True)
    assert judge_checkin(claim(), cancelled, may_attend=True).code == "event_cancelled"
    assert judge_checkin(claim(qr="nonsense"), EVENT, may_attend=True).code == "malformed"
    other = event_qr_payload(8, SECRET, NOW / 1000)
    assert judge_checkin(claim(qr=other), EVENT, may_attend=True).code == "wrong_event"
    forged = event_qr_payload(7, new_event_secret(), NOW / 1000)
    assert judge_checkin(claim(qr=forged), EVENT, may_attend=True).code == "forged_code"
    old = event_qr_payload(7, SECRET, (NOW - 5 * 60_000) / 1000)
    assert judge_checkin(claim(qr=old), EVENT, may_attend=True).code == "stale_code"
    early = claim(at=NOW - 2 * 3600_000)
    assert judge_checkin(early, EVENT, may_attend=True).code == "outside_window"
    assert judge_checkin(claim(), EVENT, may_attend=False).code == "not_expected"


def test_measured_clock_offset_corrects_a_slow_phone():
    slow = claim(at=NOW - 600_000, offset=600_000, qr=event_qr_payload(7, SECRET, NOW / 1000))
    verdict = judge_checkin(slow, EVENT, may_attend=True)
    # Counted, but not silently: a phone whose clock disagrees cannot vouch for the code's timing.
    assert verdict.accepted and verdict.flags == ("device_clock_off", "code_timing")
    uncorrected = claim(at=NOW - 600_000, offset=0, qr=event_qr_payload(7, SECRET, NOW / 1000))
    assert judge_checkin(uncorrected, EVENT, may_attend=True).code == "stale_code"


def test_flags_for_late_delivery_and_future_claims():
    policy = Policy(late_delivery_seconds=3600)
    late = claim(at=NOW - 2 * 3600_000, received=NOW)
    long_event = EventFacts(7, 1, NOW - 5 * 3600_000, NOW + 3600_000, SECRET)
    assert judge_checkin(late, long_event, may_attend=True, policy=policy).flags == ("late_delivery",)
    future = claim(at=NOW + 600_000, received=NOW)
    assert "clock_disagreement" in judge_checkin(future, EVENT, may_attend=True).flags


def test_manual_and_card_claims_skip_the_code_check():
    assert judge_checkin(claim(method="manual", qr=None), EVENT, may_attend=True).accepted


def test_resolve_picks_the_earliest_claim_and_respects_existing_records():
    a, b = claim("a", at=NOW), claim("b", at=NOW - 1000)
    assert resolve([a, b], set()) == {"a": "duplicate", "b": "applied"}
    assert resolve([a, b], {(1, 7)}) == {"a": "duplicate", "b": "duplicate"}
    assert earlier(b, a.order_key) and not earlier(a, b.order_key)


class ReferenceStore:
    """What the server does, in memory: scans by nonce, one record per pair, earliest wins."""

    def __init__(self):
        self.scans: dict[str, str] = {}
        self.records: dict[tuple[int, int], tuple[int, str]] = {}

    def push(self, batch: list[Claim]) -> None:
        fresh = [c for c in dict((c.nonce, c) for c in batch).values() if c.nonce not in self.scans]
        outcome = resolve(fresh, set(self.records))
        for c in fresh:
            self.scans[c.nonce] = outcome[c.nonce]
            if outcome[c.nonce] == "applied":
                self.records[c.pair] = c.order_key
        for c in fresh:
            if outcome[c.nonce] == "duplicate" and earlier(c, self.records[c.pair]):
                self.records[c.pair] = c.order_key


scan_lists = st.lists(
    st.tuples(st.integers(1, 4), st.integers(1, 3), st.integers(0, 50)), min_size=1, max_size=30
).map(lambda items: [claim(f"n{i:03d}", member=m, event=e, at=NOW + t * 1000, method="manual")
                     for i, (m, e, t) in enumerate(items)])


@settings(max_examples=200, deadline=None)
@given(scan_lists, st.randoms(use_true_random=False), st.lists(st.integers(1, 8), min_size=1, max_size=10))
def test_any_interleaving_gives_one_record_per_pair_and_the_same_final_state(claims, rnd: random.Random, sizes):
    reference = ReferenceStore()
    reference.push(claims)

    shuffled = claims[:] + rnd.sample(claims, k=len(claims) // 2)  # retries: some scans sent twice
    rnd.shuffle(shuffled)
    store = ReferenceStore()
    i = 0
    for size in sizes * (len(shuffled) // max(1, sum(sizes)) + 1):
        if i >= len(shuffled):
            break
        store.push(shuffled[i:i + size])
        i += size
    store.push(shuffled[i:])

    assert store.records == reference.records
    assert set(store.records) == {c.pair for c in claims}
    assert set(store.scans) == {c.nonce for c in claims}
    applied = [n for n, s in store.scans.items() if s == "applied"]
    assert len(applied) == len(store.records)

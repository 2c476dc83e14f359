"""sync/vectors/merge.json: the merge rules as data, for the Python and JavaScript sides alike."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

import sync.vectors
from sync.merge import Claim, EventFacts, Policy, judge_checkin, resolve

MERGE = json.loads((Path(sync.vectors.__file__).resolve().parent / "merge.json").read_text("utf-8"))
POLICY = Policy(**MERGE["policy"])


@pytest.mark.parametrize("case", MERGE["judge_cases"], ids=lambda c: c["name"])
def test_judge_case(case):
    event = EventFacts(**case["event"]) if case["event"] else None
    verdict = judge_checkin(Claim(**case["claim"]), event, may_attend=case["may_attend"], policy=POLICY)
    assert {"accepted": verdict.accepted, "code": verdict.code, "flags": list(verdict.flags)} == case["expected"]


@pytest.mark.parametrize("case", MERGE["resolve_cases"], ids=lambda c: c["name"])
def test_resolve_case(case):
    claims = [Claim(**c) for c in case["claims"]]
    assert resolve(claims, {tuple(p) for p in case["existing_pairs"]}) == case["expected"]


def test_every_rejection_code_a_single_scan_can_earn_is_covered():
    codes = {c["expected"]["code"] for c in MERGE["judge_cases"]}
    assert {"wrong_event", "forged_code", "stale_code", "malformed", "outside_window", "not_expected",
            "event_cancelled", "unknown_event"} <= codes
    flags = {f for c in MERGE["judge_cases"] for f in c["expected"]["flags"]}
    assert flags == {"late_delivery", "clock_disagreement", "device_clock_off"}

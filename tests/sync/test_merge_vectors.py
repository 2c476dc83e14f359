"""sync/vectors/merge.json: the merge rules as data, for the Python and JavaScript sides alike."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

import sync.vectors
from sync.merge import Claim, EventFacts, Policy, WrongCodeLimit, card_register_verdict, judge_checkin, resolve

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


@pytest.mark.parametrize("case", MERGE["card_register_cases"], ids=lambda c: c["name"])
def test_card_register_case(case):
    code, flag = card_register_verdict(case["status"], case["revoked_at_ms"], case["corrected_at_ms"])
    assert {"code": code, "flag": flag} == case["expected"]


def test_the_guessing_limits_step_by_step():
    limit = WrongCodeLimit(POLICY)
    event = MERGE["limit_cases"]["event_id"]
    for step in MERGE["limit_cases"]["steps"]:
        if limit.refused(step["user"], step["device"], event):
            outcome = "too_many_wrong_codes"
        elif step["genuine"]:
            outcome = "accepted"
        else:
            outcome = "forged_code"
            limit.count_wrong(step["user"], step["device"], event)
        assert outcome == step["expected"], step


def test_every_rejection_code_and_flag_is_covered():
    codes = {c["expected"]["code"] for c in MERGE["judge_cases"]}
    assert {"wrong_event", "forged_code", "stale_code", "malformed", "outside_window", "not_expected",
            "event_cancelled", "unknown_event"} <= codes
    assert "card_revoked" in {c["expected"]["code"] for c in MERGE["card_register_cases"]}
    assert "too_many_wrong_codes" in {s["expected"] for s in MERGE["limit_cases"]["steps"]}
    flags = {f for c in MERGE["judge_cases"] for f in c["expected"]["flags"]}
    flags |= {c["expected"]["flag"] for c in MERGE["card_register_cases"]} - {None}
    assert flags == {"late_delivery", "clock_disagreement", "device_clock_off", "code_timing", "backdated",
                     "card_revoked_since"}

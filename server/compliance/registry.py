"""The rules engine's vocabulary: periods, states, results, and the registry of rules.

A rule is data: an id (SPEC's), the system it belongs to, the kind of period it is judged over,
its scope (the branch, or each of its groups) and an evaluator, a pure function
`(subject, period, today, facts) -> Result`. Adding a rule is one `@rule(...)` entry on one
function (see rules.py); the engine, the endpoints and the exports pick it up from REGISTRY.
"""
from __future__ import annotations

import calendar
import dataclasses
import datetime as dt
import functools
from collections.abc import Callable
from typing import Any

from server.core.enums import StrEnum

MONTH, QUARTER, YEAR = "month", "quarter", "year"
BRANCH, GROUP = "branch", "group"


class State(StrEnum):
    met = "met"  # the evidence exists (in time)
    due = "due"  # not yet met, and its deadline is ahead
    late = "late"  # met after its deadline, or the deadline passed while the period is still open
    missed = "missed"  # the period is over and it was never met
    not_applicable = "not-applicable"  # nothing to judge (no groups, before the branch existed...)


# The worst first: how the committee view sums a rule judged per group.
SEVERITY = (State.missed, State.late, State.due, State.met, State.not_applicable)


def worst(states) -> State:
    states = set(states)
    return next((s for s in SEVERITY if s in states), State.not_applicable)


@dataclasses.dataclass(frozen=True)
class Period:
    """A month, quarter or year. Its bounds and labels are computed once per instance (cached
    properties: the rules ask for them for every branch judged)."""

    kind: str
    year: int
    index: int  # the month (1-12), the quarter (1-4), or 1 for a year

    @functools.cached_property
    def start(self) -> dt.date:
        month = {MONTH: self.index, QUARTER: 3 * self.index - 2, YEAR: 1}[self.kind]
        return dt.date(self.year, month, 1)

    @functools.cached_property
    def end(self) -> dt.date:
        month = {MONTH: self.index, QUARTER: 3 * self.index, YEAR: 12}[self.kind]
        return dt.date(self.year, month, calendar.monthrange(self.year, month)[1])

    @functools.cached_property
    def label(self) -> str:
        return {MONTH: f"{self.year}-{self.index:02d}", QUARTER: f"{self.year}-Q{self.index}",
                YEAR: f"{self.year}"}[self.kind]

    @functools.cached_property
    def label_zh(self) -> str:
        return {MONTH: f"{self.year}年{self.index}月", QUARTER: f"{self.year}年第{self.index}季度",
                YEAR: f"{self.year}年度"}[self.kind]

    def contains(self, day: dt.date) -> bool:
        return self.start <= day <= self.end

    def is_over(self, today: dt.date) -> bool:
        return today > self.end


def periods_for(year: int, month: int) -> dict[str, Period]:
    """The month, its quarter and its year."""
    return {MONTH: Period(MONTH, year, month), QUARTER: Period(QUARTER, year, (month - 1) // 3 + 1),
            YEAR: Period(YEAR, year, 1)}


@dataclasses.dataclass
class Evidence:
    events: list[int] = dataclasses.field(default_factory=list)
    records: int = 0  # attendance records of those events
    minutes: list[int] = dataclasses.field(default_factory=list)
    filings: list[int] = dataclasses.field(default_factory=list)
    rectification_items: list[int] = dataclasses.field(default_factory=list)
    # Rules outside the meeting systems (recruitment, dues...): the members concerned, the rows
    # behind the judgement, and one line per person or item in Chinese ("王芳：预备期于…届满").
    members: list[int] = dataclasses.field(default_factory=list)
    recruitment_steps: list[int] = dataclasses.field(default_factory=list)
    dues_payments: list[int] = dataclasses.field(default_factory=list)
    remittances: list[int] = dataclasses.field(default_factory=list)
    publications: list[int] = dataclasses.field(default_factory=list)
    details: list[str] = dataclasses.field(default_factory=list)


@dataclasses.dataclass(frozen=True)
class NextStep:
    """What to do next, as a message key and its parameters (the app words it; messages.py has Chinese)."""

    key: str
    params: dict[str, Any] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass
class Result:
    state: State
    evidence: Evidence = dataclasses.field(default_factory=Evidence)
    next_step: NextStep | None = None
    deadline: dt.date | None = None


@dataclasses.dataclass(frozen=True)
class Scope:
    """Whom a result is about: the branch, or one of its groups."""

    kind: str
    group_id: int | None = None
    group_name: str | None = None


Evaluator = Callable[[Scope, Period, dt.date, Any], Result]


@dataclasses.dataclass(frozen=True)
class Rule:
    id: str
    system: int  # SPEC's numbering: 1 three meetings and a lecture, 2 evaluation, 3 org life, 4 activity day
    period: str
    scope: str
    title: str  # Chinese, as a branch office words it
    evaluate: Evaluator


REGISTRY: dict[str, Rule] = {}


def rule(rule_id: str, *, system: int, period: str, title: str, scope: str = BRANCH):
    """Register an evaluator as a rule."""
    def register(fn: Evaluator) -> Evaluator:
        if rule_id in REGISTRY:
            raise ValueError(f"rule {rule_id} registered twice")
        REGISTRY[rule_id] = Rule(rule_id, system, period, scope, title, fn)
        # SPEC's order, whichever feature module was imported first (views, exports and the
        # committee's columns list rules in this order).
        ordered = sorted(REGISTRY.values(), key=_spec_position)
        REGISTRY.clear()
        REGISTRY.update((r.id, r) for r in ordered)
        return fn
    return register


# SPEC's rule ids in SPEC's order; a rule not listed goes after those of its system.
SPEC_ORDER = (
    "3M1-committee", "3M1-group", "3M1-assembly", "3M1-lecture", "3M1-minutes",
    "EVAL-held", "EVAL-feedback", "OLM-held", "OLM-report",
    "DAY-date", "DAY-plan", "DAY-notice", "DAY-attendance", "REC-timeline",
    "LOG-card", "LOG-immediate", "LOG-annual", "LOG-verified", "LOG-archive", "LOG-points",
    "DUES-paid", "DUES-remit", "DUES-publish",
)


def _spec_position(r: Rule) -> tuple[int, int]:
    return r.system, SPEC_ORDER.index(r.id) if r.id in SPEC_ORDER else len(SPEC_ORDER)


SYSTEM_NAMES = {1: "“三会一课”", 2: "民主评议党员", 3: "组织生活会", 4: "统一活动日", 5: "发展党员",
                6: "党员教育培训", 7: "党员记实管理", 8: "党费收缴、使用和管理",
                9: "特色制度"}  # 9: SPEC's X, the featured systems a branch adopts (server/featured/rules.py)

# A feature's facts: `(branch_ids, year, today) -> {branch_id: value}`, run once per judgement for
# all branches together (a fixed number of queries), stored as `BranchFacts.extra[name]`.
FactsLoader = Callable[[list[int], int, dt.date], dict[int, Any]]
FACT_LOADERS: dict[str, FactsLoader] = {}


def facts_loader(name: str):
    """Register the loader of a feature's facts (see facts.load_facts)."""
    def register(fn: FactsLoader) -> FactsLoader:
        if name in FACT_LOADERS:
            raise ValueError(f"facts loader {name} registered twice")
        FACT_LOADERS[name] = fn
        return fn
    return register

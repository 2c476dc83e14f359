"""Judging branches: every registered rule over the month, quarter and year asked for."""
from __future__ import annotations

import dataclasses
import datetime as dt
import importlib
from collections import Counter

import sqlalchemy as sa

from server.activity_plan.operations import calendar_changes
from server.calendar.operations import current_calendar
from server.compliance.facts import BranchFacts, load_facts
from server.compliance.messages import render
from server.compliance.registry import (
    BRANCH,
    GROUP,
    REGISTRY,
    SYSTEM_NAMES,
    Evidence,
    NextStep,
    Period,
    Result,
    Scope,
    State,
    periods_for,
    worst,
)
from server.auth.access import committees_under
from server.core.db import db
from server.org.models import Branch, Committee

# Each module registers its rules in REGISTRY (and its facts loaders): the meeting systems here,
# the other systems in their feature folders.
RULE_MODULES = ("server.compliance.rules", "server.recruitment.rules", "server.dues.rules",
                "server.evaluation.rules", "server.org_life.rules", "server.records.rules", "server.archive.rules",
                "server.service.rules", "server.featured.rules", "server.points.rules")
for _module in RULE_MODULES:
    importlib.import_module(_module)

# A branch with no event for longer than this is "silent" in the committee's view.
SILENT_DAYS = 30


def _jsonable(value):
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    return value


def _step(step: NextStep | None) -> dict | None:
    if step is None:
        return None
    return {"key": step.key, "params": {k: _jsonable(v) for k, v in step.params.items()}, "text": render(step)}


def rules_table() -> list[dict]:
    return [{"id": r.id, "system": r.system, "system_name": SYSTEM_NAMES[r.system], "period_kind": r.period,
             "scope": r.scope, "title": r.title} for r in REGISTRY.values()]


def _judged(facts: BranchFacts, periods: dict[str, Period], today: dt.date):
    """(rule, period, scope, result) for every rule and scope (per group for group rules), in REGISTRY's order."""
    for r in REGISTRY.values():
        period = periods[r.period]
        if r.scope == GROUP:
            scopes = [Scope(GROUP, g.id, g.name) for g in facts.groups] or [Scope(GROUP)]
        else:
            scopes = _BRANCH_SCOPES
        for scope in scopes:
            if period.end < facts.since:
                result = Result(State.not_applicable, next_step=NextStep("branch.not_registered", {"since": facts.since}))
            else:
                result = r.evaluate(scope, period, today, facts)
            yield r, period, scope, result


_BRANCH_SCOPES = (Scope(BRANCH),)
_STATE_VALUES = tuple(s.value for s in State)
_EVIDENCE_FIELDS = tuple(f.name for f in dataclasses.fields(Evidence))
_PLAIN = (int, str)


def _evidence(evidence: Evidence) -> dict:
    """dataclasses.asdict(evidence) without its recursive deep copy, which cost as much as the
    rules themselves: the fields are ints and lists of ints or strings, copied as new lists;
    anything else takes asdict."""
    out = {}
    for name in _EVIDENCE_FIELDS:
        value = getattr(evidence, name)
        if type(value) in _PLAIN:
            out[name] = value
        elif type(value) is list and all(type(v) in _PLAIN for v in value):
            out[name] = list(value)
        else:
            return dataclasses.asdict(evidence)
    return out


def evaluate(facts: BranchFacts, year: int, month: int, today: dt.date) -> list[dict]:
    """One row per rule and scope (per group for group rules)."""
    return [{
        "rule": r.id, "system": r.system, "title": r.title, "period_kind": r.period,
        "period": period.label, "period_zh": period.label_zh,
        "scope": {"kind": scope.kind, "group_id": scope.group_id, "group_name": scope.group_name},
        "state": result.state.value, "deadline": result.deadline,
        "evidence": _evidence(result.evidence), "next_step": _step(result.next_step),
    } for r, period, scope, result in _judged(facts, periods_for(year, month), today)]


def _silence(facts: BranchFacts, today: dt.date) -> dict:
    last = facts.last_event_on
    days = (today - last).days if last else None
    silent = (days > SILENT_DAYS) if last else (today - facts.since).days > SILENT_DAYS
    return {"last_event_on": last, "days_since_last_event": days, "silent": silent}


def _periods(year: int, month: int) -> dict:
    return {kind: {"label": p.label, "label_zh": p.label_zh, "start": p.start, "end": p.end}
            for kind, p in periods_for(year, month).items()}


def branch_compliance(branch: Branch, year: int, month: int, today: dt.date) -> dict:
    calendar = current_calendar()
    facts = load_facts([branch], year, calendar, today)[branch.id]
    results = evaluate(facts, year, month, today)
    return {
        "branch_id": branch.id, "branch_name": branch.name, "today": today, "year": year, "month": month,
        "periods": _periods(year, month), "calendar_warning": calendar.schedule_warning(today),
        **_silence(facts, today), "results": results,
        "summary": {s.value: sum(1 for r in results if r["state"] == s.value) for s in State},
        "calendar_changes": calendar_changes(branch.id, today),
    }


def _branch_rows(branches: list[Branch], facts: dict[int, BranchFacts], year: int, month: int,
                 today: dt.date) -> list[dict]:
    """One row per branch: each rule's worst state over its scopes, and the next steps of what is
    missed or late. Judges as `evaluate` does, without building the evidence and the texts the
    committee's table does not show."""
    periods = periods_for(year, month)
    attention_states = (State.missed, State.late)
    rows = []
    for branch in branches:
        judged = {rule_id: set() for rule_id in REGISTRY}
        attention = []
        for r, _, _, result in _judged(facts[branch.id], periods, today):
            judged[r.id].add(result.state)
            if result.state in attention_states and result.next_step is not None:
                attention.append(render(result.next_step))
        states = {rule_id: worst(found).value for rule_id, found in judged.items()}
        counts = Counter(states.values())
        rows.append({
            "branch_id": branch.id, "branch_name": branch.name, "sector": branch.sector.value,
            "committee_id": branch.committee_id,
            "states": states, "summary": {value: counts[value] for value in _STATE_VALUES},
            "attention": attention,
            **_silence(facts[branch.id], today),
        })
    return rows


def _judge(branch_ids: set[int], year: int, month: int, today: dt.date):
    calendar = current_calendar()
    branches = db.session.scalars(sa.select(Branch).where(Branch.id.in_(branch_ids)).order_by(Branch.id)).all() \
        if branch_ids else []
    facts = load_facts(branches, year, calendar, today)
    return calendar, _branch_rows(branches, facts, year, month, today)


def _header(committee: Committee, calendar, year: int, month: int, today: dt.date) -> dict:
    return {
        "committee_id": committee.id, "committee_name": committee.name, "today": today, "year": year,
        "month": month, "periods": _periods(year, month), "calendar_warning": calendar.schedule_warning(today),
        "rules": rules_table(),
    }


def committee_compliance(committee: Committee, branch_ids: set[int], year: int, month: int, today: dt.date) -> dict:
    """Every branch given (the committee's whole subtree), one flat table: the Excel export."""
    calendar, rows = _judge(branch_ids, year, month, today)
    return {**_header(committee, calendar, year, month, today), "branches": rows}


def _aggregate(committee: Committee, rows: list[dict]) -> dict:
    """A sub-committee's line: per rule, how many of its branches are in each state."""
    states = {rule_id: {s.value: 0 for s in State} for rule_id in REGISTRY}
    for row in rows:
        for rule_id, state in row["states"].items():
            states[rule_id][state] += 1
    return {
        "committee_id": committee.id, "committee_name": committee.name, "branch_count": len(rows),
        "silent_count": sum(1 for r in rows if r["silent"]),
        "behind_count": sum(1 for r in rows if r["summary"][State.missed.value] or r["summary"][State.late.value]),
        "states": states,
        "summary": {s.value: sum(r["summary"][s.value] for r in rows) for s in State},
    }


def committee_tree(committee: Committee, visible_committee_ids: frozenset[int], year: int, month: int,
                   today: dt.date) -> dict:
    """A level of the committee tree: the committee's direct sub-committees, each aggregated over its
    whole subtree, and its own direct branches; `path` leads from the highest committee the caller
    oversees down to this one (the breadcrumbs). Every branch of the subtree is judged once, with
    the same queries however many branches (one more per level of the tree to find the committees)."""
    subtree = committees_under(committee.id)
    committees = {c.id: c for c in db.session.scalars(sa.select(Committee).where(Committee.id.in_(subtree)))}
    children = sorted((c for c in committees.values() if c.parent_id == committee.id), key=lambda c: c.id)
    top_of = {}  # committee id → the child of `committee` its subtree belongs to
    for c in committees.values():
        node = c
        while node.id != committee.id and node.parent_id != committee.id:
            node = committees[node.parent_id]
        if node.id != committee.id:
            top_of[c.id] = node.id
    branch_ids = set(db.session.scalars(sa.select(Branch.id).where(Branch.committee_id.in_(subtree))))
    calendar, rows = _judge(branch_ids, year, month, today)
    under = {c.id: [] for c in children}
    for row in rows:
        if row["committee_id"] in top_of:
            under[top_of[row["committee_id"]]].append(row)
    path = [{"committee_id": committee.id, "committee_name": committee.name}]
    node = committee
    while node.parent_id is not None and node.parent_id in visible_committee_ids:
        node = db.session.get(Committee, node.parent_id)
        path.insert(0, {"committee_id": node.id, "committee_name": node.name})
    return {
        **_header(committee, calendar, year, month, today), "path": path,
        "committees": [_aggregate(c, under[c.id]) for c in children],
        "branches": [r for r in rows if r["committee_id"] == committee.id],
    }

"""The org-life meeting's facts for the compliance rules (SPEC system 3).

OLM-held and OLM-report are judged in server/compliance/rules.py with the other meeting rules;
this module adds the one fact they need from the workflow: which of the year's rectification
items had their progress announced to the branch's members (OLM-report requires it). No rule of
its own: SPEC has none for the preparation, whose state the meeting's screen shows instead.
"""
from __future__ import annotations

import dataclasses
import datetime as dt

import sqlalchemy as sa

from server.calendar.days import local_day
from server.compliance.registry import facts_loader
from server.core.db import db
from server.filings.models import RectificationItem


@dataclasses.dataclass
class OrgLifeFacts:
    """The year's rectification items of a branch: the day each was announced (announced ones
    only), and each one's problem (to name it in the evidence)."""

    announced: dict[int, dt.date] = dataclasses.field(default_factory=dict)
    problems: dict[int, str] = dataclasses.field(default_factory=dict)


@facts_loader("org_life")
def load_org_life_facts(branch_ids: list[int], year: int, today: dt.date) -> dict[int, OrgLifeFacts]:
    """One query for any number of branches: the year's rectification items and their announcements."""
    out = {b: OrgLifeFacts() for b in branch_ids}
    if not branch_ids:
        return out
    rows = db.session.execute(
        sa.select(RectificationItem.id, RectificationItem.branch_id, RectificationItem.problem,
                  RectificationItem.announced_at)
        .where(RectificationItem.branch_id.in_(branch_ids), RectificationItem.year == year))
    for item_id, branch_id, problem, announced_at in rows:
        out[branch_id].problems[item_id] = problem
        if announced_at is not None:
            out[branch_id].announced[item_id] = local_day(announced_at)
    return out

"""LOG-points (SPEC system 7): the branch publishes its members' points each period of its scheme.

The decisions (docs/compliance.md, docs/decisions.md):
- Judged per QUARTER (the registry's period). A branch publishing quarterly: the quarter's points
  are published within PUBLISH_WITHIN_DAYS (15) days after the quarter ends: `met`; published
  after that: `late`; not yet: `due` while the quarter is open or within the 15 days, `missed` after.
- A branch publishing yearly: the fourth quarter's row judges the year (published by 15 January
  of the next year); the first three quarters are `not_applicable` and say so.
- A branch without a scheme: `due` while the window is open, `missed` after, next step "设置积分方案".
- The committee sees whether the branch published, never points: the evidence is the publication.
"""
from __future__ import annotations

import dataclasses
import datetime as dt

import sqlalchemy as sa

from server.calendar.days import local_day
from server.compliance.messages import add_templates
from server.compliance.registry import QUARTER, YEAR, Evidence, NextStep, Period, Result, Scope, State, \
    facts_loader, rule
from server.core.db import db
from server.points.models import PointsPublication, PointsScheme
from server.points.operations import publish_deadline

add_templates({
    "points.setup": "本支部尚未设置积分方案，请设置积分方案后按期公示党员积分",
    "points.publish_by": "{period}党员积分须在{deadline}前向党员公示",
    "points.published_late": "{period}党员积分于{published_on}公示，晚于{deadline}",
    "points.not_published": "{period}党员积分未公示（应在{deadline}前公示）",
    "points.yearly": "本支部按年度公示积分，{year}年度积分须在{deadline}前公示",
})


@dataclasses.dataclass(frozen=True)
class PublicationFact:
    id: int
    period: str  # "2026-Q3" or "2026"
    published_on: dt.date


@dataclasses.dataclass
class PointsFacts:
    publish_every: str | None = None  # None: no scheme
    publications: list[PublicationFact] = dataclasses.field(default_factory=list)


@facts_loader("points")
def load_points_facts(branch_ids: list[int], year: int, today: dt.date) -> dict[int, PointsFacts]:
    """Two queries for any number of branches: the schemes, and the publications of the year's periods."""
    out = {b: PointsFacts() for b in branch_ids}
    if not branch_ids:
        return out
    for branch_id, every in db.session.execute(sa.select(PointsScheme.branch_id, PointsScheme.publish_every)
                                               .where(PointsScheme.branch_id.in_(branch_ids))):
        out[branch_id].publish_every = every.value
    labels = [str(year)] + [f"{year}-Q{q}" for q in range(1, 5)]
    for pub in db.session.execute(sa.select(PointsPublication.id, PointsPublication.branch_id, PointsPublication.period,
                                            PointsPublication.published_at)
                                  .where(PointsPublication.branch_id.in_(branch_ids),
                                         PointsPublication.period.in_(labels)).order_by(PointsPublication.id)):
        out[pub.branch_id].publications.append(PublicationFact(pub.id, pub.period, local_day(pub.published_at)))
    return out


def _zh(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


@rule("LOG-points", system=7, period=QUARTER, title="积分考核：按方案计算党员积分并定期公示（不排名）")
def log_points(scope: Scope, period: Period, today: dt.date, facts) -> Result:
    f = facts.extra.get("points") or PointsFacts()
    judged = period
    if f.publish_every == YEAR:
        judged = Period(YEAR, period.year, 1)
        if period.index < 4:
            step = NextStep("points.yearly", {"year": period.year, "deadline": publish_deadline(judged)})
            return Result(State.not_applicable, Evidence(details=["本支部按年度公示积分"]), step)
    deadline = publish_deadline(judged)
    params = {"period": judged.label, "current": judged.contains(today), "deadline": deadline}
    mine = [p for p in f.publications if p.period == judged.label]
    evidence = Evidence(publications=[p.id for p in mine],
                        details=[f"{judged.label_zh}积分于{_zh(p.published_on)}公示" for p in mine])
    if f.publish_every is None:
        evidence.details = ["尚未设置积分方案"]
        state = State.due if today <= deadline else State.missed
        return Result(state, evidence, NextStep("points.setup", params), deadline)
    if mine:
        published_on = mine[0].published_on
        if published_on <= deadline:
            return Result(State.met, evidence, deadline=deadline)
        return Result(State.late, evidence, NextStep("points.published_late", {**params, "published_on": published_on}),
                      deadline)
    if today <= deadline:
        return Result(State.due, evidence, NextStep("points.publish_by", params), deadline)
    return Result(State.missed, evidence, NextStep("points.not_published", params), deadline)


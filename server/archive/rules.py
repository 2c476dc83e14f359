"""LOG-archive (SPEC system 7): every member has a record archive kept for reference.

The decision (docs/compliance.md, docs/decisions.md): the archive "kept" for a year is a printing
(ArchivePrint, a member's PDF or the branch's zip) that covers the year (its year, or the whole
archive) made in the year's closing window, from 1 December to 31 January of the next year
(ARCHIVE_DEADLINE): late enough to hold the year-end evaluation and org-life meeting, early
enough to be filed with the year. Every member on the roll during the year (not left before it,
registered and admitted by its end, or by today while it is open) needs one. `due` until the
deadline, then `missed` when someone still has none, `late` when every member has one but some
were printed after the deadline, `met` otherwise. The evidence names the members concerned.
"""
from __future__ import annotations

import dataclasses
import datetime as dt

import sqlalchemy as sa

from server.archive.models import ArchivePrint
from server.calendar.days import local_day
from server.compliance.messages import add_templates
from server.compliance.registry import YEAR, Evidence, NextStep, Period, Result, Scope, State, facts_loader, rule
from server.core.db import db
from server.org.models import Member

WINDOW_OPENS = (12, 1)  # month, day of the archived year
DETAIL_CAP = 10

add_templates({
    "archive.print_by": "{count}名党员尚无{year}年度党员手册存档，请在{deadline}前打印或导出",
    "archive.missing": "{year}年度有{count}名党员没有党员手册存档",
    "archive.late": "{year}年度有{count}名党员的党员手册晚于{deadline}存档",
    "archive.no_members": "本支部尚无在册党员",
})


def window(year: int) -> tuple[dt.date, dt.date]:
    """The days a printing of `year` counts as kept in time: 1 December to 31 January next."""
    return dt.date(year, *WINDOW_OPENS), dt.date(year + 1, 1, 31)


@dataclasses.dataclass
class ArchiveMember:
    member_id: int
    name: str
    registered_on: dt.date
    admitted_on: dt.date | None = None
    left_on: dt.date | None = None
    printed_on: list[dt.date] = dataclasses.field(default_factory=list)  # printings covering the year

    def on_roll_during(self, start: dt.date, last: dt.date) -> bool:
        return (self.registered_on <= last and (self.left_on is None or self.left_on > start)
                and (self.admitted_on is None or self.admitted_on <= last))


@dataclasses.dataclass
class ArchiveFacts:
    members: list[ArchiveMember] = dataclasses.field(default_factory=list)


@facts_loader("archive")
def load_archive_facts(branch_ids: list[int], year: int, today: dt.date) -> dict[int, ArchiveFacts]:
    """Two queries for any number of branches: the members, and their printings covering the year
    made from the window's first day on."""
    out = {b: ArchiveFacts() for b in branch_ids}
    if not branch_ids:
        return out
    first = dt.date(year, 1, 1)
    members: dict[int, ArchiveMember] = {}
    for m in db.session.execute(sa.select(Member.id, Member.name, Member.branch_id, Member.admitted_on,
                                          Member.left_on, Member.created_at)
                                .where(Member.branch_id.in_(branch_ids),
                                       sa.or_(Member.left_on.is_(None), Member.left_on >= first))
                                .order_by(Member.name, Member.id)):
        members[m.id] = ArchiveMember(m.id, m.name, local_day(m.created_at), m.admitted_on, m.left_on)
        out[m.branch_id].members.append(members[m.id])
    if members:
        opens = window(year)[0]
        since = dt.datetime.combine(opens - dt.timedelta(days=1), dt.time(), tzinfo=dt.timezone.utc)
        prints = sa.select(ArchivePrint.member_id, ArchivePrint.printed_at).where(
            ArchivePrint.member_id.in_(list(members)), ArchivePrint.printed_at >= since,
            sa.or_(ArchivePrint.year.is_(None), ArchivePrint.year == year))
        for p in db.session.execute(prints.order_by(ArchivePrint.printed_at)):
            day = local_day(p.printed_at)
            if day >= opens:
                members[p.member_id].printed_on.append(day)
    return out


def _capped(lines: list[str]) -> list[str]:
    return lines if len(lines) <= DETAIL_CAP else lines[:DETAIL_CAP] + [f"等{len(lines)}条"]


@rule("LOG-archive", system=7, period=YEAR, title="每名党员建立记实档案（党员手册），年终存档备查")
def log_archive(scope: Scope, period: Period, today: dt.date, facts) -> Result:
    f: ArchiveFacts = facts.extra.get("archive") or ArchiveFacts()
    opens, deadline = window(period.year)
    last = min(today, period.end)
    roll = [m for m in f.members if m.on_roll_during(period.start, last)]
    kept = {m.member_id for m in roll if any(opens <= d <= deadline for d in m.printed_on)}
    late = [m for m in roll if m.member_id not in kept and any(d > deadline for d in m.printed_on)]
    lacking = [m for m in roll if m.member_id not in kept and m not in late]
    details = [f"{m.name}：尚无{period.year}年度党员手册存档" for m in lacking] + [
        f"{m.name}：党员手册于{min(d for d in m.printed_on if d > deadline).isoformat()}存档（晚于{deadline.isoformat()}）" for m in late]
    evidence = Evidence(members=[m.member_id for m in lacking + late], details=_capped(details))
    params = {"period": period.label, "year": period.year, "deadline": deadline, "current": period.contains(today)}
    if not roll:
        return Result(State.not_applicable, evidence, NextStep("archive.no_members", params))
    if today <= deadline:
        if lacking:  # (a printing after the deadline cannot exist yet)
            return Result(State.due, evidence, NextStep("archive.print_by", {**params, "count": len(lacking)}),
                          deadline)
        return Result(State.met, evidence, deadline=deadline)
    if lacking:
        return Result(State.missed, evidence, NextStep("archive.missing", {**params, "count": len(lacking)}), deadline)
    if late:
        return Result(State.late, evidence, NextStep("archive.late", {**params, "count": len(late)}), deadline)
    return Result(State.met, evidence, deadline=deadline)


"""What the rulebook says: the eight basic systems (data: basic_systems.toml) with the branch's own
details — its committee, groups, this year's activity days and meetings, its dues categories, its
points scheme and the featured systems it adopted. Pure gathering; rendering is in render.py."""
from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import tomllib
from collections import Counter
from pathlib import Path

import sqlalchemy as sa

from server.activity_plan.operations import plan_view
from server.calendar.days import CHINA, local_day
from server.core.db import db
from server.core.enums import BranchRoleKind, EventKind, EventStatus, Sector
from server.dues.standard import BRACKETS, CATEGORY_ZH, FIXED_DEFAULT_FEN, percent, yuan
from server.events.models import Event
from server.featured.operations import adopted_templates
from server.org.models import Branch, BranchRole, Member
from server.points.operations import scheme_view

DATA = Path(__file__).parent / "basic_systems.toml"
SECTOR_ZH = {Sector.village: "村、社区", Sector.agency: "机关、事业单位", Sector.enterprise: "企业、社会组织"}
ROLE_ZH = {BranchRoleKind.secretary: "书记", BranchRoleKind.deputy_secretary: "副书记", BranchRoleKind.organizer: "组织委员",
           BranchRoleKind.propaganda: "宣传委员", BranchRoleKind.discipline: "纪检委员",
           BranchRoleKind.committee_member: "支委委员"}
MEETING_KINDS = {EventKind.branch_committee_meeting: "支委会", EventKind.group_meeting: "党小组会",
                 EventKind.general_assembly: "党员大会", EventKind.party_lecture: "党课"}
PUBLISH_ZH = {"quarter": "每季度", "year": "每年"}
CADENCE_ZH = {"month": "每月", "quarter": "每季度", "year": "每年"}


@functools.cache
def basic_systems() -> dict:
    with open(DATA, "rb") as fh:
        return tomllib.load(fh)


@dataclasses.dataclass
class System:
    number: int
    title: str
    items: list[str]
    short: list[str]
    details: list[str]  # the branch's own details for this system


def _md(day: dt.date) -> str:
    return f"{day.month}月{day.day}日"


def _dues_details(members: list[Member]) -> list[str]:
    lines = ["党费按月交纳，标准如下（按税后月收入全额计算）："]
    for category, brackets in BRACKETS.items():
        parts, lo = [], None
        for upper, rate in brackets:
            parts.append(f"{yuan(upper)}元以下（含）{percent(rate)}" if upper is not None else f"{yuan(lo)}元以上{percent(rate)}")
            lo = upper
        lines.append(f"{CATEGORY_ZH[category]}：" + "，".join(parts) + "。")
    lines.append("学生、下岗失业、农民党员按月交纳0.2元至1元（本支部默认："
                 + "，".join(f"{CATEGORY_ZH[c]}{yuan(f)}元" for c, f in FIXED_DEFAULT_FEN.items()) + "）。")
    counts = Counter(m.dues_category for m in members)
    if counts:
        lines.append("本支部党员交纳类别：" + "，".join(f"{CATEGORY_ZH[c]}{n}名" for c, n in counts.items() if c in CATEGORY_ZH) + "。")
    lines.append("党费按季度全额上缴上级党委，每年至少向党员公布一次收缴情况。")
    return lines


def _points_details(branch: Branch) -> list[str]:
    view = scheme_view(branch)
    applying = [r for r in view["rules"] if r["applies"]]
    if view["scheme"] is None and not applying:
        return ["本支部尚未设定党员积分办法。"]
    lines = []
    if view["scheme"] is not None:
        scheme = view["scheme"]
        lines.append(f"党员积分依据经确认的记实计算，{PUBLISH_ZH.get(scheme['publish_every'], '定期')}向党员公布一次；"
                     "每名党员只看到本人积分和积分办法，不排名、不比较。")
        if scheme["absence_deduction"]:
            lines.append(f"无故缺席组织生活每次扣{abs(scheme['absence_deduction'])}分。")
    for r in applying:
        cap = f"，每期最多{r['cap_per_period']}分" if r["cap_per_period"] else ""
        lines.append(f"{r['title']}：{r['points']}分{cap}。")
    return lines


def rulebook(branch: Branch, year: int, today: dt.date) -> dict:
    data = basic_systems()
    members = db.session.scalars(sa.select(Member).where(
        Member.branch_id == branch.id, sa.or_(Member.left_on.is_(None), Member.left_on > today))
        .order_by(Member.id)).all()
    per_group = Counter(m.group_id for m in members)
    roles = db.session.scalars(sa.select(BranchRole).where(BranchRole.branch_id == branch.id)
                               .order_by(BranchRole.starts_on, BranchRole.id)).all()
    officers = [f"{ROLE_ZH[r.role]}：{r.member.name}" for r in roles if r.is_current(today) and r.role in ROLE_ZH]

    plan = plan_view(branch, year)
    days = [local_day(m["event"].starts_at) if m["event"] else m["rule_date"] for m in plan["months"]]
    lo = dt.datetime(year, 1, 1, tzinfo=CHINA)
    hi = dt.datetime(year + 1, 1, 1, tzinfo=CHINA)
    meetings = Counter(db.session.scalars(sa.select(Event.kind).where(
        Event.branch_id == branch.id, Event.kind.in_(list(MEETING_KINDS)), Event.status != EventStatus.cancelled,
        Event.starts_at >= lo, Event.starts_at < hi)))

    details: dict[int, list[str]] = {n: [] for n in range(1, 9)}
    if branch.groups:
        details[1].append("本支部党小组：" + "，".join(f"{g.name}（{per_group.get(g.id, 0)}名党员）" for g in branch.groups) + "。")
    else:
        details[1].append("本支部未设党小组。")
    if meetings:
        details[1].append(f"{year}年已安排或召开：" + "，".join(f"{label}{meetings[k]}次" for k, label in MEETING_KINDS.items()
                                                      if meetings.get(k)) + "。")
    details[4].append(f"{year}年统一活动日：" + "，".join(_md(d) for d in days) + "。")
    details[7].extend(_points_details(branch))
    details[8].extend(_dues_details(members))

    systems = [System(s["number"], s["title"], s["items"], s["short"], details[s["number"]]) for s in data["systems"]]
    featured = [{"title": t.title, "summary": t.summary, "adopted_on": a.adopted_on,
                 "schedule": [f"{e.title}：{e.schedule.describe_zh()}" for e in t.events],
                 "posts": [f"{p.title}（{CADENCE_ZH[p.cadence]}记实）"
                           for p in t.assignments]}
                for a, t in adopted_templates(branch.id)]
    return {"title": data["title"], "preface": data["preface"], "branch": branch.name,
            "committee": branch.committee.name, "sector": SECTOR_ZH[branch.sector], "year": year,
            "today": today, "members": len(members), "officers": officers, "systems": systems, "featured": featured}

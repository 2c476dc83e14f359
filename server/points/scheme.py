"""The points computation, pure (no database): what each confirmed record earns under a scheme.

Keys (what a confirmed entry earns; docs/decisions.md):
- attendance at an event: `featured:<code>` when the event belongs to a featured system
  (Event.featured_system), else `event:<EventKind value>`;
- any other record: `record:<RecordKind value>` (study, service, reward, punishment,
  role_performance, outstanding_deed);
- dues paid in full for a month: `dues:month`, one line per month;
- an unexcused absence (expected at a held event, no attendance record, no approved leave):
  `absence`, minus the scheme's deduction.

Every point is traceable: `compute` returns one line per entry (naming its record, event or month)
and the total is the sum of the lines. A cap limits what one key adds per member and period (in
absolute value); the line that reaches it gets what is left, later lines show 0 and `capped`.
Who is expected at an event mirrors server/events/attendance.py `events_expected_for`
(tests/server/test_points_api.py pins the two together).
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable

from server.core.enums import EventKind, RecordKind

ABSENCE = "absence"
DUES_MONTH = "dues:month"
BRANCH_SOURCE = "branch"

# Record kinds that earn through their own key (attendance earns through its event; dues through payments).
RECORD_KINDS = tuple(k.value for k in RecordKind if k not in (RecordKind.attendance, RecordKind.dues))

EVENT_ZH = {
    "branch_committee_meeting": "支委会", "group_meeting": "党小组会", "general_assembly": "党员大会",
    "party_lecture": "党课", "activity_day": "统一活动日", "org_life_meeting": "组织生活会",
    "evaluation_meeting": "民主评议党员大会", "training": "培训班", "lecture": "专题讲座", "report_meeting": "报告会",
    "discussion": "专题研讨", "online_study": "网上学习", "featured_activity": "特色活动", "other": "其他活动",
}
RECORD_ZH = {"study": "学习", "service": "志愿服务", "reward": "奖励", "punishment": "处分",
             "role_performance": "发挥作用情况", "outstanding_deed": "突出事迹"}

# The suggested scheme ("use the suggested scheme"): data, not code. Attendance at each basic
# meeting 2, study 1 (at most 10 a period), service 2 (at most 12), outstanding deed 5, reward 5,
# punishment -10, each month's dues paid in full 1, an unexcused absence -2; published quarterly.
SUGGESTED_PUBLISH_EVERY = "quarter"
SUGGESTED_ABSENCE_DEDUCTION = 2
SUGGESTED_RULES = (
    {"key": "event:branch_committee_meeting", "title": "参加支委会", "points": 2, "cap_per_period": None},
    {"key": "event:general_assembly", "title": "参加党员大会", "points": 2, "cap_per_period": None},
    {"key": "event:group_meeting", "title": "参加党小组会", "points": 2, "cap_per_period": None},
    {"key": "event:party_lecture", "title": "参加党课", "points": 2, "cap_per_period": None},
    {"key": "event:activity_day", "title": "参加统一活动日", "points": 2, "cap_per_period": None},
    {"key": "event:org_life_meeting", "title": "参加组织生活会", "points": 2, "cap_per_period": None},
    {"key": "event:evaluation_meeting", "title": "参加民主评议党员大会", "points": 2, "cap_per_period": None},
    {"key": "event:training", "title": "参加培训班", "points": 1, "cap_per_period": 10},
    {"key": "record:study", "title": "学习记实", "points": 1, "cap_per_period": 10},
    {"key": "record:service", "title": "服务记实", "points": 2, "cap_per_period": 12},
    {"key": "record:outstanding_deed", "title": "突出事迹", "points": 5, "cap_per_period": None},
    {"key": "record:reward", "title": "受到奖励", "points": 5, "cap_per_period": None},
    {"key": "record:punishment", "title": "受到处分", "points": -10, "cap_per_period": None},
    {"key": DUES_MONTH, "title": "按月足额交纳党费", "points": 1, "cap_per_period": None},
)


def key_catalogue() -> list[dict]:
    """The keys a branch's own rule may name, with their Chinese labels (featured keys come from templates)."""
    keys = [{"key": f"event:{k.value}", "label": f"参加{EVENT_ZH.get(k.value, k.value)}"} for k in EventKind]
    keys += [{"key": f"record:{k}", "label": RECORD_ZH.get(k, k)} for k in RECORD_KINDS]
    keys.append({"key": DUES_MONTH, "label": "按月足额交纳党费"})
    return keys


def is_known_key(key: str) -> bool:
    """A key a rule may name: the catalogue's, or `featured:<code>` of a featured-system template."""
    if key.startswith("featured:"):
        return len(key) > len("featured:")
    return any(k["key"] == key for k in key_catalogue())


def attendance_key(event_kind: str, featured_system: str | None) -> str:
    return f"featured:{featured_system}" if featured_system else f"event:{event_kind}"


# --- rules -----------------------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class RuleFact:
    key: str
    title: str
    points: int
    cap_per_period: int | None = None
    source: str = BRANCH_SOURCE


def effective_rules(rules: Iterable[RuleFact]) -> dict[str, RuleFact]:
    """One rule per key: the branch's own wins over a template's; among templates, the first by source."""
    chosen: dict[str, RuleFact] = {}
    for r in sorted(rules, key=lambda r: (r.source != BRANCH_SOURCE, r.source)):
        chosen.setdefault(r.key, r)
    return chosen


# --- facts -----------------------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class MemberFact:
    id: int
    name: str
    branch_id: int
    group_id: int | None = None
    left_on: dt.date | None = None
    posts: tuple[tuple[dt.date, dt.date | None], ...] = ()  # branch-committee posts at the home branch
    floating: tuple[tuple[int, dt.date, dt.date | None], ...] = ()  # (host branch, starts, ends)

    def hosts_on(self, day: dt.date) -> set[int]:
        return {host for host, start, end in self.floating if start <= day and (end is None or day <= end)}

    def holds_post_on(self, day: dt.date) -> bool:
        return any(start <= day and (end is None or day <= end) for start, end in self.posts)


@dataclasses.dataclass(frozen=True)
class EventFact:
    id: int
    branch_id: int
    kind: str
    day: dt.date
    title: str
    status: str = "held"
    group_id: int | None = None
    featured_system: str | None = None

    def held(self, today: dt.date) -> bool:
        """Held: marked so, or a planned event whose day is past; never a cancelled one."""
        return self.status != "cancelled" and (self.status == "held" or self.day < today)


@dataclasses.dataclass(frozen=True)
class RecordFact:
    """A confirmed record of the member (attendance carries its event)."""

    id: int
    member_id: int
    kind: str
    day: dt.date
    title: str
    event_id: int | None = None


def is_expected(member: MemberFact, event: EventFact) -> bool:
    """Whether the member was expected at the event (attendance.py's events_expected_for, for one pair)."""
    day = event.day
    if member.left_on is not None and member.left_on < day:
        return False
    hosts = member.hosts_on(day)
    if event.branch_id == member.branch_id:
        if hosts:
            return False  # floating elsewhere that day: expected at the host
        if event.kind == EventKind.branch_committee_meeting.value and not member.holds_post_on(day):
            return False
        if event.kind == EventKind.group_meeting.value and event.group_id not in (None, member.group_id):
            return False
        return True
    return event.branch_id in hosts and event.kind not in (EventKind.group_meeting.value,
                                                           EventKind.branch_committee_meeting.value)


# --- earnings and lines ----------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Earning:
    """One entry that may earn (or cost) points, before the rules are applied."""

    key: str
    title: str
    day: dt.date
    record_id: int | None = None
    event_id: int | None = None
    month: str | None = None  # "YYYY-MM" for dues


def earnings_of(member: MemberFact, records: Iterable[RecordFact], events: Iterable[EventFact],
                attended: set[int], excused: set[int], dues_months: Iterable[dt.date],
                start: dt.date, end: dt.date, today: dt.date) -> list[Earning]:
    """The member's entries of the period [start, end]: confirmed records, full months of dues,
    and unexcused absences (`attended`/`excused`: ids of events with the member's attendance record
    / approved leave, whatever its confirmation)."""
    by_id = {e.id: e for e in events}
    out = []
    for r in records:
        if r.member_id != member.id or not start <= r.day <= end:
            continue
        if r.kind == RecordKind.attendance.value:
            event = by_id.get(r.event_id)
            if event is None:
                continue
            out.append(Earning(attendance_key(event.kind, event.featured_system), event.title, r.day,
                               record_id=r.id, event_id=event.id))
        elif r.kind in RECORD_KINDS:
            out.append(Earning(f"record:{r.kind}", r.title, r.day, record_id=r.id))
    for month in dues_months:
        if start <= month <= end:
            out.append(Earning(DUES_MONTH, f"{month.year}年{month.month}月党费", month, month=f"{month:%Y-%m}"))
    for event in by_id.values():
        if (start <= event.day <= end and event.day <= today and event.held(today) and is_expected(member, event)
                and event.id not in attended and event.id not in excused):
            out.append(Earning(ABSENCE, f"未请假缺席：{event.title}", event.day, event_id=event.id))
    return out


def compute(earnings: Iterable[Earning], rules: dict[str, RuleFact], absence_deduction: int) -> dict:
    """The member's lines and total. Entries without a rule earn nothing and are left out."""
    used: dict[str, int] = {}
    lines = []
    for e in sorted(earnings, key=lambda e: (e.day, e.key, e.record_id or 0, e.event_id or 0, e.month or "")):
        if e.key == ABSENCE:
            if absence_deduction <= 0:
                continue
            rule_title, points, capped = "未请假缺席", -absence_deduction, False
        else:
            rule = rules.get(e.key)
            if rule is None:
                continue
            rule_title, points, capped = rule.title, rule.points, False
            if rule.cap_per_period is not None:
                left = max(rule.cap_per_period - used.get(e.key, 0), 0)
                if abs(points) > left:
                    points, capped = (left if points > 0 else -left), True
                used[e.key] = used.get(e.key, 0) + abs(points)
        lines.append({"key": e.key, "rule": rule_title, "title": e.title, "date": e.day.isoformat(),
                      "record_id": e.record_id, "event_id": e.event_id, "month": e.month,
                      "points": points, "capped": capped})
    return {"total": sum(line["points"] for line in lines), "lines": lines}

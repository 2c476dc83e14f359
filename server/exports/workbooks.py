"""The workbooks themselves, each through server/core/xlsx.py (`table_sheet` writes every cell with
`put`, so a member named "=HYPERLINK(...)" stays a name)."""
from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from openpyxl import Workbook

from server.archive import operations as archive_ops
from server.core.db import db
from server.core.enums import EventStatus, MemberStatus
from server.core.xlsx import table_sheet
from server.events.attendance import attendance_sheet
from server.events.export import KIND_ZH, STATE_ZH
from server.events.models import Event
from server.org.models import Branch, Member
from sync import clock
from sync.clock import CHINA

STATUS_ZH = {MemberStatus.full: "正式党员", MemberStatus.probationary: "预备党员"}

# The national member-information system's roster export (花名册), in its order. The attribute is
# read when the Member model has it; columns it lacks stay empty (docs/decisions.md, "Exports").
ROSTER_COLUMNS = (
    ("姓名", "name"), ("性别", "gender"), ("民族", "ethnicity"), ("出生日期", "birth_date"),
    ("学历", "education"), ("入党日期", "admitted_on"), ("转正日期", "full_since"), ("党员状态", "status"),
    ("所在党支部", None), ("党小组", None), ("联系电话", "phone"),
)
ROSTER_WIDTHS = [6, 10, 6, 8, 12, 10, 12, 12, 10, 24, 12, 14]


def _text(value):
    """A model value as the sheet shows it: dates ISO, enums by their value, nothing as empty."""
    if value is None:
        return ""
    if isinstance(value, MemberStatus):
        return STATUS_ZH[value]
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _today_line() -> str:
    return f"导出日期：{clock.today():%Y年%m月%d日}"


def roster_members(branch_id: int) -> list[Member]:
    """The members on the branch's roll (not left), by group then as entered."""
    return list(db.session.scalars(sa.select(Member).where(Member.branch_id == branch_id, Member.left_on.is_(None))
                                   .order_by(Member.group_id, Member.id)))


def roster_workbook(branch: Branch) -> Workbook:
    rows = []
    for index, m in enumerate(roster_members(branch.id), start=1):
        row = [index]
        for header, attribute in ROSTER_COLUMNS:
            if header == "所在党支部":
                row.append(branch.name)
            elif header == "党小组":
                row.append(m.group.name if m.group else "")
            else:
                row.append(_text(getattr(m, attribute, None)))
        rows.append(row)
    full = sum(1 for m in rows if m[8] == STATUS_ZH[MemberStatus.full])
    wb = Workbook()
    table_sheet(wb, "党员花名册", f"{branch.name}党员花名册", f"{_today_line()}　共{len(rows)}人",
                ["序号", *[h for h, _ in ROSTER_COLUMNS]], rows, ROSTER_WIDTHS,
                [f"合计：党员{len(rows)}名，其中正式党员{full}名，预备党员{len(rows) - full}名。",
                 "支部书记（签字）：　　　　　　　　　　填报人：　　　　　　　　　　填报日期："])
    return wb


# --- attendance over a period ----------------------------------------------------------------------

def period_bounds(year: int, month: int | None, quarter: int | None) -> tuple[dt.date, dt.date, str]:
    """[first day, day after the last) and the period's Chinese label."""
    if month:
        first, label = dt.date(year, month, 1), f"{year}年{month}月"
        end = dt.date(year + (month == 12), month % 12 + 1, 1)
    elif quarter:
        first, label = dt.date(year, 3 * quarter - 2, 1), f"{year}年第{quarter}季度"
        end = dt.date(year + (quarter == 4), (3 * quarter) % 12 + 1, 1)
    else:
        first, end, label = dt.date(year, 1, 1), dt.date(year + 1, 1, 1), f"{year}年度"
    return first, end, label


def period_events(branch_id: int, first: dt.date, end: dt.date) -> list[Event]:
    """The branch's events of the period that have started by now and were not cancelled."""
    starts, ends = clock.china_time(first), min(clock.china_time(end), clock.now())
    return list(db.session.scalars(
        sa.select(Event).where(Event.branch_id == branch_id, Event.status != EventStatus.cancelled,
                               Event.starts_at >= starts, Event.starts_at < ends)
        .order_by(Event.starts_at, Event.id)))


def attendance_workbook(branch: Branch, year: int, month: int | None, quarter: int | None) -> Workbook:
    first, end, label = period_bounds(year, month, quarter)
    events = period_events(branch.id, first, end)
    sheets = [attendance_sheet(event) for event in events]
    people: dict[int, dict] = {}
    for sheet in sheets:
        for row in sheet:
            people.setdefault(row["member_id"], row)
    statuses = dict(db.session.execute(sa.select(Member.id, Member.status)
                                       .where(Member.id.in_(list(people)))).all()) if people else {}
    ordered = sorted(people.values(), key=lambda r: (r["floating"], r["member_id"]))
    headers = ["序号", "姓名", "身份"]
    for event in events:
        local = event.starts_at.astimezone(CHINA)
        headers.append(f"{local.month}月{local.day}日\n{KIND_ZH.get(event.kind.value, event.kind.value)}")
    headers += ["出席", "请假", "缺席", "出勤率"]
    states = [{r["member_id"]: r["state"] for r in sheet} for sheet in sheets]
    rows = []
    for index, person in enumerate(ordered, start=1):
        mid = person["member_id"]
        if person["floating"]:
            identity = "流动党员"
        else:
            identity = STATUS_ZH.get(statuses.get(mid), "")
        cells = [STATE_ZH[s[mid]] if mid in s else "—" for s in states]
        count = {zh: cells.count(zh) for zh in STATE_ZH.values()}
        expected = sum(count.values())
        rate = f"{round(100 * count['出席'] / expected)}%" if expected else "—"
        rows.append([index, person["member_name"], identity, *cells, count["出席"], count["请假"], count["缺席"], rate])
    legend = "；".join(f"{e.starts_at.astimezone(CHINA):%m月%d日} {e.title}" for e in events) or "本期间无活动"
    wb = Workbook()
    table_sheet(wb, "出勤统计", f"{branch.name}{label}党员参加组织生活出勤统计表",
                f"统计期间：{first:%Y年%m月%d日}至{end - dt.timedelta(days=1):%Y年%m月%d日}　{_today_line()}"
                "　“—”：该次活动不要求本人参加",
                headers, rows, [6, 10, 10, *[11] * len(events), 6, 6, 6, 8],
                [f"活动：{legend}", "记录人（签字）：　　　　　　　　　　支部书记（签字）："])
    return wb


# --- all members' archives ------------------------------------------------------------------------

ARCHIVE_HEADERS = ["序号", "姓名", "党员状态", "党小组", "栏目", "日期", "类别", "内容", "状态", "记录单位"]


def archives_workbook(branch: Branch, year: int | None, members: list[Member]) -> Workbook:
    """One sheet, one row per archive entry with the member's name in its own column (filterable)."""
    rows = []
    for member in members:
        data = archive_ops.archive(member, year)
        cover = data["member"]
        for section in data["sections"]:
            for item in section["items"]:
                rows.append([len(rows) + 1, member.name, cover["status_label"], cover["group_name"] or "",
                             section["title"], _text(item["date"]), item["kind_label"], item["title"],
                             item["state_label"], item["kept_by"] or branch.name])
    wb = Workbook()
    scope = f"{year}年度" if year else "全部"
    ws = table_sheet(wb, "党员档案", f"{branch.name}党员档案（{scope}）",
                     f"{_today_line()}　党员{len(members)}名，记录{len(rows)}条", ARCHIVE_HEADERS, rows,
                     [6, 10, 10, 12, 14, 12, 12, 40, 12, 18])
    if rows:
        ws.auto_filter.ref = f"A3:J{3 + len(rows)}"
    return wb

"""An event's attendance sheet (签到表) as an Excel workbook, as a branch office files it."""
from __future__ import annotations

from openpyxl import Workbook

from server.calendar.days import CHINA
from server.core.enums import MemberStatus
from server.core.xlsx import table_sheet
from server.events.models import Event

KIND_ZH = {
    "branch_committee_meeting": "支部委员会会议", "group_meeting": "党小组会", "general_assembly": "党员大会",
    "party_lecture": "党课", "activity_day": "主题党日（统一活动日）", "org_life_meeting": "组织生活会",
    "evaluation_meeting": "民主评议党员大会", "training": "培训班", "lecture": "专题讲座",
    "report_meeting": "报告会", "discussion": "专题研讨", "online_study": "网上学习", "featured_activity": "特色活动", "other": "其他活动",
}
STATE_ZH = {"present": "出席", "excused": "请假", "absent": "缺席"}
METHOD_ZH = {"event_code": "扫码签到", "card_scan": "刷活动证", "manual": "补录"}
RECORD_ZH = {"pending": "待确认", "acknowledged": "本人已核实", "confirmed": "支部已确认"}


def attendance_workbook(event: Event, rows: list[dict], statuses: dict[int, MemberStatus]) -> Workbook:
    starts, ends = event.starts_at.astimezone(CHINA), event.ends_at.astimezone(CHINA)
    table = []
    for index, row in enumerate(rows, start=1):
        if row["floating"]:
            identity = "流动党员"
        else:
            identity = "预备党员" if statuses.get(row["member_id"]) == MemberStatus.probationary else "正式党员"
        checked = row["checked_in_at"].astimezone(CHINA).strftime("%H:%M") if row["checked_in_at"] else ""
        note = "未列入应到人员" if not row["expected"] else ""
        if row["duplicate_scans"]:
            note = "；".join(filter(None, [note, f"重复扫码{row['duplicate_scans']}次"]))
        table.append([index, row["member_name"], identity, STATE_ZH[row["state"]], checked,
                      METHOD_ZH.get(row["checkin_method"] or "", ""), RECORD_ZH.get(row["record_status"] or "", ""),
                      note])
    expected = [r for r in rows if r["expected"]]
    count = {s: sum(1 for r in expected if r["state"] == s) for s in STATE_ZH}
    subtitle = (f"类型：{KIND_ZH.get(event.kind.value, event.kind.value)}　"
                f"时间：{starts:%Y年%m月%d日 %H:%M}—{ends:%H:%M}　地点：{event.place or '—'}"
                + (f"　主题：{event.theme}" if event.theme else ""))
    footer = [f"应到{len(expected)}人，实到{count['present']}人，请假{count['excused']}人，缺席{count['absent']}人。",
              "记录人（签字）：　　　　　　　　　　支部书记（签字）："]
    wb = Workbook()
    table_sheet(wb, "签到表", f"{event.branch.name}　{event.title}　签到表", subtitle,
                ["序号", "姓名", "身份", "出勤情况", "签到时间", "签到方式", "记录状态", "备注"],
                table, [6, 12, 10, 10, 10, 10, 12, 24], footer)
    return wb

"""Next steps in Chinese, as a branch office words them (the PWA may word the keys itself)."""
from __future__ import annotations

import datetime as dt

from server.calendar.days import zh_date
from server.compliance.registry import NextStep, State

STATE_ZH = {State.met: "已落实", State.due: "待落实", State.late: "逾期", State.missed: "未落实",
            State.not_applicable: "不适用"}

WHAT_ZH = {
    "branch_committee_meeting": "支委会", "group_meeting": "党小组会", "general_assembly": "党员大会",
    "party_lecture": "党课", "activity_day": "统一活动日", "org_life_meeting": "组织生活会",
    "evaluation_meeting": "民主评议党员大会",
}
MISSING_ZH = {"attendance": "考勤（签到）", "minutes": "会议记录", "report": "情况报告",
              "rectification_items": "整改事项", "announcement": "整改情况向党员通报"}

TEMPLATES = {
    "meeting.none": "{scope}{period}尚未召开{what}",
    "meeting.not_held": "{scope}{period}未召开{what}",
    "meeting.planned": "{scope}{what}已安排在{date}",
    "meeting.incomplete": "{date}的{what}缺少{missing}，补齐后方可作为落实依据",
    "group.none_in_branch": "本支部未设党小组",
    "branch.not_registered": "支部于{since}在系统登记，此前的期间不作评判",
    "minutes.no_meeting": "本月尚无已召开的会议",
    "minutes.incomplete": "{date}的{what}缺少{missing}（共{count}次会议待补齐）",
    "day.schedule": "统一活动日为{date}，须在{notice_by}前发布活动预告",
    "day.planned": "统一活动日已安排在{date}，须在{notice_by}前发布活动预告",
    "day.not_held": "统一活动日{date}未开展",
    "day.off_date": "统一活动日在{held_on}开展，按制度应为{date}",
    "day.planned_off_date": "统一活动日安排在{held_on}，按制度应为{date}，请调整",
    "day.notice_send_by": "统一活动日为{date}，须在{notice_by}前发布活动预告",
    "day.notice_overdue": "统一活动日为{date}，活动预告应在{notice_by}前发布，现已逾期，请尽快发布",
    "day.notice_missing": "{date}的统一活动日未发布活动预告",
    "day.notice_late": "活动预告于{published_on}发布，仅提前{days_ahead}天（应提前3天）",
    "plan.file_by": "{year}年度统一活动日计划须在{deadline}前报上级党委备案",
    "plan.filed_late": "{year}年度统一活动日计划于{filed_on}报备，晚于{deadline}",
    "olm.hold": "{year}年度组织生活会尚未召开（一般安排在年底）",
    "olm.date_not_approved": "组织生活会于{date}召开，提前或延期未经上级党组织同意",
    "olm.report_after_meeting": "组织生活会召开后15天内报送情况报告及会议记录",
    "olm.report_missing": "组织生活会（{date}）须在{deadline}前报送，尚缺{missing}",
    "olm.report_filed_late": "组织生活会情况报告于{filed_on}报送，晚于{deadline}",
}


def add_templates(templates: dict[str, str]) -> None:
    """A feature's next-step texts (its rules module calls this once, next to its rules)."""
    clash = templates.keys() & TEMPLATES.keys()
    if clash:
        raise ValueError(f"next-step keys defined twice: {sorted(clash)}")
    TEMPLATES.update(templates)


def _zh(value):
    if isinstance(value, dt.date):
        return zh_date(value)
    if isinstance(value, list):
        return "、".join(MISSING_ZH.get(v, v) for v in value)
    return value


def render(step: NextStep | None) -> str | None:
    if step is None:
        return None
    params = {k: _zh(v) for k, v in step.params.items()}
    params["what"] = WHAT_ZH.get(step.params.get("what"), step.params.get("what", ""))
    params["scope"] = step.params.get("group", "本支部")
    if isinstance(step.params.get("period"), str):
        params["period"] = _period_zh(step.params["period"], step.params.get("current", False))
    template = TEMPLATES.get(step.key)
    return template.format_map(_Default(params)) if template else step.key


def _period_zh(label: str, current: bool) -> str:
    """"2026-10" → 本月 (when it is this month) or 2026年10月; likewise quarters and years."""
    if "-Q" in label:
        year, quarter = label.split("-Q")
        return "本季度" if current else f"{year}年第{quarter}季度"
    if "-" in label:
        year, month = label.split("-")
        return "本月" if current else f"{year}年{int(month)}月"
    return "本年度" if current else f"{label}年度"


class _Default(dict):
    def __missing__(self, key):
        return ""

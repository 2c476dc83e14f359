"""The compliance tables as Excel workbooks, with Chinese headers, as a branch office files them."""
from __future__ import annotations

import datetime as dt

from openpyxl import Workbook

from server.compliance.messages import STATE_ZH
from server.compliance.registry import REGISTRY, SYSTEM_NAMES, State
from server.core.xlsx import table_sheet

SECTOR_ZH = {"village": "村（社区）", "agency": "机关事业单位", "enterprise": "企业和社会组织"}


def _evidence(e: dict) -> str:
    parts = []
    if e["events"]:
        parts.append(f"活动{len(e['events'])}次（编号{'、'.join(map(str, e['events']))}）")
    if e["records"]:
        parts.append(f"签到记录{e['records']}条")
    if e["minutes"]:
        parts.append(f"会议记录{len(e['minutes'])}份")
    if e["filings"]:
        parts.append(f"报送备案{len(e['filings'])}件")
    if e["rectification_items"]:
        parts.append(f"整改事项{len(e['rectification_items'])}项")
    return "；".join(parts)


def _subtitle(data: dict) -> str:
    p = data["periods"]
    warning = f"　注意：{data['calendar_warning']['text']}" if data.get("calendar_warning") else ""
    return (f"统计期间：{p['month']['label_zh']}（{p['quarter']['label_zh']}、{p['year']['label_zh']}）"
            f"　统计日期：{data['today']:%Y年%m月%d日}{warning}")


def branch_workbook(data: dict) -> Workbook:
    wb = Workbook()
    rows = []
    for index, r in enumerate(data["results"], start=1):
        scope = r["scope"]["group_name"] or ("—" if r["scope"]["kind"] == "group" else "全支部")
        deadline = r["deadline"].strftime("%Y-%m-%d") if isinstance(r["deadline"], dt.date) else ""
        rows.append([index, SYSTEM_NAMES[r["system"]], r["rule"], r["title"], r["period_zh"], scope,
                     STATE_ZH[State(r["state"])], deadline, _evidence(r["evidence"]),
                     (r["next_step"] or {}).get("text") or ""])
    summary = "　".join(f"{STATE_ZH[State(k)]}{v}项" for k, v in data["summary"].items())
    footer = [f"合计：{summary}",
              f"最近一次活动：{data['last_event_on'] or '无'}" + ("（已超过30天未开展活动）" if data["silent"] else ""),
              "支部书记（签字）：　　　　　　　　　　填报人：　　　　　　　　　　填报日期："]
    table_sheet(wb, "制度落实情况", f"{data['branch_name']}“8+X”基本制度落实情况", _subtitle(data),
                ["序号", "制度", "规则编号", "规则内容", "周期", "范围", "落实情况", "截止日期", "依据", "下一步"],
                rows, [6, 14, 14, 36, 14, 14, 10, 12, 32, 44], footer)
    return wb


def committee_workbook(data: dict) -> Workbook:
    wb = Workbook()
    rule_ids = list(REGISTRY)
    headers = ["序号", "党支部", "领域", *rule_ids, "最近活动日期", "提示"]
    rows = []
    for index, b in enumerate(data["branches"], start=1):
        note = "超过30天未开展活动" if b["silent"] else ""
        rows.append([index, b["branch_name"], SECTOR_ZH.get(b["sector"], b["sector"]),
                     *[STATE_ZH[State(b["states"][rid])] for rid in rule_ids],
                     b["last_event_on"].strftime("%Y-%m-%d") if b["last_event_on"] else "无", note])
    legend = ["规则：" + "；".join(f"{r.id} {r.title}" for r in REGISTRY.values())]
    table_sheet(wb, "支部汇总", f"{data['committee_name']}所属党支部“8+X”基本制度落实情况汇总", _subtitle(data),
                headers, rows, [6, 28, 14, *[12] * len(rule_ids), 14, 20], legend)
    return wb

"""The compliance tables as Excel workbooks, with Chinese headers, as a branch office files them."""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence

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


COMMITTEE_HEADER = "所属党委"  # the branch's own (direct parent) committee
STATE_ORDER = (State.met, State.due, State.late, State.missed, State.not_applicable)
SHEET_TITLE_FORBIDDEN = re.compile(r"[\\/*?:\[\]]")


def _tree(committee_id: int, committees: Sequence) -> tuple[dict[int, str], dict[int, int], list, dict]:
    """From the committees of the subtree (id, name, parent_id): every committee's name, its place in
    the tree read top-down (the committee, then each sub-committee followed by its own subtree, by
    id), the direct sub-committees, and each committee's whole subtree (its ids)."""
    names = {c.id: c.name for c in committees}
    children: dict[int | None, list] = {}
    for c in sorted(committees, key=lambda c: c.id):
        children.setdefault(c.parent_id, []).append(c)
    order: dict[int, int] = {}
    subtree: dict[int, set[int]] = {}

    def visit(cid: int) -> set[int]:
        order[cid] = len(order)
        subtree[cid] = {cid}.union(*(visit(child.id) for child in children.get(cid, [])))
        return subtree[cid]
    visit(committee_id)
    return names, order, children.get(committee_id, []), subtree


def _sheet_title(name: str, taken: set[str]) -> str:
    """A committee's name as a sheet's tab: without the characters Excel refuses, at most 31
    characters, not starting or ending with an apostrophe, and unlike every tab before it."""
    base = SHEET_TITLE_FORBIDDEN.sub("", name).strip().strip("'").strip()[:31] or "下级党委"
    title, n = base, 1
    while title.casefold() in taken:
        n += 1
        suffix = f"（{n}）"
        title = base[:31 - len(suffix)] + suffix
    taken.add(title.casefold())
    return title


def committee_workbook(data: dict, committees: Sequence = ()) -> Workbook:
    """The committee's table of every branch of its subtree, each with its own committee (所属党委),
    grouped by committee; and, when it has sub-committees, one summary sheet for each: its
    branches, how many rules each has met or missed, and the sub-committee's totals.

    `committees` are the committees of the subtree (objects with id, name and parent_id); without
    them only branches of the committee itself are named."""
    wb = Workbook()
    rule_ids = list(REGISTRY)
    names, order, subs, subtree = _tree(data["committee_id"], committees)
    names.setdefault(data["committee_id"], data["committee_name"])
    branches = sorted(data["branches"], key=lambda b: order.get(b["committee_id"], len(order)))
    headers = ["序号", "党支部", COMMITTEE_HEADER, "领域", *rule_ids, "最近活动日期", "提示"]
    rows = []
    for index, b in enumerate(branches, start=1):
        rows.append([index, b["branch_name"], names.get(b["committee_id"], ""), SECTOR_ZH.get(b["sector"], b["sector"]),
                     *[STATE_ZH[State(b["states"][rid])] for rid in rule_ids], _last_event(b), _note(b)])
    legend = ["规则：" + "；".join(f"{r.id} {r.title}" for r in REGISTRY.values())]
    table_sheet(wb, "支部汇总", f"{data['committee_name']}所属党支部“8+X”基本制度落实情况汇总", _subtitle(data),
                headers, rows, [6, 28, 20, 14, *[12] * len(rule_ids), 14, 20], legend)
    taken = {"支部汇总"}
    for sub in subs:
        _sub_committee_sheet(wb, data, sub.name, [b for b in branches if b["committee_id"] in subtree[sub.id]], names,
                             _sheet_title(sub.name, taken))
    return wb


def _last_event(b: dict) -> str:
    return b["last_event_on"].strftime("%Y-%m-%d") if b["last_event_on"] else "无"


def _note(b: dict) -> str:
    return "超过30天未开展活动" if b["silent"] else ""


def _sub_committee_sheet(wb: Workbook, data: dict, name: str, branches: list[dict], names: dict[int, str],
                         sheet_title: str) -> None:
    """A sub-committee's summary: one row per branch of its subtree with how many rules are in each
    state and which are missed or late; below, the totals and, per rule, how many branches missed it."""
    rows = []
    for index, b in enumerate(branches, start=1):
        behind = [rid for rid in REGISTRY if b["states"][rid] in (State.missed.value, State.late.value)]
        rows.append([index, b["branch_name"], names.get(b["committee_id"], ""), SECTOR_ZH.get(b["sector"], b["sector"]),
                     *[b["summary"][s.value] for s in STATE_ORDER], "、".join(behind) or "无",
                     _last_event(b), _note(b)])
    totals = {s: sum(b["summary"][s.value] for b in branches) for s in STATE_ORDER}
    silent = sum(1 for b in branches if b["silent"])
    behind = sum(1 for b in branches if b["summary"][State.missed.value] or b["summary"][State.late.value])
    per_rule = []
    for rid in REGISTRY:
        missed = sum(1 for b in branches if b["states"][rid] == State.missed.value)
        late = sum(1 for b in branches if b["states"][rid] == State.late.value)
        if missed or late:
            per_rule.append(f"{rid} 未落实{missed}个、逾期{late}个")
    footer = [f"合计：党支部{len(branches)}个，其中超过30天未开展活动{silent}个、有未落实或逾期规则{behind}个；"
              + "、".join(f"{STATE_ZH[s]}{n}项" for s, n in totals.items()),
              "各规则未落实或逾期的党支部数：" + ("；".join(per_rule) or "无")]
    table_sheet(wb, sheet_title, f"{name}所属党支部“8+X”基本制度落实情况汇总", _subtitle(data),
                ["序号", "党支部", COMMITTEE_HEADER, "领域", *(f"{STATE_ZH[s]}（项）" for s in STATE_ORDER),
                 "未落实或逾期的规则", "最近活动日期", "提示"],
                rows, [6, 28, 20, 14, 10, 10, 10, 10, 10, 36, 14, 20], footer, first=False)

"""Reading the workbook a branch office keeps (openpyxl, read-only, streamed) and the blank template.

Three kinds of sheet, recognised by their header row, not their names (offices rename sheets):
the roster (花名册: has 姓名), historical meetings (历史会议: has 会议类型) and branches and groups
(支部和党小组: has 党支部, neither 姓名 nor 会议类型). Headers are matched after removing spaces
(full-width too) and "*" marks, through the aliases below (the national member-information
system's export and the usual office variants). Cells are read as stored values: a formula is
never evaluated, its last cached value is read (data_only), and none is written back anywhere.

Parsing only turns cells into Python values and names problems; what the values mean (does the
branch exist, is the member already known) is decided in operations.py.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import io
import re
import zipfile
from collections.abc import Iterator

from openpyxl import Workbook, load_workbook

ROSTER, BRANCHES, MEETINGS = "roster", "branches", "meetings"

# Canonical header → aliases (compared after `_norm`).
COLUMNS = {
    ROSTER: {
        "姓名": ("姓名",),
        "性别": ("性别",),
        "民族": ("民族",),
        "出生日期": ("出生日期", "出生年月日", "出生时间"),
        "学历": ("学历", "文化程度", "最高学历", "全日制学历"),
        "入党日期": ("入党日期", "入党时间", "加入党组织日期", "入党年月日"),
        "转正日期": ("转正日期", "转正时间", "转为正式党员日期"),
        "人员类别": ("人员类别", "党员状态", "党员类别", "党籍状态"),
        "所在党支部": ("所在党支部", "所在支部", "党支部", "支部名称", "所在党组织"),
        "党小组": ("党小组", "所在党小组"),
        "联系电话": ("联系电话", "手机号码", "手机号", "联系方式", "手机"),
        "公民身份号码": ("公民身份号码", "身份证号码", "身份证号", "居民身份证号码", "身份证"),
    },
    BRANCHES: {
        "上级党委": ("上级党委", "上级党组织", "所属党委"),
        "党支部": ("党支部", "支部名称", "党组织名称"),
        "领域": ("领域", "类型", "党组织类型"),
        "党小组": ("党小组", "党小组名称"),
    },
    MEETINGS: {
        "党支部": ("党支部", "所在党支部", "支部名称"),
        "会议类型": ("会议类型", "会议类别", "会议形式"),
        "日期": ("日期", "会议日期", "召开日期", "时间"),
        "主题": ("主题", "会议主题", "内容", "标题"),
        "党小组": ("党小组",),
        "参会人数": ("参会人数", "实到人数", "出席人数"),
        "参会人员": ("参会人员", "出席人员", "参会名单"),
    },
}
REQUIRED = {
    ROSTER: ("姓名", "人员类别", "所在党支部"),
    BRANCHES: ("党支部",),
    MEETINGS: ("党支部", "会议类型", "日期"),
}
SHEET_TITLES = {ROSTER: "花名册", BRANCHES: "支部和党小组", MEETINGS: "历史会议"}
DATE_COLUMNS = {"出生日期", "入党日期", "转正日期", "日期"}
HEADER_SEARCH_ROWS = 5  # a title row or two above the headers, as exports often have
MAX_COLUMNS = 40


class WorkbookError(Exception):
    """The file is not a workbook this reader can open (the message is for the user, in Chinese)."""


def _norm(text) -> str:
    return re.sub(r"[\s\u3000*＊]", "", str(text or ""))


_ALIASES = {kind: {_norm(a): canon for canon, aliases in cols.items() for a in aliases}
            for kind, cols in COLUMNS.items()}


@dataclasses.dataclass
class Row:
    number: int  # the row number a spreadsheet program shows
    cells: dict[str, object]  # canonical header → raw value (None when blank)


@dataclasses.dataclass
class Sheet:
    kind: str
    title: str
    header_row: int
    columns: dict[int, str]  # column index (0-based) → canonical header
    missing: list[str]  # required headers not found
    rows: Iterator[Row]


# The column that tells each kind apart, tried in this order.
_MARKS = ((ROSTER, {"姓名"}), (MEETINGS, {"会议类型"}), (BRANCHES, {"党支部"}))


def _kind_of(names: set[str]) -> str | None:
    for kind, marks in _MARKS:
        if marks <= {_ALIASES[kind][n] for n in names if n in _ALIASES[kind]}:
            return kind
    return None


def _header_of(values) -> dict[int, str]:
    return {i: _norm(v) for i, v in enumerate(values[:MAX_COLUMNS]) if _norm(v)}


def open_workbook(data: bytes):
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise WorkbookError("文件不是 Excel 工作簿（.xlsx）。")
    try:
        return load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise WorkbookError("无法读取该 Excel 工作簿，请用 Excel 或 WPS 另存为 .xlsx 后再试。") from exc


def sheets(workbook) -> Iterator[Sheet]:
    """Each recognised sheet with a lazy iterator over its non-blank data rows."""
    for ws in workbook.worksheets:
        rows = ws.iter_rows(values_only=True)
        head: list[tuple] = []
        found = None
        for number, values in enumerate(rows, start=1):
            head.append(values)
            kind = _kind_of(set(_header_of(values).values()))
            if kind:
                found = (kind, number, values)
            if found or number >= HEADER_SEARCH_ROWS:
                break
        if not found:
            continue
        kind, header_row, values = found
        aliases = _ALIASES[kind]
        columns: dict[int, str] = {}
        for index, name in _header_of(values).items():
            if name in aliases and aliases[name] not in columns.values():
                columns[index] = aliases[name]
        missing = [c for c in REQUIRED[kind] if c not in columns.values()]

        def data_rows(rows=rows, start=header_row, columns=columns):
            for number, values in enumerate(rows, start=start + 1):
                cells = {}
                for index, canon in columns.items():
                    value = values[index] if index < len(values) else None
                    if isinstance(value, str):
                        value = value.strip() or None
                    cells[canon] = value
                if any(v is not None for v in cells.values()):
                    yield Row(number, cells)

        yield Sheet(kind, ws.title, header_row, columns, missing, data_rows())


# --- cell values ---------------------------------------------------------------------------------

_DATE_PATTERNS = (
    re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)


def parse_date(value) -> dt.date:
    """A date cell (a date, a datetime, or text like 2020-01-05, 2020/1/5, 2020.01.05, 2020年1月5日,
    20200105); ValueError otherwise."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    if re.fullmatch(r"\d{8}\.0", text):
        text = text[:-2]
    for pattern in _DATE_PATTERNS:
        match = pattern.match(text)
        if match:
            return dt.date(*map(int, match.groups()))
    raise ValueError(text)


def text_of(value) -> str | None:
    """A cell as text: numbers typed into text columns (phones, ID numbers) lose their ".0"."""
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip() or None


# --- the blank template --------------------------------------------------------------------------

EXAMPLES = {
    BRANCHES: [("示例镇党委", "示例村党支部", "农村社区", "第一党小组")],
    ROSTER: [("张三", "男", "汉族", "1980-05-01", "大学本科", "2005-07-01", "2006-07-01", "正式党员",
              "示例村党支部", "第一党小组", "13800000000", "")],
    MEETINGS: [("示例村党支部", "支委会", "2026-01-05", "研究一月工作", "", 5, "")],
}


def template() -> Workbook:
    """The blank workbook: one sheet per kind with its headers (required ones in red), one example
    row each in grey italics, and a sheet of notes. The example names a branch that does not
    exist, so a file with it left in is refused by the check, which names the row."""
    from openpyxl.styles import Font

    from server.core.xlsx import put

    wb = Workbook()
    first = True
    for kind in (BRANCHES, ROSTER, MEETINGS):
        ws = wb.active if first else wb.create_sheet()
        first = False
        ws.title = SHEET_TITLES[kind]
        for col, header in enumerate(COLUMNS[kind], start=1):
            cell = put(ws, 1, col, header)
            cell.font = Font(bold=True, color="C00000" if header in REQUIRED[kind] else "000000")
            ws.column_dimensions[cell.column_letter].width = max(10, 2 * len(header) + 4)
        for r, row in enumerate(EXAMPLES[kind], start=2):
            for col, value in enumerate(row, start=1):
                put(ws, r, col, value if value != "" else None).font = Font(italic=True, color="808080")
        ws.freeze_panes = "A2"
    notes = wb.create_sheet("填写说明")
    lines = [
        "红色表头为必填项；第2行为示例，导入前请删除。",
        "日期写作 2020-01-05、2020/1/5 或 2020年1月5日。",
        "人员类别：正式党员 或 预备党员；预备党员须填入党日期，不填转正日期。",
        "领域：农村社区、机关事业单位 或 企业社会组织。",
        "会议类型：支委会、党员大会、党小组会、党课、主题党日、组织生活会、民主评议、其他；党小组会须填党小组。",
        "出生日期与公民身份号码至少填一项；身份证号只保存脱敏形式（前6位和后4位）。",
        "同一文件重复导入不会重复登记：已有党员按身份证号（或支部+姓名+出生日期）识别。",
    ]
    for r, line in enumerate(lines, start=1):
        put(notes, r, 1, line)
    notes.column_dimensions["A"].width = 100
    return wb

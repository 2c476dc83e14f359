"""Spreadsheets in the layout a branch office files: a title row, a subtitle, a bordered table with a
frozen header, fitted column widths, A4 printing. Used by the compliance and attendance exports.

Every cell is written by `put`, which keeps user text as text: openpyxl turns any string starting
with "=" into a formula, and spreadsheet programs treat text starting with "+", "-" or "@" as
one when it is edited (OWASP's "CSV injection"). Such text is stored as a string cell with Excel's
quote prefix, so a member named "=HYPERLINK(...)" stays a name."""
from __future__ import annotations

import io
from collections.abc import Sequence

from flask import make_response
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FONT = "宋体"
THIN = Side(style="thin", color="000000")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
HEADER_FILL = PatternFill("solid", fgColor="D9D9D9")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
STATE_FILLS = {"已落实": "C6EFCE", "待落实": "FFF2CC", "逾期": "FCE4D6", "未落实": "FFC7CE", "不适用": "EDEDED"}


def put(ws, row: int, column: int, value):
    """Write one cell; text is always text, never a formula (see the module's docstring)."""
    cell = ws.cell(row=row, column=column, value=value)
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        cell.data_type = "s"
        cell.quotePrefix = True
    return cell


def table_sheet(wb: Workbook, sheet_title: str, title: str, subtitle: str, headers: Sequence[str],
                rows: Sequence[Sequence], widths: Sequence[int], footer: Sequence[str] = (), first: bool = True):
    ws = wb.active if first else wb.create_sheet()
    ws.title = sheet_title[:31]
    columns = len(headers)
    last = get_column_letter(columns)
    ws.merge_cells(f"A1:{last}1")
    put(ws, 1, 1, title)
    ws["A1"].font = Font(name=FONT, size=16, bold=True)
    ws["A1"].alignment = Alignment(horizontal="center", vertical="center")
    ws.row_dimensions[1].height = 30
    ws.merge_cells(f"A2:{last}2")
    put(ws, 2, 1, subtitle)
    ws["A2"].font = Font(name=FONT, size=10)
    ws["A2"].alignment = Alignment(horizontal="left", vertical="center")
    for col, header in enumerate(headers, start=1):
        cell = put(ws, 3, col, header)
        cell.font = Font(name=FONT, size=11, bold=True)
        cell.fill = HEADER_FILL
        cell.border = BORDER
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for r, row in enumerate(rows, start=4):
        for col, value in enumerate(row, start=1):
            cell = put(ws, r, col, value)
            cell.font = Font(name=FONT, size=10)
            cell.border = BORDER
            cell.alignment = Alignment(vertical="center", wrap_text=True)
            if isinstance(value, str) and value in STATE_FILLS:
                cell.fill = PatternFill("solid", fgColor=STATE_FILLS[value])
                cell.alignment = Alignment(horizontal="center", vertical="center")
    for col, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(col)].width = width
    below = 4 + len(rows) + 1
    for offset, line in enumerate(footer):
        ws.merge_cells(start_row=below + offset, start_column=1, end_row=below + offset, end_column=columns)
        cell = put(ws, below + offset, 1, line)
        cell.font = Font(name=FONT, size=10)
    ws.freeze_panes = "A4"
    ws.print_title_rows = "3:3"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if columns > 6 else "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    return ws


def xlsx_response(wb: Workbook, filename: str, ascii_name: str):
    from urllib.parse import quote

    buffer = io.BytesIO()
    wb.save(buffer)
    response = make_response(buffer.getvalue())
    response.headers["Content-Type"] = XLSX
    response.headers["Content-Disposition"] = (
        f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}")
    return response

"""The year's 党费收缴台账 as an Excel workbook, in the layout a branch office files: the title row
with the branch and the year; 序号, 姓名, 类别/计缴基数, 月缴纳额, 1月…12月, 合计, 备注; a totals
row. Amounts in yuan (two decimals, from integer fen through Decimal); every text cell through
server/core/xlsx.py's `put`, so a member's name can never become a formula."""
from __future__ import annotations

from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Font

from server.core.xlsx import table_sheet, xlsx_response
from server.dues import operations
from server.org.models import Branch
from sync import clock

HEADERS = ["序号", "姓名", "类别/计缴基数", "月缴纳额", *[f"{m}月" for m in range(1, 13)], "合计", "备注"]
WIDTHS = [6, 10, 22, 10, *[8] * 12, 11, 30]
MONEY = "#,##0.00"


def _yuan(fen: int | None) -> Decimal | None:
    return None if fen is None else (Decimal(fen) / 100).quantize(Decimal("0.01"))


def ledger_workbook(table: dict) -> Workbook:
    rows = []
    for index, r in enumerate(table["rows"], start=1):
        rows.append([index, r["name"], r["basis"], _yuan(r["monthly_fen"]), *[_yuan(v) for v in r["months"]],
                     _yuan(r["total_fen"]), r["note"]])
    rows.append(["", "合计", f"{len(table['rows'])}人", None, *[_yuan(v) for v in table["month_totals"]],
                 _yuan(table["total_fen"]), ""])
    wb = Workbook()
    today = clock.today()
    ws = table_sheet(wb, f"{table['year']}年党费台账", f"{table['branch_name']}{table['year']}年度党费收缴台账",
                     f"单位：元　按党费所属月份记账（自愿多交计入该笔交纳的最后一个月）　导出日期：{today:%Y年%m月%d日}",
                     HEADERS, rows, WIDTHS)
    last = 3 + len(rows)
    for row in ws.iter_rows(min_row=4, max_row=last, min_col=4, max_col=17):
        for cell in row:
            cell.number_format = MONEY
    for cell in ws[last]:
        cell.font = Font(name=cell.font.name, size=10, bold=True)
    return wb


def ledger_xlsx(branch: Branch, year: int):
    table = operations.ledger_table(branch, year)
    return xlsx_response(ledger_workbook(table), f"{branch.name}{year}年度党费收缴台账.xlsx",
                         f"dues-ledger-{branch.id}-{year}.xlsx")

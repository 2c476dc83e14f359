"""Workbooks for the import tests and the benchmark: the template's three sheets, filled in."""
from __future__ import annotations

import io

from openpyxl import Workbook

ROSTER_HEADERS = ("姓名", "性别", "民族", "出生日期", "学历", "入党日期", "转正日期", "人员类别", "所在党支部", "党小组",
                  "联系电话", "公民身份号码")
BRANCH_HEADERS = ("上级党委", "党支部", "领域", "党小组")
MEETING_HEADERS = ("党支部", "会议类型", "日期", "主题", "党小组", "参会人数", "参会人员")


def id_number(prefix17: str) -> str:
    """A citizen ID number with its GB 11643 check character."""
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return prefix17 + "10X98765432"[sum(int(d) * w for d, w in zip(prefix17, weights)) % 11]


def roster_row(name, branch, *, gender="男", birth="1980-05-01", admitted="2005-07-01", full="2006-07-01",
               status="正式党员", group=None, phone="13800138000", id_no=None, ethnicity="汉族", education="大学本科"):
    return (name, gender, ethnicity, birth, education, admitted, full, status, branch, group, phone, id_no)


def workbook_bytes(roster=(), branches=(), meetings=(), roster_headers=ROSTER_HEADERS, roster_title="花名册",
                   title_row=None) -> bytes:
    wb = Workbook()
    wb.remove(wb.active)
    if branches:
        ws = wb.create_sheet("支部和党小组")
        ws.append(BRANCH_HEADERS)
        for row in branches:
            ws.append(row)
    if roster is not None:
        ws = wb.create_sheet(roster_title)
        if title_row:
            ws.append((title_row,))
        ws.append(roster_headers)
        for row in roster:
            ws.append(row)
    if meetings:
        ws = wb.create_sheet("历史会议")
        ws.append(MEETING_HEADERS)
        for row in meetings:
            ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()

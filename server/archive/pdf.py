"""The archive as an A4 PDF: a cover with the member's data, then the sections as tables, each
page numbered "第 n 页 共 N 页" and carrying a QR signed with the server's card key over the
member, the day printed, the page and the records on it (sync/archive.py).

The pages are laid out first (`paginate`), so that each page's QR can name exactly the rows
printed on it and the digest of its printed lines; then drawn with reportlab's canvas. Text is
the embedded CJK font (server/core/pdf.py), so it is extractable; the QR is vector squares.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import io

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen import canvas

from server.archive.operations import STATE_CODES
from server.cards.printing import _draw_qr
from server.cards.signing import _private_key
from server.core.pdf import cjk_font
from sync.archive import (
    BRANCH_LEN,
    MAX_QR_TEXT_LEN,
    NAME_LEN,
    TITLE_LEN,
    ArchivePage,
    ArchiveRow,
    b64url,
    clean,
    lines_digest,
    qr_text_length,
    sign_archive_page,
)

PAGE_W, PAGE_H = A4
MARGIN = 18 * mm
LINE_H = 7.5 * mm
# The body's height in lines: a row or "no record" line is 1, a heading 2.3 (its gap, itself and
# the table's header row); plus the header row of a table continued from the page before.
LINES_PER_PAGE = 25
WEIGHTS = {"row": 1.0, "empty": 1.0, "heading": 2.3, "field": 1.0}
QR_SIZE = 52 * mm
FOOTER_H = QR_SIZE + 8 * mm
COLUMNS = (("日期", 24 * mm), ("类别", 28 * mm), ("内容", 100 * mm), ("状态", 22 * mm))
FONT_SIZE = 10
VERIFY_HINT = "用“支部”App的“核验党员手册”扫描本页二维码，核对本页记录与手机显示一致"


@dataclasses.dataclass
class Line:
    kind: str  # "heading", "row", "empty", "field"
    text: str  # the printed text (a row's columns joined by tabs)
    cells: tuple[str, ...] = ()
    qr_row: ArchiveRow | None = None


@dataclasses.dataclass
class Page:
    lines: list[Line]
    claims: ArchivePage | None = None
    qr: str = ""


def _fit(text: str, width: float, font: str, size: float = FONT_SIZE) -> str:
    """The text cut to what fits `width` (with "…"): what is printed is what the digest covers."""
    text = clean(text)
    if stringWidth(text, font, size) <= width:
        return text
    while text and stringWidth(text + "…", font, size) > width:
        text = text[:-1]
    return text + "…"


def _zh_date(day: dt.date | None) -> str:
    return f"{day.year}年{day.month}月{day.day}日" if day else "—"


def cover_lines(data: dict, year: int | None, printed_on: dt.date, font: str) -> list[Line]:
    m = data["member"]
    floating = "；".join(f"{f['host_branch_name']}（{_zh_date(f['starts_on'])}起"
                        + (f"至{_zh_date(f['ends_on'])}）" if f["ends_on"] else "）") for f in m["floating"]) or "无"
    fields = [
        ("姓名", m["name"]), ("所在党支部", m["branch_name"]), ("党小组", m["group_name"] or "—"),
        ("党员类别", m["status_label"]), ("入党日期", _zh_date(m["admitted_on"])),
        ("转正日期", _zh_date(m["full_since"])), ("工作领域", m["work_sector"] or "—"),
        ("流动党员情况", floating), ("记实范围", f"{year}年度" if year else "全部记实"),
        ("打印日期", _zh_date(printed_on)),
    ]
    if m["left_on"]:
        fields.append(("离开本支部", _zh_date(m["left_on"])))
    lines = [Line("field", f"{label}\t{_fit(str(value), 120 * mm, font, 12)}") for label, value in fields]
    lines.append(Line("heading", "记实汇总"))
    for section in data["sections"]:
        lines.append(Line("field", f"{section['title']}\t{len(section['items'])}条"))
    return lines


def body_lines(data: dict, font: str) -> list[Line]:
    widths = [w - 2 * mm for _, w in COLUMNS]
    out = []
    for section in data["sections"]:
        out.append(Line("heading", section["title"]))
        if not section["items"]:
            out.append(Line("empty", "（无记录）"))
        for item in section["items"]:
            title = item["title"] + (f"（{item['kept_by']}）" if item["kept_by"] else "")
            cells = (item["date"].isoformat(), _fit(item["kind_label"], widths[1], font),
                     _fit(title, widths[2], font), item["state_label"])
            qr_row = ArchiveRow(item["date"], item["code"], clean(item["title"], TITLE_LEN), STATE_CODES[item["state"]])
            out.append(Line("row", "\t".join(cells), cells, qr_row))
    return out


def paginate(cover: list[Line], body: list[Line], claims_base: dict) -> list[Page]:
    """The cover, then the body lines filled page by page, at most LINES_PER_PAGE lines and a QR
    text of at most MAX_QR_TEXT_LEN (checked at the widest page numbers); a heading never ends a page."""
    pages = [Page(cover)]
    current: list[Line] = []

    def fits(lines: list[Line]) -> bool:
        rows = tuple(line.qr_row for line in lines if line.qr_row)
        probe = ArchivePage(**claims_base, page=9999, pages=9999, rows=rows, digest="A" * 43)
        height = 1 + sum(WEIGHTS[line.kind] for line in lines)
        return height <= LINES_PER_PAGE and qr_text_length(probe) <= MAX_QR_TEXT_LEN

    for index, line in enumerate(body):
        candidate = current + [line]
        if line.kind == "heading" and index + 1 < len(body):
            candidate.append(body[index + 1])  # keep a heading with its first line
        if current and not fits(candidate):
            pages.append(Page(current))
            current = []
        current.append(line)
    if current:
        pages.append(Page(current))
    return pages


def _header(name: str, branch: str) -> str:
    return f"{name} 党员手册（党员记实档案）\t{branch}"


def render(data: dict, year: int | None, printed_on: dt.date) -> tuple[bytes, int, str]:
    """(the PDF, its page count, the digest over its pages' digests)."""
    font = cjk_font()
    m = data["member"]
    name, branch = clean(m["name"], NAME_LEN), clean(m["branch_name"], BRANCH_LEN)
    base = {"member_id": m["id"], "name": name, "branch": branch, "printed_on": printed_on, "year": year}
    pages = paginate(cover_lines(data, year, printed_on, font), body_lines(data, font), base)
    key = _private_key()
    total = len(pages)
    for number, page in enumerate(pages, start=1):
        printed = [_header(m["name"], m["branch_name"])] + [line.text for line in page.lines]
        rows = tuple(line.qr_row for line in page.lines if line.qr_row)
        page.claims = ArchivePage(**base, page=number, pages=total, rows=rows, digest=lines_digest(printed))
        page.qr = sign_archive_page(page.claims, key)
    overall = b64url(hashlib.sha256("".join(p.claims.digest for p in pages).encode()).digest())

    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, pageCompression=1)
    pdf.setTitle(f"{m['name']} 党员手册" + (f" {year}年度" if year else ""))
    pdf.setAuthor(m["branch_name"])
    for number, page in enumerate(pages, start=1):
        _draw_page(pdf, page, number, total, m, printed_on, font, cover=number == 1)
        pdf.showPage()
    pdf.save()
    return buffer.getvalue(), total, overall


def _draw_page(pdf, page: Page, number: int, total: int, m: dict, printed_on: dt.date, font: str, *, cover: bool):
    top = PAGE_H - MARGIN
    pdf.setFillColorRGB(0, 0, 0)
    pdf.setFont(font, 9)
    pdf.drawString(MARGIN, top, f"{m['name']} 党员手册（党员记实档案）")
    pdf.drawRightString(PAGE_W - MARGIN, top, m["branch_name"])
    pdf.setStrokeColorRGB(0.72, 0.11, 0.11)
    pdf.line(MARGIN, top - 2.5 * mm, PAGE_W - MARGIN, top - 2.5 * mm)
    y = top - 10 * mm
    if cover:
        pdf.setFillColorRGB(0.72, 0.11, 0.11)
        pdf.setFont(font, 24)
        pdf.drawCentredString(PAGE_W / 2, y - 8 * mm, "党员手册")
        pdf.setFont(font, 12)
        pdf.drawCentredString(PAGE_W / 2, y - 16 * mm, "党员记实档案")
        pdf.setFillColorRGB(0, 0, 0)
        y -= 30 * mm
        for line in page.lines:
            if line.kind == "heading":
                y -= 4 * mm
                pdf.setFont(font, 13)
                pdf.drawString(MARGIN, y, line.text)
            else:
                label, value = line.text.split("\t", 1)
                pdf.setFont(font, 12)
                pdf.drawString(MARGIN + 6 * mm, y, f"{label}：")
                pdf.drawString(MARGIN + 42 * mm, y, value)
            y -= 8 * mm
    else:
        _draw_table(pdf, page.lines, y, font)
    # Footer: the page's QR and the words that say what it is.
    qr_x, qr_y = PAGE_W - MARGIN - QR_SIZE, 12 * mm
    _draw_qr(pdf, page.qr, qr_x, qr_y, QR_SIZE)
    pdf.setFont(font, 10)
    pdf.drawString(MARGIN, qr_y + QR_SIZE - 4 * mm, f"第 {number} 页 共 {total} 页")
    pdf.setFont(font, 8)
    pdf.drawString(MARGIN, qr_y + QR_SIZE - 11 * mm, f"打印日期：{printed_on.isoformat()}")
    hint = VERIFY_HINT
    half = len(hint) // 2
    pdf.drawString(MARGIN, qr_y + QR_SIZE - 17 * mm, hint[:half])
    pdf.drawString(MARGIN, qr_y + QR_SIZE - 21 * mm, hint[half:])


def _draw_table(pdf, lines: list[Line], y: float, font: str) -> None:
    x0 = MARGIN
    xs = [x0]
    for _, width in COLUMNS:
        xs.append(xs[-1] + width)
    need_header = True
    pdf.setStrokeColorRGB(0.6, 0.6, 0.6)
    for line in lines:
        if line.kind == "heading":
            y -= 2 * mm
            pdf.setFillColorRGB(0.72, 0.11, 0.11)
            pdf.setFont(font, 12)
            pdf.drawString(x0, y - 5 * mm, line.text)
            pdf.setFillColorRGB(0, 0, 0)
            y -= LINE_H
            need_header = True
            continue
        if line.kind == "empty":
            pdf.setFont(font, FONT_SIZE)
            pdf.drawString(x0 + 2 * mm, y - 5 * mm, line.text)
            y -= LINE_H
            continue
        if need_header:
            pdf.setFillColorRGB(0.95, 0.92, 0.92)
            pdf.rect(x0, y - LINE_H, xs[-1] - x0, LINE_H, stroke=1, fill=1)
            pdf.setFillColorRGB(0, 0, 0)
            pdf.setFont(font, FONT_SIZE)
            for (title, _), x in zip(COLUMNS, xs):
                pdf.drawString(x + 1 * mm, y - 5 * mm, title)
            y -= LINE_H
            need_header = False
        pdf.rect(x0, y - LINE_H, xs[-1] - x0, LINE_H, stroke=1, fill=0)
        pdf.setFont(font, FONT_SIZE)
        for cell, x in zip(line.cells, xs):
            pdf.drawString(x + 1 * mm, y - 5 * mm, cell)
        y -= LINE_H

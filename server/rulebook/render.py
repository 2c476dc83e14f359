"""The rulebook as PDFs: an A4 handbook (制度手册) and an A3 wall poster (制度上墙), in Chinese with
the embedded CJK font (server/core/pdf.py), text extractable. User text (names, titles) is only
ever escaped into reportlab's paragraph markup, never interpreted."""
from __future__ import annotations

import io
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A3, A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from server.calendar.days import zh_date
from server.core.pdf import cjk_font

RED = colors.HexColor("#b71c1c")


def _styles(scale: float = 1.0) -> dict[str, ParagraphStyle]:
    font = cjk_font()
    base = ParagraphStyle("base", fontName=font, fontSize=10.5 * scale, leading=16 * scale, wordWrap="CJK")
    return {
        "cover": ParagraphStyle("cover", parent=base, fontSize=26 * scale, leading=36 * scale, alignment=1, textColor=RED),
        "sub": ParagraphStyle("sub", parent=base, fontSize=14 * scale, leading=22 * scale, alignment=1),
        "h1": ParagraphStyle("h1", parent=base, fontSize=15 * scale, leading=24 * scale, spaceBefore=10 * scale,
                             spaceAfter=4 * scale, textColor=RED),
        "h2": ParagraphStyle("h2", parent=base, fontSize=12 * scale, leading=18 * scale, spaceBefore=6 * scale),
        "body": ParagraphStyle("body", parent=base, firstLineIndent=21 * scale),
        "item": ParagraphStyle("item", parent=base, leftIndent=12 * scale),
        "note": ParagraphStyle("note", parent=base, textColor=colors.HexColor("#444444"), leftIndent=12 * scale),
        "small": ParagraphStyle("small", parent=base, fontSize=9 * scale, leading=13 * scale, alignment=1,
                                textColor=colors.HexColor("#666666")),
    }


def _p(text: str, style) -> Paragraph:
    return Paragraph(escape(str(text)), style)


def _footer(label: str):
    def draw(canvas, doc):
        canvas.saveState()
        canvas.setFont(cjk_font(), 8)
        canvas.setFillColor(colors.HexColor("#888888"))
        canvas.drawCentredString(doc.pagesize[0] / 2, 10 * mm, f"{label} · 第{doc.page}页")
        canvas.restoreState()
    return draw


def handbook_pdf(book: dict) -> bytes:
    s = _styles()
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A4, leftMargin=20 * mm, rightMargin=20 * mm, topMargin=20 * mm,
                            bottomMargin=20 * mm, title=f"{book['branch']}{book['title']}", author=book["branch"],
                            subject="编订制度手册")
    story = [Spacer(1, 60 * mm), _p(book["branch"], s["sub"]), Spacer(1, 8 * mm), _p(book["title"], s["cover"]),
             Spacer(1, 10 * mm), _p(f"{book['year']}年版", s["sub"]), Spacer(1, 60 * mm),
             _p(f"上级党组织：{book['committee']}　领域：{book['sector']}", s["small"]),
             _p(f"编印日期：{book['today'].year}年{zh_date(book['today'])}", s["small"]), PageBreak()]
    story += [_p("前言", s["h1"]), _p(book["preface"], s["body"]), _p("支部基本情况", s["h2"]),
              _p(f"{book['branch']}，现有党员{book['members']}名。" + ("支部委员会：" + "；".join(book["officers"]) + "。"
                                                                 if book["officers"] else ""), s["body"])]
    story.append(_p("一、基本制度", s["h1"]))
    for system in book["systems"]:
        block = [_p(f"（{'一二三四五六七八'[system.number - 1]}）{system.title}", s["h2"])]
        block += [_p(f"{i}. {text}", s["item"]) for i, text in enumerate(system.items, 1)]
        if system.details:
            block.append(_p("本支部执行情况：", s["note"]))
            block += [_p(line, s["note"]) for line in system.details]
        story.append(KeepTogether(block[:3]))
        story += block[3:]
    story.append(_p("二、特色制度", s["h1"]))
    if not book["featured"]:
        story.append(_p("本支部尚未采用特色制度。", s["body"]))
    for i, f in enumerate(book["featured"], 1):
        story.append(_p(f"（{i}）{f['title']}", s["h2"]))
        story.append(_p(f["summary"], s["body"]))
        for line in f["schedule"] + f["posts"]:
            story.append(_p(line, s["note"]))
        story.append(_p(f"自{f['adopted_on'].year}年{zh_date(f['adopted_on'])}起采用。", s["note"]))
    doc.build(story, onFirstPage=lambda c, d: None, onLaterPages=_footer(f"{book['branch']}制度手册"))
    return out.getvalue()


def poster_pdf(book: dict) -> bytes:
    """One A3 page: the eight systems in short, two columns, and the adopted featured systems."""
    s = _styles(1.35)
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A3, leftMargin=18 * mm, rightMargin=18 * mm, topMargin=18 * mm,
                            bottomMargin=16 * mm, title=f"{book['branch']}党支部工作制度", author=book["branch"],
                            subject="制度上墙")
    width = A3[0] - 36 * mm
    cells = []
    for system in book["systems"]:
        cells.append([_p(system.title, s["h2"])] + [_p(f"· {line}", s["item"]) for line in system.short])
    rows = [cells[i:i + 2] for i in range(0, len(cells), 2)]
    table = Table(rows, colWidths=[width / 2] * 2)
    table.setStyle(TableStyle([
        ("VALIGN", (0, 0), (-1, -1), "TOP"), ("BOX", (0, 0), (-1, -1), 1.2, RED),
        ("INNERGRID", (0, 0), (-1, -1), 0.6, RED), ("LEFTPADDING", (0, 0), (-1, -1), 8),
        ("RIGHTPADDING", (0, 0), (-1, -1), 8), ("TOPPADDING", (0, 0), (-1, -1), 4), ("BOTTOMPADDING", (0, 0), (-1, -1), 8),
    ]))
    story = [_p(book["branch"], s["sub"]), _p("党支部工作“8+X”制度", s["cover"]), Spacer(1, 6 * mm), table]
    if book["featured"]:
        story += [Spacer(1, 4 * mm), _p("特色制度", s["h1"])]
        story += [_p(f"{f['title']}：" + "；".join(f["schedule"] + f["posts"]) if f["schedule"] or f["posts"] else f["title"],
                     s["item"]) for f in book["featured"]]
    story += [Spacer(1, 4 * mm), _p(f"{book['committee']} · {book['year']}年", s["small"])]
    doc.build(story)
    return out.getvalue()

"""The review material as a PDF (reportlab, the embedded CJK font, text extractable) and as a Word
document (python-docx). Both print the same blocks in Chinese; user text is escaped into
reportlab's paragraph markup and written to Word as plain runs, never interpreted."""
from __future__ import annotations

import io
from xml.sax.saxutils import escape

from docx import Document
from docx.oxml.ns import qn
from docx.shared import Pt
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

from server.core.pdf import cjk_font

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
TITLE, SUB, HEADING, FACT, TEXT = "title", "sub", "heading", "fact", "text"
NUMBERS = "一二三四"


def blocks(page: dict) -> list[tuple[str, str]]:
    """The material as (kind, text) blocks: title, the branch and state, then per section the
    generated facts and the secretary's text, then the committee's grade."""
    out = [(TITLE, f"{page['branch_name']}书记{page['year']}年度述职报告"),
           (SUB, f"述职人：{page['secretary_name'] or '—'}　上级党组织：{page['committee_name']}　状态：{page['state_zh']}"),
           (SUB, f"事实材料依据本系统{page['facts']['generated_on']}的制度落实情况生成")]
    for i, section in enumerate(page["sections"]):
        out.append((HEADING, f"{NUMBERS[i]}、{section['title']}"))
        out += [(FACT, line) for line in section["generated"]]
        out += [(TEXT, para) for para in section["text"].splitlines() if para.strip()] or [(TEXT, "（未填写）")]
    if page["grade_zh"]:
        out.append((HEADING, "上级党组织评议意见"))
        out.append((TEXT, f"评议等次：{page['grade_zh']}"))
        if page["comment"]:
            out += [(TEXT, para) for para in page["comment"].splitlines() if para.strip()]
    return out


def review_pdf(page: dict) -> bytes:
    font = cjk_font()
    base = ParagraphStyle("base", fontName=font, fontSize=11, leading=18, wordWrap="CJK")
    styles = {
        TITLE: ParagraphStyle("title", parent=base, fontSize=18, leading=28, alignment=1, spaceAfter=6),
        SUB: ParagraphStyle("sub", parent=base, fontSize=9.5, leading=14, alignment=1),
        HEADING: ParagraphStyle("heading", parent=base, fontSize=14, leading=22, spaceBefore=10, spaceAfter=4),
        FACT: ParagraphStyle("fact", parent=base, fontSize=10, leading=16, leftIndent=12),
        TEXT: ParagraphStyle("text", parent=base, firstLineIndent=22),
    }
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A4, leftMargin=22 * mm, rightMargin=22 * mm, topMargin=20 * mm,
                            bottomMargin=20 * mm, title=f"{page['branch_name']}{page['year']}年度书记述职报告",
                            author=page["branch_name"], subject="述职评议")
    story = []
    for kind, text in blocks(page):
        story.append(Paragraph(escape(("· " if kind == FACT else "") + text), styles[kind]))
        if kind == SUB and text.startswith("事实"):
            story.append(Spacer(1, 4 * mm))
    doc.build(story)
    return out.getvalue()


def review_docx(page: dict) -> bytes:
    document = Document()
    normal = document.styles["Normal"]
    normal.font.size = Pt(12)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), "宋体")
    for kind, text in blocks(page):
        if kind == TITLE:
            document.add_heading(text, level=0)
        elif kind == HEADING:
            document.add_heading(text, level=1)
        elif kind == FACT:
            document.add_paragraph(text, style="List Bullet")
        else:
            document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()

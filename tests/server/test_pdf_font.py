"""The CJK font generated PDFs embed (server/core/pdf.py)."""
from __future__ import annotations

import io

import pytest
from pypdf import PdfReader
from reportlab.pdfgen import canvas

from server import create_app
from server.core import pdf


def _app(font):
    return create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://", "PDF_FONT": font})


def test_a_configured_font_that_is_missing_names_the_fix(tmp_path):
    with _app(str(tmp_path / "none.ttf")).app_context():
        with pytest.raises(pdf.FontMissing, match="ZHIBU_PDF_FONT"):
            pdf.font_path()


def test_the_default_font_is_embedded_and_chinese_text_extracts():
    with _app(None).app_context():
        name = pdf.cjk_font()
        buffer = io.BytesIO()
        page = canvas.Canvas(buffer)
        page.setFont(name, 12)
        page.drawString(50, 800, "党员手册 红旗村党支部")
        page.save()
    reader = PdfReader(io.BytesIO(buffer.getvalue()))
    assert "党员手册 红旗村党支部" in reader.pages[0].extract_text()
    fonts = reader.pages[0]["/Resources"]["/Font"]
    # reportlab embeds TrueType subsets (256 glyphs each) with their outlines: FontFile2.
    subsets = [f.get_object() for f in fonts.values() if "WenQuanYi" in f.get_object()["/BaseFont"]]
    assert subsets and all("/FontFile2" in f["/FontDescriptor"].get_object() for f in subsets)

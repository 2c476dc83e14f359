"""The one CJK font every generated PDF embeds (the archive, the rulebook, the poster).

PDFs a member keeps or a committee files must show the same glyphs on every reader, with the
text extractable, so the font is embedded (reportlab subsets it: only the glyphs used are
stored). reportlab embeds TrueType outlines only, so the font is a TrueType file or collection:
WenQuanYi Micro Hei from Debian's `fonts-wqy-microhei` by default (the Makefile installs it),
or any TrueType CJK font named by ZHIBU_PDF_FONT. Nothing is fetched at run time.
"""
from __future__ import annotations

import os

from flask import current_app
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

FONT_NAME = "ZhibuCJK"
DEFAULT_FONT_PATHS = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
)


class FontMissing(RuntimeError):
    """No TrueType CJK font is installed: the PDF cannot be made (a 503 for the client)."""


def font_path() -> str:
    configured = current_app.config.get("PDF_FONT")
    candidates = (configured,) if configured else DEFAULT_FONT_PATHS
    for path in candidates:
        if path and os.path.isfile(path):
            return path
    raise FontMissing(
        "no TrueType CJK font found: install Debian's fonts-wqy-microhei or set ZHIBU_PDF_FONT"
    )


def cjk_font() -> str:
    """Register the embedded CJK font once per process and return its reportlab name."""
    if FONT_NAME not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(FONT_NAME, font_path(), subfontIndex=0))
    return FONT_NAME

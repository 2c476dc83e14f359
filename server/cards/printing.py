"""Printable activity cards (ID-1 size) for members without smartphones: an A4 sheet of a branch's
cards (8 per page), or one member's card on A4 in the sheet's first place (`card_pdf`).

The QR code is drawn as vector squares from the `qrcode` package's matrix, so it stays sharp on
any printer. Chinese text uses the Adobe-GB1 standard font STSong-Light, which PDF viewers supply
themselves: nothing is embedded and nothing is fetched.
"""
from __future__ import annotations

import io

import qrcode
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from server.cards.signing import card_qr

FONT = "STSong-Light"
CARD_W, CARD_H = 85.6 * mm, 54 * mm
COLUMNS, ROWS = 2, 4
MARGIN_X = (A4[0] - COLUMNS * CARD_W) / 3
MARGIN_Y = (A4[1] - ROWS * CARD_H) / (ROWS + 1)
TITLES = {"regular": "党员活动证", "floating": "流动党员活动证"}


def _draw_qr(pdf: canvas.Canvas, text: str, x: float, y: float, size: float) -> None:
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=0)
    code.add_data(text)
    code.make(fit=True)
    matrix = code.get_matrix()
    cell = size / len(matrix)
    pdf.setFillColorRGB(0, 0, 0)
    for row_index, row in enumerate(matrix):
        for col_index, dark in enumerate(row):
            if dark:
                pdf.rect(x + col_index * cell, y + size - (row_index + 1) * cell, cell, cell, stroke=0, fill=1)


def _draw_card(pdf: canvas.Canvas, card, branch_name: str, x: float, y: float) -> None:
    pdf.setStrokeColorRGB(0.6, 0.6, 0.6)
    pdf.setDash(2, 2)
    pdf.rect(x, y, CARD_W, CARD_H, stroke=1, fill=0)  # cutting line
    pdf.setDash()
    qr_size = 44 * mm
    _draw_qr(pdf, card_qr(card), x + 5 * mm, y + (CARD_H - qr_size) / 2, qr_size)
    text_x = x + 53 * mm
    pdf.setFillColorRGB(0.72, 0.11, 0.11)
    pdf.setFont(FONT, 11)
    pdf.drawString(text_x, y + CARD_H - 10 * mm, TITLES[card.kind.value])
    pdf.setFillColorRGB(0, 0, 0)
    pdf.setFont(FONT, 14)
    pdf.drawString(text_x, y + CARD_H - 20 * mm, card.member.name)
    pdf.setFont(FONT, 7)
    pdf.drawString(text_x, y + CARD_H - 27 * mm, branch_name[:14])
    pdf.setFont("Helvetica", 7)
    pdf.drawString(text_x, y + 12 * mm, card.serial)
    pdf.setFont(FONT, 7)
    pdf.drawString(text_x, y + 7 * mm, f"有效期至 {card.expires_on.isoformat()}")


def card_pdf(card, branch_name: str) -> bytes:
    """One member's card, alone on an A4 page where the sheet puts its first card (so the same
    card stock or cutting guide serves both), with the same look."""
    return card_sheet_pdf([card], branch_name, title=f"{card.member.name} {TITLES[card.kind.value]}")


def card_sheet_pdf(cards, branch_name: str, *, title: str | None = None) -> bytes:
    pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, pageCompression=1)
    pdf.setTitle(title or f"{branch_name} 党员活动证")
    per_page = COLUMNS * ROWS
    for index, card in enumerate(cards):
        if index and index % per_page == 0:
            pdf.showPage()
        slot = index % per_page
        col, row = slot % COLUMNS, slot // COLUMNS
        x = MARGIN_X + col * (CARD_W + MARGIN_X)
        y = A4[1] - (row + 1) * (CARD_H + MARGIN_Y)
        _draw_card(pdf, card, branch_name, x, y)
    pdf.save()
    return buffer.getvalue()

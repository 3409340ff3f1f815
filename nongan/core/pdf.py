"""Printable Chinese PDFs (letters, notices, referral letters): A4 pages set in reportlab's
built-in CID font STSong-Light (Adobe's Song typeface that every PDF reader carries), so no
font file has to ship or be installed on the server."""

import io
from xml.sax.saxutils import escape

from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

FONT = "STSong-Light"


def register_font() -> None:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))


def styles() -> dict:
    register_font()
    base = ParagraphStyle("body", fontName=FONT, fontSize=12, leading=21, wordWrap="CJK",
                          firstLineIndent=24)
    return {
        "title": ParagraphStyle("title", parent=base, fontSize=20, leading=30,
                                alignment=TA_CENTER, firstLineIndent=0, spaceAfter=6),
        "number": ParagraphStyle("number", parent=base, alignment=TA_CENTER,
                                 firstLineIndent=0, spaceAfter=12),
        "body": base,
        "plain": ParagraphStyle("plain", parent=base, firstLineIndent=0),
        "right": ParagraphStyle("right", parent=base, alignment=TA_RIGHT, firstLineIndent=0),
        "small": ParagraphStyle("small", parent=base, fontSize=10, leading=16,
                                firstLineIndent=0),
        "cell": ParagraphStyle("cell", parent=base, fontSize=11, leading=17,
                               firstLineIndent=0),
    }


def paragraphs(text: str, styles) -> list:
    """Blank lines separate paragraphs; a line ending in a colon (the salutation, a lead-in)
    is not indented."""
    flowables = []
    for block in text.replace("\r\n", "\n").split("\n\n"):
        block = block.strip()
        if not block:
            continue
        style = styles["plain"] if block.endswith(("：", ":")) else styles["body"]
        flowables.append(Paragraph(escape(block).replace("\n", "<br/>"), style))
        flowables.append(Spacer(1, 4))
    return flowables


def chinese_date(day) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def build(story, *, title: str, author: str) -> bytes:
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=25 * mm, rightMargin=25 * mm,
                            topMargin=22 * mm, bottomMargin=20 * mm, title=title,
                            author=author, subject=title, creator="nongan 农安")
    doc.build(story)
    return buffer.getvalue()

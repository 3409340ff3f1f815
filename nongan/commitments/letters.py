"""Printable PDFs: the notification letter (告知书, one per producer or a town's batch) and
the commitment (承诺书) with its marked-plot map.

Chinese text uses reportlab's built-in CID font STSong-Light (Adobe's Song typeface that
every PDF reader carries), so no font file has to ship or be installed on the server.
"""

import io
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import (
    Image,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from nongan.regions.models import Region

from .models import PRODUCTION_METHODS

FONT = "STSong-Light"
MAP_WIDTH = 160 * mm


def _register_font() -> None:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))


def _styles() -> dict:
    _register_font()
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


def _paragraphs(text: str, styles) -> list:
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


def _chinese_date(day) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _letter_story(letter, styles) -> list:
    producer = letter.producer
    story = [Paragraph("农产品质量安全告知书", styles["title"]),
             Paragraph(escape(letter.number), styles["number"])]
    story += _paragraphs(letter.text, styles)
    story += [Spacer(1, 18), Paragraph(escape(letter.issuer), styles["right"]),
              Paragraph(_chinese_date(letter.issued_on), styles["right"])]
    # The receipt is a page of its own: the producer keeps the letter and hands it back.
    receipt = [
        PageBreak(),
        Paragraph("送达回执", styles["title"]),
        Paragraph(f"告知书编号：{escape(letter.number)}", styles["plain"]),
        Paragraph(f"生产主体：{escape(producer.name)}", styles["plain"]),
        Paragraph("已收到上述告知书，知悉告知事项。", styles["plain"]),
        Spacer(1, 12),
        Paragraph("签收人（签字）：____________　　签收日期：______年____月____日",
                  styles["plain"]),
    ]
    return story + receipt


def _build(story, *, title: str, author: str) -> bytes:
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=25 * mm, rightMargin=25 * mm,
                            topMargin=22 * mm, bottomMargin=20 * mm, title=title,
                            author=author, subject=title, creator="nongan 农安")
    doc.build(story)
    return buffer.getvalue()


def letter_pdf(letter) -> bytes:
    """One producer's letter, then its delivery receipt (送达回执) on the next page."""
    styles = _styles()
    return _build(_letter_story(letter, styles), title=f"告知书 {letter.number}",
                  author=letter.issuer)


def letters_pdf(letters, *, title: str) -> bytes:
    """Several letters in one file (a town's batch), each starting on a new page."""
    styles = _styles()
    story, issuer = [], ""
    for letter in letters:
        if story:
            story.append(PageBreak())
        story += _letter_story(letter, styles)
        issuer = letter.issuer
    if not story:
        story = [Paragraph("没有告知书。", styles["plain"])]
    return _build(story, title=title, author=issuer)


def products_text(products) -> str:
    return "；".join(p["name"] + (f"（{'、'.join(p['varieties'])}）" if p.get("varieties")
                                  else "") for p in products)


def commitment_pdf(commitment, map_png: bytes | None) -> bytes:
    """The commitment as signed: its fields, the marked-plot map, the clauses and the
    signature block."""
    styles = _styles()
    producer = commitment.producer
    names = dict(Region.objects.filter(code__in=commitment.villages)
                 .values_list("code", "name"))
    methods = dict(PRODUCTION_METHODS)
    rows = [
        ("生产主体", producer.name),
        ("统一社会信用代码", producer.uscc or "—"),
        ("负责人", producer.legal_rep),
        ("年度", f"{commitment.year}年度（第{commitment.version}版）"),
        ("生产经营区域", "、".join(names.get(c, c) for c in commitment.villages)),
        ("生产经营面积", f"{commitment.area_mu} 亩（标记地块测算 {commitment.plots_area_mu} 亩）"
         + ("，差异超过20%，待核实" if commitment.area_flagged else "")),
        ("农产品种类和品种", products_text(commitment.products)),
        ("生产方式", "、".join(methods.get(m, m) for m in commitment.methods)),
        ("生产范围", commitment.scope),
        ("标记地块", "、".join(f"{p['plot_no']}（{p['area_mu']}亩）" for p in commitment.plots)),
    ]
    if commitment.reason:
        rows.append(("变更原因", commitment.reason))
    table = Table([[Paragraph(escape(k), styles["cell"]), Paragraph(escape(str(v)),
                                                                     styles["cell"])]
                   for k, v in rows], colWidths=[36 * mm, 124 * mm])
    table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
                               ("VALIGN", (0, 0), (-1, -1), "TOP"),
                               ("BACKGROUND", (0, 0), (0, -1), colors.whitesmoke)]))
    story = [Paragraph("农产品质量安全承诺书", styles["title"]), table, Spacer(1, 10)]
    if map_png:
        image = Image(io.BytesIO(map_png))
        scale = MAP_WIDTH / image.imageWidth
        image.drawWidth, image.drawHeight = MAP_WIDTH, image.imageHeight * scale
        story += [image, Spacer(1, 10)]
    story += _paragraphs(commitment.pledge, styles)
    entered = ("工作人员代为录入，纸质承诺书扫描件存档" if commitment.on_behalf
               else "生产主体在农安系统中签订")
    story += [Spacer(1, 12),
              Paragraph(f"承诺人（签字）：{escape(commitment.signatory)}", styles["right"]),
              Paragraph(f"签订日期：{_chinese_date(commitment.signed_on)}", styles["right"]),
              Paragraph(entered, styles["small"])]
    return _build(story, title=f"承诺书 {producer.name} {commitment.year}",
                  author=producer.name)

"""Printable PDFs: the notification letter (告知书, one per producer or a town's batch) and
the commitment (承诺书) with its marked-plot map.

Chinese text uses reportlab's built-in CID font STSong-Light (Adobe's Song typeface that
every PDF reader carries), so no font file has to ship or be installed on the server.
"""

import io
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import (
    Image,
    PageBreak,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from nongan.core import pdf
from nongan.regions.models import Region

from .models import PRODUCTION_METHODS

MAP_WIDTH = 160 * mm


def _letter_story(letter, styles) -> list:
    producer = letter.producer
    story = [Paragraph("农产品质量安全告知书", styles["title"]),
             Paragraph(escape(letter.number), styles["number"])]
    story += pdf.paragraphs(letter.text, styles)
    story += [Spacer(1, 18), Paragraph(escape(letter.issuer), styles["right"]),
              Paragraph(pdf.chinese_date(letter.issued_on), styles["right"])]
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


def letter_pdf(letter) -> bytes:
    """One producer's letter, then its delivery receipt (送达回执) on the next page."""
    styles = pdf.styles()
    return pdf.build(_letter_story(letter, styles), title=f"告知书 {letter.number}",
                  author=letter.issuer)


def letters_pdf(letters, *, title: str) -> bytes:
    """Several letters in one file (a town's batch), each starting on a new page."""
    styles = pdf.styles()
    story, issuer = [], ""
    for letter in letters:
        if story:
            story.append(PageBreak())
        story += _letter_story(letter, styles)
        issuer = letter.issuer
    if not story:
        story = [Paragraph("没有告知书。", styles["plain"])]
    return pdf.build(story, title=title, author=issuer)


def products_text(products) -> str:
    return "；".join(p["name"] + (f"（{'、'.join(p['varieties'])}）" if p.get("varieties")
                                  else "") for p in products)


def commitment_pdf(commitment, map_png: bytes | None) -> bytes:
    """The commitment as signed: its fields, the marked-plot map, the clauses and the
    signature block."""
    styles = pdf.styles()
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
    story += pdf.paragraphs(commitment.pledge, styles)
    entered = ("工作人员代为录入，纸质承诺书扫描件存档" if commitment.on_behalf
               else "生产主体在农安系统中签订")
    story += [Spacer(1, 12),
              Paragraph(f"承诺人（签字）：{escape(commitment.signatory)}", styles["right"]),
              Paragraph(f"签订日期：{pdf.chinese_date(commitment.signed_on)}", styles["right"]),
              Paragraph(entered, styles["small"])]
    return pdf.build(story, title=f"承诺书 {producer.name} {commitment.year}",
                  author=producer.name)

"""The 移送书 as a PDF (涉嫌犯罪案件移送书 for the police, 案件移送函 otherwise), made when the
referral is sent and kept as its first document. Built with the commitments' PDF helpers
(reportlab with the CID font every reader carries, so no font ships)."""

from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, Spacer, Table, TableStyle

from nongan.core import pdf
from nongan.core.permissions import shown_id_number
from nongan.enforcement.documents import authority_name

from .deadlines import kind_defaults

# 《行政执法机关移送涉嫌犯罪案件的规定》第六条: what goes with a referral to the police.
ENCLOSURES = ["涉嫌犯罪案件情况的调查报告", "涉案物品清单", "有关检验报告或者鉴定结论",
              "其他有关涉嫌犯罪的材料"]


def letter_title(kind: str) -> str:
    return kind_defaults()[kind]["document"]


def referral_pdf(referral, reader) -> bytes:
    """The letter with the party's ID number as `reader` may see it: in full for the sending
    officer (the copy kept and sent), masked for a reader the personal-data rule keeps
    from it (nongan.core.permissions.sees_personal_data)."""
    case, party = referral.case, referral.case.party
    styles = pdf.styles()
    authority = authority_name(case.district)
    title = letter_title(referral.kind)
    body = (f"{referral.agency.name}：\n\n"
            f"我委在查处{party.name}{case.title}（案件编号：{case.case_no}）过程中，"
            f"发现{referral.reason.rstrip('。')}。"
            f"依据{referral.legal_basis.rstrip('。')}的规定，现将该案移送你单位依法处理，"
            "请在移送书回执上签字后退回我委，并将处理结果书面告知我委。")
    rows = [("当事人", party.name),
            ("统一社会信用代码" if party.uscc else "证件号码",
             party.uscc or shown_id_number(reader, party) or "—"),
            ("住所（地址）", party.address or "—"),
            ("案由", case.title),
            ("立案日期", pdf.chinese_date(case.opened_on))]
    table = Table([[Paragraph(escape(k), styles["cell"]), Paragraph(escape(str(v)),
                                                                     styles["cell"])]
                   for k, v in rows], colWidths=[36 * mm, 124 * mm])
    table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
                               ("VALIGN", (0, 0), (-1, -1), "TOP"),
                               ("BACKGROUND", (0, 0), (0, -1), colors.whitesmoke)]))
    story = [Paragraph(escape(title), styles["title"]),
             Paragraph(escape(referral.referral_no), styles["number"])]
    story += pdf.paragraphs(body, styles)
    story += [table, Spacer(1, 10)]
    if referral.kind == "criminal":
        story.append(Paragraph("附件：", styles["plain"]))
        story += [Paragraph(f"{n}. {escape(text)}", styles["plain"])
                  for n, text in enumerate(ENCLOSURES, 1)]
    story += [Spacer(1, 18), Paragraph(escape(authority), styles["right"]),
              Paragraph(pdf.chinese_date(referral.sent_on), styles["right"]),
              Spacer(1, 24),
              Paragraph("—— 回执 ——", styles["number"]),
              Paragraph(f"已收到{escape(authority)}{escape(title)}"
                        f"（{escape(referral.referral_no)}）及所附材料。", styles["plain"]),
              Spacer(1, 12),
              Paragraph("接收单位（盖章）：____________　　接收人：________　　"
                        "日期：______年____月____日", styles["plain"])]
    return pdf.build(story, title=f"{title} {referral.referral_no}", author=authority)

"""Factories of the referral and joint-inspection tests: partner agencies, referrals made
and answered through the services, joint inspections, real files of each kind."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile

from nongan.enforcement.tests.case_factories import days_ago, open_case
from nongan.exchange.models import Agency
from nongan.joint import services
from nongan.testing import jpeg_bytes

CITY = "310000000000"
NAMES = {"public_security": "上海市公安局", "market_regulation": "上海市市场监督管理局",
         "ecology_environment": "上海市生态环境局"}
KIND_AGENCY = {"criminal": "public_security", "circulation": "market_regulation",
               "environment": "ecology_environment"}
REASON = "当事人在青菜种植中使用禁用农药甲胺磷，涉案青菜约2000公斤，涉嫌生产、销售有毒、有害食品罪。"


def agency(kind="public_security", *, name=None, region=CITY) -> Agency:
    """A partner agency (the city's by default), made once per name."""
    found, _ = Agency.objects.get_or_create(name=name or NAMES[kind],
                                            defaults={"kind": kind, "region_id": region})
    return found


def referral(side, *, kind="criminal", case=None, actor=None, **fields):
    """`side`'s case (a new one, opened 60 days ago, unless given) referred by its first
    enforcement officer, sent ten days ago."""
    case = case or open_case(side)
    data = {"agency": agency(KIND_AGENCY.get(kind, "public_security")).pk, "kind": kind,
            "reason": REASON, "sent_on": days_ago(10)} | fields
    return services.refer_case(case, data, actor=actor or side.enforcement_officer)


def answer(referral_, side, state, on=None, **fields):
    return services.record_answer(referral_, {"state": state, "on": on or days_ago(8),
                                              **fields}, actor=side.enforcement_officer)


def pdf_bytes(text="scan") -> bytes:
    """A small real PDF (reportlab), as a scanner would give one."""
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    page = canvas.Canvas(buffer)
    page.drawString(72, 720, text)
    page.save()
    return buffer.getvalue()


def upload(name="report.pdf", content=None, content_type="application/pdf"):
    return SimpleUploadedFile(name, pdf_bytes() if content is None else content,
                              content_type=content_type)


def jpeg_upload(name="items.jpg"):
    return SimpleUploadedFile(name, jpeg_bytes(), content_type="image/jpeg")


def joint_inspection(side, *, actor=None, **fields):
    """A joint inspection of `side`'s district with the city's market regulation bureau:
    its two enforcement officers and one of the bureau's."""
    market = agency("market_regulation")
    data = {"title": "农产品质量安全联合检查", "inspected_on": days_ago(3),
            "agencies": [market.pk],
            "participants": [{"user": side.enforcement_officer.username},
                             {"user": side.enforcement_officer2.username},
                             {"agency": market.pk, "name": "赵市监", "card_no": "SC0001",
                              "role": "流通环节检查"}]} | fields
    return services.record_joint_inspection(data, actor=actor or side.enforcement_officer)


def access_targets(world, side) -> dict:
    """A referral with its generated 移送书 and a joint inspection of `side`'s district, for
    the access matrix (core/tests/test_access_matrix.py)."""
    made = referral(side)
    return {"referral": made.pk, "referral_document": made.documents.first().pk,
            "joint_inspection": joint_inspection(side).pk}

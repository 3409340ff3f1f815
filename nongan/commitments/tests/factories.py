"""Factories of the commitment tests, through the real services."""

import datetime as dt
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from nongan.commitments import services
from nongan.commitments.services import CITY
from nongan.testing import jpeg_bytes


def this_year() -> int:
    return timezone.localdate().year


def start(actor, **data):
    """A campaign; by default next year's, whose 31 March deadline is still ahead."""
    return services.start_campaign({"year": this_year() + 1} | data, actor=actor)


def city_campaign(city_admin, **data):
    return start(city_admin, region=CITY, **data)


def pdf_bytes(text="承诺书扫描件") -> bytes:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    if "STSong-Light" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer)
    page.setFont("STSong-Light", 14)
    page.drawString(72, 720, text)
    page.save()
    return buffer.getvalue()


def scan(kind="pdf") -> SimpleUploadedFile:
    if kind == "pdf":
        return SimpleUploadedFile("scan.pdf", pdf_bytes(), content_type="application/pdf")
    return SimpleUploadedFile("scan.jpg", jpeg_bytes(size=(200, 280)), content_type="image/jpeg")


def commitment_data(producer, plots=None, **fields) -> dict:
    plots = plots if plots is not None else list(producer.plots.filter(active=True))
    area = sum(p.area_mu for p in plots)
    return {"producer": producer.pk, "area_mu": str(area), "products": "青菜:上海青;番茄:粉果",
            "methods": ["open_field"], "scope": "蔬菜种植，自产自销",
            "villages": [producer.village_id], "plots": [p.pk for p in plots],
            "signatory": producer.legal_rep} | fields


def sign(actor, producer, *, plots=None, signed_on=None, **fields):
    """A commitment entered by an officer on the producer's behalf with a scanned paper
    (or signed by the producer's own account when `actor` is it)."""
    data = commitment_data(producer, plots, **fields)
    if signed_on is not None:
        data["signed_on"] = signed_on.isoformat() if isinstance(signed_on, dt.date) else signed_on
    on_behalf = actor.role != "producer"
    return services.sign_commitment(data, actor=actor, scan=scan() if on_behalf else None)


def access_targets(side) -> dict:
    """Records of one district for the access matrix (core/tests/test_access_matrix.py): its
    own campaign, the producer's letter and its commitment entered with a scan."""
    from nongan.commitments.models import Campaign

    campaign = Campaign.objects.filter(region_id=side.district).first() or start(
        side.district_officer)
    services.issue_letters(campaign, actor=side.district_officer)
    commitment = sign(side.district_officer, side.the_producer)
    letter = campaign.letters.get(producer=side.the_producer)
    return {"campaign": campaign.pk, "letter": letter.pk, "commitment": commitment.pk}

"""What the pages and the API share: filtered lists, file answers (PDF, map, scan) and the
rows people export."""

from urllib.parse import quote

from django.db.models import F
from django.http import FileResponse, Http404, HttpResponse

from nongan.core.permissions import shown_phone

from . import letters, queries
from .models import PRODUCTION_METHODS, Commitment

RATE_HEADERS = ["层级", "代码", "名称", "应签（告知书）", "已签订", "按期签订", "未签订", "签订率（%）"]
UNSIGNED_HEADERS = ["告知书编号", "生产主体", "镇（街道）", "网格", "负责人", "联系电话", "截止日期"]
COMMITMENT_HEADERS = ["生产主体", "年度", "版本", "签订日期", "按期", "申报面积（亩）",
                      "标记地块测算面积（亩）", "面积差异超过20%", "农产品种类和品种", "生产方式",
                      "生产范围", "标记地块", "签字人", "代为录入", "录入人"]


def with_successor(qs):
    """Each commitment with the id of the version that superseded it (None: current)."""
    return qs.annotate(successor=F("superseded_by__pk"))


def filtered_commitments(user, *, year=None, campaign=None, producer=None, flagged=False,
                         versions=False):
    qs = with_successor(queries.commitments_for(user))
    if not versions:
        qs = queries.current(qs)
    if year:
        qs = qs.filter(year=year)
    if campaign:
        qs = qs.filter(campaign_id=campaign)
    if producer:
        qs = qs.filter(producer_id=producer)
    if flagged:
        qs = qs.filter(area_flagged=True)
    return qs.order_by("-year", "producer__name", "-version")


def town_letters(user, campaign, town: str = ""):
    qs = queries.letters_for(user, campaign)
    if town:
        qs = qs.filter(producer__town_id=town)
    return qs.order_by("producer__town_id", "serial", "pk")


def pdf_response(body: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = f"inline; filename*=UTF-8''{quote(filename)}"
    response["Cache-Control"] = "private, no-store"
    return response


def _file_response(field, content_type: str):
    if not field:
        raise Http404
    try:
        handle = field.open("rb")
    except (FileNotFoundError, OSError):
        raise Http404 from None
    response = FileResponse(handle, content_type=content_type)
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def map_response(commitment: Commitment):
    return _file_response(commitment.map_image, "image/png")


def scan_response(commitment: Commitment):
    return _file_response(commitment.scan, commitment.scan_content_type)


def commitment_pdf_bytes(commitment: Commitment) -> bytes:
    try:
        with commitment.map_image.open("rb") as handle:
            png = handle.read()
    except (FileNotFoundError, OSError, ValueError):
        png = None  # the PDF still carries every field; the map has its own download
    return letters.commitment_pdf(commitment, png)


def rate_rows(campaign, user, as_of=None):
    for by, label in queries.LEVELS.items():
        for r in queries.signing_rates(campaign, user, by, as_of):
            yield [label, r["code"], r["name"], r["letters"], r["signed"], r["on_time"],
                   r["unsigned"], r["rate"]]


def unsigned_rows(user, letters_qs):
    for letter in letters_qs.iterator(chunk_size=2000):
        producer = letter.producer
        yield [letter.number, producer.name, producer.town.name,
               producer.grid.name if producer.grid_id else "", producer.legal_rep,
               shown_phone(user, producer), letter.campaign.deadline]


def commitment_rows(qs):
    methods = dict(PRODUCTION_METHODS)
    for c in qs.iterator(chunk_size=2000):
        yield [c.producer.name, c.year, c.version, c.signed_on,
               "是" if c.signed_on <= c.campaign.deadline else "否", float(c.area_mu),
               float(c.plots_area_mu), "是" if c.area_flagged else "否",
               letters.products_text(c.products), "、".join(methods.get(m, m) for m in c.methods),
               c.scope, "、".join(p["plot_no"] for p in c.plots), c.signatory,
               "是" if c.on_behalf else "否", c.entered_by.username]

"""告知承诺 API: campaigns with their signing rates, letters (PDF) and deliveries, and the
commitments themselves (sign = POST, JSON or multipart with the scanned paper). Every read
goes through `queries`/`visible`: another district's record, or another producer's for a
producer account, is a 404."""

import datetime as dt
import json
from typing import Any

from django.shortcuts import get_object_or_404
from ninja import Router, Schema, Status

from nongan.core.errors import FieldErrors
from nongan.core.listing import page_of, xlsx_response
from nongan.core.scoping import visible
from nongan.regions.models import Region

from . import letters, pages, queries, services
from .forms import payload_from_post
from .models import Campaign, Commitment, Letter

router = Router(tags=["commitments"])
API = "/api/v1"


class CampaignIn(Schema):
    """Raw values: the service cleans them and answers 422 naming each bad field."""

    region: Any = None
    year: Any = None
    deadline: Any = None
    letter_template: Any = None
    pledge: Any = None


class DeliveryIn(Schema):
    method: Any = None
    delivered_on: Any = None
    note: Any = None


def campaign_dict(campaign: Campaign, user, *, as_of=None, detail=False, totals=None) -> dict:
    """The campaign and its totals (`totals` when a page's were read at once)."""
    if totals is None:
        by_district = queries.signing_rates(campaign, user, "district", as_of)
        totals = queries.totals(by_district)
    out = {"id": campaign.pk, "title": campaign.title,
           "region": {"code": campaign.region_id, "name": campaign.region.name},
           "year": campaign.year, "deadline": campaign.deadline,
           "started_by": campaign.started_by.username, "started_at": campaign.started_at,
           "totals": totals}
    if detail:
        out |= {"as_of": as_of, "letter_template": campaign.letter_template,
                "pledge": campaign.pledge,
                "rates": {"district": by_district,
                          "town": queries.signing_rates(campaign, user, "town", as_of),
                          "grid": queries.signing_rates(campaign, user, "grid", as_of)}}
    return out


def letter_dict(letter: Letter, deliveries=()) -> dict:
    return {"id": letter.pk, "number": letter.number, "campaign": letter.campaign_id,
            "producer": letter.producer_id, "producer_name": letter.producer.name,
            "issued_on": letter.issued_on, "issuer": letter.issuer,
            "pdf": f"{API}/letters/{letter.pk}.pdf",
            "deliveries": [{"method": d.method, "delivered_on": d.delivered_on, "note": d.note,
                            "recorded_by": d.recorded_by.username} for d in deliveries]}


def commitment_dict(c: Commitment) -> dict:
    successor = getattr(c, "successor", None)
    return {
        "id": c.pk, "producer": c.producer_id, "producer_name": c.producer.name,
        "campaign": c.campaign_id, "year": c.year, "version": c.version,
        "supersedes": c.supersedes_id, "superseded_by": successor, "current": successor is None,
        "reason": c.reason, "villages": c.villages, "area_mu": float(c.area_mu),
        "products": c.products, "methods": c.methods, "scope": c.scope,
        "plots": [{k: p[k] for k in ("id", "plot_no", "crop", "village")}
                  | {"area_mu": float(p["area_mu"])} for p in c.plots],
        "plots_area_mu": float(c.plots_area_mu), "area_flagged": c.area_flagged,
        "signatory": c.signatory, "signed_on": c.signed_on,
        "on_time": c.signed_on <= c.campaign.deadline, "on_behalf": c.on_behalf,
        "entered_by": c.entered_by.username, "entered_at": c.entered_at,
        "map_image": f"{API}/commitments/{c.pk}/map.png", "pdf": f"{API}/commitments/{c.pk}.pdf",
        "scan": f"{API}/commitments/{c.pk}/scan" if c.scan else None,
    }


def _campaign(request, campaign_id) -> Campaign:
    return get_object_or_404(queries.campaigns_for(request.auth), pk=campaign_id)


def _commitment(request, commitment_id) -> Commitment:
    return get_object_or_404(pages.with_successor(queries.commitments_for(request.auth)),
                             pk=commitment_id)


@router.get("/commitment-campaigns", response=dict)
def list_campaigns(request, year: int | None = None, page: int = 1, page_size: int = 50):
    qs = queries.campaigns_for(request.auth)
    if year:
        qs = qs.filter(year=year)
    found = page_of(qs, page, page_size)
    totals = queries.campaign_totals(found["items"], request.auth)
    return {"count": found["count"],
            "items": [campaign_dict(c, request.auth, totals=totals[c.pk])
                      for c in found["items"]]}


@router.post("/commitment-campaigns", response={201: dict})
def start_campaign(request, body: CampaignIn):
    """启动承诺书签订工作: `region` (a district's code, or the city's for every district;
    default the caller's), `year`, `deadline` (default 31 March), `letter_template` and
    `pledge` (defaults shipped in nongan/commitments/data/). Letters go out at once."""
    campaign = services.start_campaign(body.dict(), actor=request.auth)
    return Status(201, campaign_dict(campaign, request.auth, detail=True))


@router.get("/commitment-campaigns/{int:campaign_id}", response=dict)
def get_campaign(request, campaign_id: int, as_of: dt.date | None = None):
    """The campaign with its signing rates by district, town and grid — as of a date when
    `as_of` is given (commitments signed by then), otherwise now."""
    return campaign_dict(_campaign(request, campaign_id), request.auth, as_of=as_of,
                         detail=True)


@router.get("/commitment-campaigns/{int:campaign_id}/unsigned", response=dict)
def list_unsigned(request, campaign_id: int, page: int = 1, page_size: int = 50,
                  format: str = ""):
    """未签订的生产主体; `?format=xlsx` exports them."""
    campaign = _campaign(request, campaign_id)
    qs = queries.unsigned(campaign, request.auth)
    if format == "xlsx":
        return xlsx_response(f"{campaign.title}-未签订.xlsx", pages.UNSIGNED_HEADERS,
                             pages.unsigned_rows(request.auth, qs))
    found = page_of(qs, page, page_size)
    return {"count": found["count"],
            "items": [letter_dict(letter) for letter in found["items"]]}


@router.get("/commitment-campaigns/{int:campaign_id}/letters", response=dict)
def list_letters(request, campaign_id: int, town: str = "", page: int = 1,
                 page_size: int = 50):
    campaign = _campaign(request, campaign_id)
    qs = pages.town_letters(request.auth, campaign, town)
    found = page_of(qs, page, page_size)
    deliveries = queries.delivered_letters(found["items"])
    return {"count": found["count"], "items": [letter_dict(x, deliveries.get(x.pk, ()))
                                               for x in found["items"]]}


@router.get("/commitment-campaigns/{int:campaign_id}/letters.pdf")
def letters_batch(request, campaign_id: int, town: str = ""):
    """一个镇（街道）的告知书合订本 (all the campaign's letters the caller may see in `town`)."""
    campaign = _campaign(request, campaign_id)
    if not town:
        raise FieldErrors({"town": "请指定镇（街道）代码"}, prefix=("query",))
    place = get_object_or_404(visible(Region, request.auth), code=town, level="town")
    body = letters.letters_pdf(pages.town_letters(request.auth, campaign, town),
                               title=f"{campaign.title} {place.name} 告知书")
    return pages.pdf_response(body, f"告知书-{place.name}-{campaign.year}.pdf")


@router.post("/commitment-campaigns/{int:campaign_id}/letters", response=dict)
def issue_letters(request, campaign_id: int):
    """补发告知书: letters for the producers registered since the campaign started."""
    campaign = _campaign(request, campaign_id)
    return {"issued": services.issue_letters(campaign, actor=request.auth)}


@router.get("/letters/{int:letter_id}.pdf")
def letter_pdf(request, letter_id: int):
    letter = get_object_or_404(queries.letters_for(request.auth), pk=letter_id)
    return pages.pdf_response(letters.letter_pdf(letter), f"告知书-{letter.number}.pdf")


@router.post("/letters/{int:letter_id}/deliveries", response={201: dict})
def record_delivery(request, letter_id: int, body: DeliveryIn):
    """送达记录: `method` in_person | post | online, `delivered_on` (default today), `note`."""
    letter = get_object_or_404(queries.letters_for(request.auth), pk=letter_id)
    services.record_delivery(letter, body.dict(), actor=request.auth)
    return Status(201, letter_dict(letter, letter.deliveries.select_related("recorded_by")))


@router.get("/commitments", response=dict)
def list_commitments(request, year: int | None = None, campaign: int | None = None,
                     producer: int | None = None, flagged: bool = False,
                     versions: bool = False, page: int = 1, page_size: int = 50,
                     format: str = ""):
    """承诺书: the current version of each unless `versions=true`; `flagged=true` keeps those
    whose declared area differs from the marked plots by more than 20 %."""
    qs = pages.filtered_commitments(request.auth, year=year, campaign=campaign,
                                    producer=producer, flagged=flagged, versions=versions)
    if format == "xlsx":
        return xlsx_response("承诺书.xlsx", pages.COMMITMENT_HEADERS, pages.commitment_rows(qs))
    found = page_of(qs, page, page_size)
    return {"count": found["count"], "items": [commitment_dict(c) for c in found["items"]]}


def _sign_schema(*, multipart: bool) -> dict:
    text, listed = {"type": "string"}, {"type": "array", "items": {"type": "string"}}
    properties = {"producer": {"type": "integer"}, "year": {"type": "integer"},
                  "area_mu": text, "products": {}, "methods": listed, "scope": text,
                  "villages": listed, "plots": {"type": "array", "items": {"type": "integer"}},
                  "new_plots": {"type": "array", "items": {"type": "object"}},
                  "signatory": text, "signed_on": {"type": "string", "format": "date"},
                  "supersedes": {"type": "integer"}, "reason": text}
    if multipart:
        properties["scan"] = {"type": "string", "format": "binary"}
    return {"type": "object", "properties": properties}


SIGN_BODY = {"requestBody": {"content": {
    "application/json": {"schema": _sign_schema(multipart=False)},
    "multipart/form-data": {"schema": _sign_schema(multipart=True)}}}}


@router.post("/commitments", response={201: dict}, openapi_extra=SIGN_BODY)
def sign_commitment(request):
    """签订承诺书. JSON, or multipart form fields with the scanned paper as file `scan`
    (an officer entering a paper commitment must send it). Fields: `producer` (an
    officer's; a producer account signs its own), `year`, `area_mu`, `products`
    ([{"name", "varieties"}] or text 番茄:粉果,红果;黄瓜), `methods` (open_field, protected,
    aquaculture, livestock, other), `scope`, `villages` (village codes), `plots` (ids of the
    producer's plots), `new_plots` ([{"geometry", "crop"}]: drawn plots that join the
    register), `signatory`, `signed_on` (an officer's: the paper's date); a change:
    `supersedes` (the current version's id) and `reason`. Answers the commitment with its
    `version` and `map_image` URL."""
    if request.content_type in ("multipart/form-data", "application/x-www-form-urlencoded"):
        data, scan = payload_from_post(request.POST), request.FILES.get("scan")
    else:
        try:
            data = json.loads(request.body or b"{}")
        except ValueError:
            raise FieldErrors({"body": "请求体不是有效的 JSON"}, prefix=()) from None
        if not isinstance(data, dict):
            raise FieldErrors({"body": "请求体应为 JSON 对象"}, prefix=())
        scan = None
    commitment = services.sign_commitment(data, actor=request.auth, scan=scan)
    return Status(201, commitment_dict(_commitment(request, commitment.pk)))


@router.get("/commitments/{int:commitment_id}", response=dict)
def get_commitment(request, commitment_id: int):
    return commitment_dict(_commitment(request, commitment_id))


@router.get("/commitments/{int:commitment_id}/map.png")
def commitment_map(request, commitment_id: int):
    return pages.map_response(_commitment(request, commitment_id))


@router.get("/commitments/{int:commitment_id}/scan")
def commitment_scan(request, commitment_id: int):
    return pages.scan_response(_commitment(request, commitment_id))


@router.get("/commitments/{int:commitment_id}.pdf")
def commitment_pdf(request, commitment_id: int):
    commitment = _commitment(request, commitment_id)
    return pages.pdf_response(pages.commitment_pdf_bytes(commitment),
                f"承诺书-{commitment.producer.name}-{commitment.year}-v{commitment.version}.pdf")

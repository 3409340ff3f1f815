import datetime as dt
from typing import Any

from django.shortcuts import get_object_or_404
from ninja import Router, Schema, Status

from nongan.core.listing import page_of, xlsx_response
from nongan.core.permissions import require, shown_id_number, shown_phone
from nongan.core.scoping import visible

from . import services
from .models import Plot, Producer
from .queries import EXPORT_HEADERS, export_rows, plots_for, producers_for

router = Router(tags=["producers"])


class CertificationIO(Schema):
    kind: str
    cert_no: str
    products: str
    valid_from: dt.date
    valid_to: dt.date
    status: str = "valid"


class ProducerOut(Schema):
    id: int
    name: str
    kind: str
    uscc: str | None
    id_number: str
    legal_rep: str
    phone: str
    address: str
    village: str
    town: str
    district: str
    grid: str | None
    area_mu: float
    is_scale: bool
    products: list[dict]
    certifications: list[CertificationIO]


class ProducerPage(Schema):
    count: int
    items: list[ProducerOut]


class ProducerIn(Schema):
    """Raw values: the services clean them and answer 422 naming each bad field."""

    name: Any = None
    kind: Any = None
    uscc: Any = None
    id_number: Any = None
    legal_rep: Any = None
    phone: Any = None
    address: Any = None
    village: Any = None
    area_mu: Any = None
    products: Any = None
    certifications: list[dict] | None = None


class PlotIn(Schema):
    geometry: dict
    crop: Any = None
    declared_area_mu: Any = None
    village: Any = None
    plot_no: Any = None


class PlotOut(Schema):
    id: int
    plot_no: str
    producer: int
    geometry: dict
    crop: str
    area_mu: float
    declared_area_mu: float | None
    grid: str | None
    village: str
    overlaps: list[str]


class PlotPage(Schema):
    count: int
    items: list[PlotOut]


def producer_dict(user, p: Producer) -> dict:
    return {"id": p.pk, "name": p.name, "kind": p.kind, "uscc": p.uscc,
            "id_number": shown_id_number(user, p), "legal_rep": p.legal_rep,
            "phone": shown_phone(user, p),
            "address": p.address, "village": p.village_id, "town": p.town_id,
            "district": p.district_id, "grid": p.grid.code if p.grid_id else None,
            "area_mu": float(p.area_mu), "is_scale": p.is_scale, "products": p.products,
            "certifications": list(p.certifications.all())}


def plot_dict(p: Plot) -> dict:
    return {"id": p.pk, "plot_no": p.plot_no, "producer": p.producer_id, "geometry": p.geometry,
            "crop": p.crop, "area_mu": float(p.area_mu),
            "declared_area_mu": float(p.declared_area_mu) if p.declared_area_mu else None,
            "grid": p.grid.code if p.grid_id else None, "village": p.village_id,
            "overlaps": p.overlaps}


def _producer(request, producer_id: int) -> Producer:
    return get_object_or_404(visible(Producer, request.auth).select_related("grid"),
                             pk=producer_id)


@router.get("/producers", response=ProducerPage)
def list_producers(request, q: str = "", uscc: str = "", region: str = "", kind: str = "",
                   certification: str = "", scale: str = "", sort: str = "name",
                   page: int = 1, page_size: int = 50, format: str = ""):
    params = {"q": q, "uscc": uscc, "region": region, "kind": kind, "certification": certification,
              "scale": scale, "sort": sort}
    qs = producers_for(request.auth, params)
    if format == "xlsx":
        return xlsx_response("生产主体名录.xlsx", EXPORT_HEADERS, export_rows(request.auth, qs))
    result = page_of(qs.select_related("grid").prefetch_related("certifications"),
                     page, page_size)
    return {"count": result["count"],
            "items": [producer_dict(request.auth, p) for p in result["items"]]}


@router.post("/producers", response={201: ProducerOut})
def create_producer(request, body: ProducerIn):
    require(request.auth, "register.edit")
    producer = services.register_producer(body.dict(), actor=request.auth)
    return Status(201, producer_dict(request.auth, producer))


@router.get("/producers/{producer_id}", response=ProducerOut)
def get_producer(request, producer_id: int):
    return producer_dict(request.auth, _producer(request, producer_id))


@router.patch("/producers/{producer_id}", response=ProducerOut)
def patch_producer(request, producer_id: int, body: ProducerIn):
    producer = _producer(request, producer_id)
    require(request.auth, "register.edit")
    data = body.dict(exclude_unset=True)
    data.pop("certifications", None)
    producer = services.update_producer(producer, data, actor=request.auth)
    return producer_dict(request.auth, producer)


@router.get("/producers/{producer_id}/plots", response=PlotPage)
def list_plots(request, producer_id: int, page: int = 1, page_size: int = 50):
    producer = _producer(request, producer_id)
    result = page_of(plots_for(request.auth, producer), page, page_size)
    return {"count": result["count"], "items": [plot_dict(p) for p in result["items"]]}


@router.post("/producers/{producer_id}/plots", response={201: PlotOut})
def create_plot(request, producer_id: int, body: PlotIn):
    producer = _producer(request, producer_id)
    require(request.auth, "register.edit")
    plot = services.add_plot(producer, body.dict(), actor=request.auth)
    return Status(201, plot_dict(plot))


@router.get("/plots/{plot_id}", response=PlotOut)
def get_plot(request, plot_id: int):
    return plot_dict(get_object_or_404(plots_for(request.auth), pk=plot_id))

import datetime as dt
import uuid
from typing import Any

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from ninja import Field, File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from nongan.core.errors import FieldErrors
from nongan.core.listing import page_of
from nongan.core.reauth import reauth_required
from nongan.core.scoping import visible, within
from nongan.producers.queries import producers_for
from nongan.regions.models import Region

from . import schedules as schedule_rules
from . import services, standing
from .defaults import new_template_version
from .models import ChecklistTemplate, Inspection, Rectification, RectificationReply

router = Router(tags=["inspections"])


class Location(Schema):
    lon: float = Field(ge=-180, le=180)
    lat: float = Field(ge=-90, le=90)
    accuracy_m: float | None = Field(default=None, ge=0)


class Answer(Schema):
    item: str
    value: Any = None
    note: str = ""


class InputUse(Schema):
    pesticide: str
    registration_no: str = ""
    dose: str = ""
    applied_on: dt.date | None = None
    crop: str = ""
    harvest_on: dt.date | None = None


class RectificationIn(Schema):
    items: list[str]
    deadline: dt.date


class InspectionIn(Schema):
    uuid: uuid.UUID
    producer: int
    template: str
    started_at: dt.datetime
    finished_at: dt.datetime
    location: Location
    plots_seen: list[str] = []
    answers: list[Answer] = []
    inputs: list[InputUse] = []
    photos: list[uuid.UUID] = []
    result: str
    rectification: RectificationIn | None = None
    signature: uuid.UUID | None = None
    refused_signature: str = ""


class AmendmentIn(Schema):
    reason: str
    changes: dict


def inspection_dict(i: Inspection) -> dict:
    return {
        "id": i.pk, "uuid": str(i.uuid), "producer": i.producer_id,
        "producer_name": i.producer.name, "template": i.template.code,
        "template_version": i.template.version, "inspector": i.inspector.username,
        "started_at": i.started_at, "finished_at": i.finished_at,
        "location": {"lon": i.lon, "lat": i.lat, "accuracy_m": i.accuracy_m},
        "location_check": i.location_check, "plots_seen": i.plots_seen, "answers": i.answers,
        "inputs": i.inputs, "photos": [str(p.pk) for p in i.photos.all()], "result": i.result,
        "score": float(i.score) if i.score is not None else None, "flags": i.flags,
        "refused_signature": i.refused_signature,
        "amendments": [{"reason": a.reason, "changes": a.changes, "author": a.author.username,
                        "created_at": a.created_at} for a in i.amendments.all()],
    }


def _inspections(user):
    return (visible(Inspection, user)
            .select_related("producer", "template", "inspector")
            .prefetch_related("photos", "amendments__author"))


@router.post("/inspections", response={200: dict, 201: dict})
def submit(request, body: InspectionIn):
    inspection, created = services.submit_inspection(body.dict(), actor=request.auth)
    inspection = _inspections(request.auth).get(pk=inspection.pk)
    return Status(201 if created else 200, inspection_dict(inspection))


@router.get("/inspections", response=dict)
def list_inspections(request, producer: int | None = None, region: str = "",
                     result: str = "", page: int = 1, page_size: int = 50):
    qs = _inspections(request.auth)
    if producer:
        qs = qs.filter(producer_id=producer)
    if region:
        qs = within(qs, get_object_or_404(visible(Region, request.auth), code=region))
    if result:
        qs = qs.filter(result=result)
    found = page_of(qs, page, page_size)
    return {"count": found["count"], "items": [inspection_dict(i) for i in found["items"]]}


@router.get("/inspections/{inspection_id}", response=dict)
def get_inspection(request, inspection_id: int):
    return inspection_dict(get_object_or_404(_inspections(request.auth), pk=inspection_id))


@router.post("/inspections/{inspection_id}/amendments", response={201: dict})
def amend(request, inspection_id: int, body: AmendmentIn):
    inspection = get_object_or_404(visible(Inspection, request.auth), pk=inspection_id)
    services.amend_inspection(inspection, reason=body.reason, changes=body.changes,
                              actor=request.auth)
    return Status(201, inspection_dict(_inspections(request.auth).get(pk=inspection.pk)))


@router.post("/media", response={200: dict, 201: dict})
def upload(request, file: File[UploadedFile], id: Form[uuid.UUID | None] = None):
    """现场照片. `id`, a uuid the phone gives the photo before sending it, makes a retry
    safe: the same photo again answers 200 with the stored one, another photo 409."""
    media, created = services.deliver_media(file, id, actor=request.auth)
    return Status(201 if created else 200,
                  {"id": str(media.id), "content_type": media.content_type,
                   "taken_at": media.taken_at, "lon": media.lon, "lat": media.lat})


@router.get("/inspection-templates", response=list[dict])
def templates(request):
    return [{"code": t.code, "version": t.version, "name": t.name, "kind": t.kind,
             "scored": t.scored, "pass_score": t.pass_score, "items": t.items}
            for t in visible(ChecklistTemplate, request.auth).filter(active=True)]


@router.get("/schedules", response=dict)
def schedules(request, period: str, region: str = "", status: str = "", page: int = 1,
              page_size: int = 50):
    """巡查频次: each producer that owes inspections in the period, with what it owes, what
    was done and whether it is due, done or overdue (实施方案 四.(四).2)."""
    try:
        start, end = schedule_rules.parse_period(period)
    except FieldErrors as exc:
        exc.prefix = ("query",)
        raise
    producers = producers_for(request.auth, {"region": region})
    if region and not visible(Region, request.auth).filter(code=region).exists():
        raise Http404
    found = standing.schedule_page(producers, start, end, status=status, page=page,
                                         page_size=page_size)
    summary = {s: found["totals"][s] for s in ("due", "done", "overdue")}
    return {"period": period, "count": found["count"], "summary": summary,
            "items": [schedule_rules.as_json(i) for i in found["items"]]}


class TemplateVersionIn(Schema):
    items: list[dict]
    name: str | None = None
    pass_score: int | None = None


@router.post("/inspection-templates/{code}/versions", response={201: dict})
@reauth_required("template.edit")
def new_version(request, code: str, body: TemplateVersionIn):
    """修订检查表 (city admin): the new version becomes current; records keep theirs."""
    template = new_template_version(code, body.items, actor=request.auth, name=body.name,
                                    pass_score=body.pass_score)
    return Status(201, {"code": template.code, "version": template.version,
                        "name": template.name, "items": template.items})


# --- rectification orders and the producer's replies --------------------------------------


class ReplyIn(Schema):
    text: str = ""
    photos: list[uuid.UUID] = []


def reply_dict(reply: RectificationReply) -> dict:
    return {"id": reply.pk, "text": reply.text, "author": reply.author.username,
            "created_at": reply.created_at,
            "photos": [{"id": str(m.pk),
                        "url": reverse("rectification_photo", args=[reply.rectification_id, m.pk])}
                       for m in reply.photos.all()]}


def rectification_dict(order: Rectification) -> dict:
    if order.closed_by_id:
        status = "closed"
    else:
        status = "overdue" if order.deadline < timezone.localdate() else "open"
    return {"id": order.pk, "producer": order.producer_id, "producer_name": order.producer.name,
            "ordered_by": order.ordered_by_id, "items": order.items, "deadline": order.deadline,
            "status": status, "closed_by": order.closed_by_id, "closed_at": order.closed_at,
            "replies": [reply_dict(r) for r in order.replies.all()]}


def _rectification(user, pk) -> Rectification:
    qs = visible(Rectification, user).select_related("producer").prefetch_related(
        "replies__author", "replies__photos")
    return get_object_or_404(qs, pk=pk)


@router.get("/rectifications/{rectification_id}", response=dict)
def get_rectification(request, rectification_id: int):
    """整改通知 with the producer's replies, oldest first."""
    return rectification_dict(_rectification(request.auth, rectification_id))


@router.post("/rectifications/{rectification_id}/replies", response={201: dict})
def reply(request, rectification_id: int, body: ReplyIn):
    """整改答复 (the producer of the order; photos uploaded first by `POST /media`): 409
    once a follow-up has closed the order."""
    order = _rectification(request.auth, rectification_id)
    answer = services.reply_to_rectification(order, body.dict(), actor=request.auth)
    return Status(201, reply_dict(answer))

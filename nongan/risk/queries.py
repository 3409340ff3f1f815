"""Reads of risk warnings shared by the pages and the API: the scoped, filtered, sorted list,
its Excel rows, one warning as JSON, and the state of its measures."""

from django.db.models import Case, IntegerField, Value, When
from django.shortcuts import get_object_or_404
from django.utils import timezone

from nongan.core.scoping import visible, within
from nongan.inspections.models import Inspection
from nongan.regions.models import Region

from .models import KINDS, LEVELS, STATUSES, Measure, RiskWarning
from .rules import LEVEL_RANK

SORT_FIELDS = {"detected_at": "detected_at", "issued_at": "issued_at", "level": "level_rank",
               "status": "status", "kind": "kind", "region": "region__code"}
OPEN = ("issued", "acknowledged", "acting")


def warnings_for(user, filters: dict | None = None):
    """The warnings `user` may see, narrowed by `region` (a code the user may see; else 404),
    `status` (or "open"), `level`, `kind`, `producer`, and sorted by `sort`."""
    filters = filters or {}
    qs = visible(RiskWarning, user).select_related("region", "district", "town", "producer")
    if filters.get("region"):
        qs = within(qs, get_object_or_404(visible(Region, user), code=filters["region"]))
    status = filters.get("status")
    if status == "open":
        qs = qs.filter(status__in=OPEN)
    elif status:
        qs = qs.filter(status=status)
    for name in ("level", "kind"):
        if filters.get(name):
            qs = qs.filter(**{name: filters[name]})
    if filters.get("producer"):
        qs = qs.filter(producer_id=filters["producer"])
    qs = qs.annotate(level_rank=Case(*[When(level=k, then=Value(v)) for k, v in
                                       LEVEL_RANK.items()], output_field=IntegerField()))
    sort = filters.get("sort") or "-detected_at"
    field = SORT_FIELDS.get(sort.lstrip("-"), "detected_at")
    return qs.order_by(("-" if sort.startswith("-") else "") + field, "-pk")


def valid_filters(params) -> dict:
    """List filters from query parameters; unknown values are ignored, not errors."""
    return {
        "region": (params.get("region") or "").strip(),
        "status": params.get("status") if params.get("status") in {*dict(STATUSES), "open"}
        else "",
        "level": params.get("level") if params.get("level") in dict(LEVELS) else "",
        "kind": params.get("kind") if params.get("kind") in dict(KINDS) else "",
        "sort": params.get("sort") if (params.get("sort") or "").lstrip("-") in SORT_FIELDS
        else "",
    }


EXPORT_HEADERS = ["编号", "等级", "类型", "涉及区域", "产品类别", "产品", "农药", "生产主体",
                  "说明", "状态", "发布时间", "最近检出时间", "检出次数", "办结结论"]


def export_rows(qs):
    for w in qs:
        yield [w.pk, w.get_level_display(), w.get_kind_display(), w.region.name, w.category,
               w.product, w.pesticide, w.producer.name if w.producer else "", w.explanation,
               w.get_status_display(), timezone.localtime(w.issued_at).replace(tzinfo=None),
               timezone.localtime(w.detected_at).replace(tzinfo=None), w.detections,
               w.conclusion]


def summary_dict(w: RiskWarning) -> dict:
    return {"id": w.pk, "level": w.level, "kind": w.kind, "region": w.region_id,
            "region_name": w.region.name, "district": w.district_id, "town": w.town_id,
            "category": w.category, "product": w.product, "pesticide": w.pesticide,
            "producer": w.producer_id, "producer_name": w.producer.name if w.producer else None,
            "explanation": w.explanation, "status": w.status, "issued_at": w.issued_at,
            "detected_at": w.detected_at, "detections": w.detections,
            "closed_at": w.closed_at}


def measures_of(warning) -> list[dict]:
    """Each measure with what it created; for inspections, each producer and the first
    inspection recorded since the measure (None while it is still to do)."""
    rows = []
    for m in (Measure.objects.filter(warning=warning)
              .select_related("plan", "spot_check", "created_by")
              .prefetch_related("producers")):
        producers = list(m.producers.all())
        done = {}
        for pk, producer in (Inspection.objects
                             .filter(producer__in=producers, finished_at__gte=m.created_at)
                             .order_by("finished_at").values_list("pk", "producer_id")):
            done.setdefault(producer, pk)
        rows.append({"measure": m, "producers": [{"producer": p, "inspection": done.get(p.pk)}
                                                 for p in producers],
                     "done": bool(producers) and len(done) == len(producers)})
    return rows


def measure_dict(row: dict) -> dict:
    m = row["measure"]
    return {"id": m.pk, "kind": m.kind, "plan": m.plan_id,
            "plan_name": m.plan.name if m.plan else None, "spot_check": m.spot_check_id,
            "spot_check_title": m.spot_check.title if m.spot_check else None,
            "producers": [{"id": p["producer"].pk, "name": p["producer"].name,
                           "inspection": p["inspection"]} for p in row["producers"]],
            "due_on": m.due_on, "done": row["done"], "note": m.note,
            "by": m.created_by.username, "at": m.created_at}


def warning_dict(w: RiskWarning) -> dict:
    return summary_dict(w) | {
        "figures": w.figures, "conclusion": w.conclusion,
        "samples": list(w.samples.order_by("sampled_at", "pk").values_list("sample_no",
                                                                           flat=True)),
        "assignees": list(w.assignees.order_by("username").values_list("username", flat=True)),
        "events": [{"kind": e.kind, "text": e.text, "actor": e.actor.username if e.actor else None,
                    "at": e.at} for e in w.events.select_related("actor")],
        "measures": [measure_dict(row) for row in measures_of(w)],
    }

"""双随机、一公开 over HTTP (CONTRACT.md "spot check"): plans answer `seed_hash`, the seed only
after the draw; a draw answers `seed`, `targets` (producer ids) and `teams`; a replay
recomputes and compares. Another district's spot check answers 404."""

import datetime as dt
from typing import Any

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Router, Schema, Status

from nongan.core.listing import page_of, xlsx_response
from nongan.core.scoping import visible
from nongan.regions.models import Region

from . import draws, matters
from . import spot_check_queries as queries
from .models import ConflictDeclaration, Matter, SpotCheck, Target
from .services import spot_checks as services

router = Router(tags=["spot-checks"])


class SpotCheckIn(Schema):
    """Raw values: the service cleans them and answers 422 naming each bad field."""

    title: Any = None
    matter: Any = None
    population: Any = None
    count: Any = None
    share: Any = None
    grade_shares: Any = None
    stratify_by: Any = ""
    team_size: Any = services.MIN_TEAM_SIZE
    exclude_months: Any = 0
    period_start: Any = None
    period_end: Any = None


class ReasonIn(Schema):
    reason: Any = None


class ResultIn(Schema):
    result: Any = None
    note: Any = None
    inspection: Any = None
    samples: Any = None


class MatterIn(Schema):
    code: Any = None
    name: Any = None
    legal_basis: Any = None
    scope: Any = None
    method: Any = None
    template: Any = None


class ConflictIn(Schema):
    officer: Any = None
    producer: Any = None
    town: Any = None
    reason: Any = None


def _number(value):
    return None if value is None else float(value)


def summary_dict(s: SpotCheck) -> dict:
    return {"id": s.pk, "title": s.title, "region": s.region_id, "matter": s.matter_id,
            "matter_name": s.matter.name, "population": s.population, "count": s.count,
            "share": _number(s.share),
            "grade_shares": {g: float(v) for g, v in s.grade_shares.items()},
            "stratify_by": s.stratify_by, "team_size": s.team_size,
            "exclude_months": s.exclude_months, "period_start": s.period_start,
            "period_end": s.period_end, "state": s.state, "seed_hash": s.seed_hash,
            "snapshot_hash": s.snapshot_hash, "created_at": s.created_at,
            "created_by": s.created_by.username, "drawn_at": s.drawn_at,
            "cancelled_at": s.cancelled_at, "cancel_reason": s.cancel_reason}


def target_dict(t: Target) -> dict:
    return {"id": t.pk, "position": t.position, "producer": t.producer_id,
            "producer_name": t.producer.name, "town": t.town_id, "town_name": t.town.name,
            "grade": t.grade, "team": t.team, "result": t.result or None,
            "note": t.result_note, "inspection": t.inspection_id,
            "samples": [s.sample_no for s in t.samples.all()],
            "concluded_on": t.concluded_on,
            "concluded_by": t.concluded_by.username if t.concluded_by else None,
            "publish_due": t.publish_due, "published_at": t.published_at}


def detail_dict(s: SpotCheck) -> dict:
    """The plan with its frozen sizes; after the draw the seed, the targets and the teams
    (the seed never appears before: it would let anyone foresee the draw)."""
    answer = summary_dict(s) | {
        "population_size": len(s.snapshot["population"]),
        "pool": [o["username"] for o in s.snapshot["officers"]],
        "strata": [{k: (float(v) if k == "share" and v is not None else v)
                    for k, v in layer.items() if k != "members"}
                   for layer in draws.strata(s.snapshot)],
        "drawn_by": s.drawn_by.username if s.drawn_by else None}
    if s.drawn_at is not None:
        checks = list(queries.targets_of(s))
        answer |= {"seed": s.seed, "targets": [t.producer_id for t in checks],
                   "teams": [t.team for t in checks],
                   "checks": [target_dict(t) for t in checks]}
    return answer


def _spot_checks(request):
    return visible(SpotCheck, request.auth).select_related("matter", "created_by", "drawn_by")


def _spot_check(request, spot_check_id) -> SpotCheck:
    return get_object_or_404(_spot_checks(request), pk=spot_check_id)


def _region(request, code):
    return get_object_or_404(visible(Region, request.auth), code=code) if code else None


@router.get("/spot-checks", response=dict)
def list_spot_checks(request, state: str = "", matter: int | None = None, region: str = "",
                     q: str = "", sort: str = "", page: int = 1, page_size: int = 50,
                     format: str = ""):
    qs = queries.spot_checks_for(request.auth, state=state, matter=matter,
                                 region=_region(request, region), q=q, sort=sort)
    if format == "xlsx":
        return xlsx_response("双随机抽查计划.xlsx", queries.EXPORT_HEADERS,
                             queries.export_rows(qs.defer("snapshot")))
    found = page_of(qs.defer("snapshot"), page, page_size)
    return {"count": found["count"], "items": [
        summary_dict(s) | {"targets_count": s.targets_count,
                           "concluded_count": s.concluded_count,
                           "published_count": s.published_count} for s in found["items"]]}


@router.post("/spot-checks", response={201: dict})
def plan_spot_check(request, body: SpotCheckIn):
    spot_check = services.plan_spot_check(body.dict(), actor=request.auth)
    return Status(201, detail_dict(_spot_check(request, spot_check.pk)))


@router.get("/spot-checks/population", response=dict)
def population(request, region: str = "", kind: str = "", certification: str = "",
               credit_grade: str = "", period_start: dt.date | None = None,
               period_end: dt.date | None = None, exclude_months: int = 0):
    """检查对象名录: how many producers a population filter gives, by town and grade."""
    area = _region(request, region) or request.auth.region
    start = period_start or timezone.localdate()
    qs = queries.producers_in(request.auth, area, kind=kind, certification=certification,
                              credit_grade=credit_grade, period_start=start,
                              period_end=period_end or start, exclude_months=exclude_months)
    rows = queries.population_table(qs)
    return {"count": sum(r["total"] for r in rows), "items": [
        {"town": r["town"], "town_name": r["name"], "total": r["total"],
         "grades": dict(r["grades"])} for r in rows]}


@router.get("/spot-checks/{spot_check_id}", response=dict)
def get_spot_check(request, spot_check_id: int):
    return detail_dict(_spot_check(request, spot_check_id))


@router.post("/spot-checks/{spot_check_id}/draw", response=dict)
def draw(request, spot_check_id: int):
    spot_check = services.draw(_spot_check(request, spot_check_id), actor=request.auth)
    return detail_dict(_spot_check(request, spot_check.pk))


@router.get("/spot-checks/{spot_check_id}/replay", response=dict)
def replay(request, spot_check_id: int):
    return draws.replay(_spot_check(request, spot_check_id))


@router.get("/spot-checks/{spot_check_id}/snapshot")
def snapshot(request, spot_check_id: int):
    """The frozen snapshot as canonical JSON: its SHA-256 is the published snapshot_hash."""
    spot_check = _spot_check(request, spot_check_id)
    return HttpResponse(draws.canonical(spot_check.snapshot),
                        content_type="application/json; charset=utf-8")


@router.post("/spot-checks/{spot_check_id}/cancel", response=dict)
def cancel(request, spot_check_id: int, body: ReasonIn):
    spot_check = services.cancel_spot_check(_spot_check(request, spot_check_id), body.reason,
                                            actor=request.auth)
    return detail_dict(_spot_check(request, spot_check.pk))


@router.post("/spot-checks/{spot_check_id}/targets/{target_id}/result", response=dict)
def record_result(request, spot_check_id: int, target_id: int, body: ResultIn):
    spot_check = _spot_check(request, spot_check_id)
    target = get_object_or_404(visible(Target, request.auth).filter(spot_check=spot_check),
                               pk=target_id)
    services.record_check_result(target, body.dict(), actor=request.auth)
    return target_dict(queries.targets_of(spot_check).get(pk=target.pk))


@router.post("/spot-checks/{spot_check_id}/publish", response=dict)
def publish(request, spot_check_id: int):
    published = services.publish_results(_spot_check(request, spot_check_id),
                                         actor=request.auth)
    return detail_dict(_spot_check(request, spot_check_id)) | {"published": published}


# ---------------------------------------------------------------- 一单两库

def matter_dict(m: Matter) -> dict:
    return {"id": m.pk, "region": m.region_id, "level": m.region.level, "code": m.code,
            "name": m.name, "legal_basis": m.legal_basis, "scope": m.scope,
            "method": m.method, "template": m.template.code if m.template else None,
            "active": m.active}


@router.get("/matters", response=dict)
def list_matters(request, active: bool = False, page: int = 1, page_size: int = 50):
    found = page_of(queries.matters_for(request.auth, active_only=active), page, page_size)
    return {"count": found["count"], "items": [matter_dict(m) for m in found["items"]]}


@router.post("/matters", response={201: dict})
def add_matter(request, body: MatterIn):
    return Status(201, matter_dict(matters.add_matter(body.dict(), actor=request.auth)))


@router.post("/matters/{matter_id}/deactivate", response=dict)
def deactivate_matter(request, matter_id: int):
    matter = get_object_or_404(queries.matters_for(request.auth), pk=matter_id)
    return matter_dict(matters.deactivate_matter(matter, actor=request.auth))


def conflict_dict(c: ConflictDeclaration) -> dict:
    return {"id": c.pk, "officer": c.officer.username, "producer": c.producer_id,
            "producer_name": c.producer.name if c.producer else None, "town": c.town_id,
            "town_name": c.town.name if c.town else None, "reason": c.reason,
            "declared_at": c.declared_at, "withdrawn_at": c.withdrawn_at}


@router.get("/conflicts", response=dict)
def list_conflicts(request, active: bool = False, page: int = 1, page_size: int = 50):
    found = page_of(queries.conflicts_for(request.auth, active_only=active), page, page_size)
    return {"count": found["count"], "items": [conflict_dict(c) for c in found["items"]]}


@router.post("/conflicts", response={201: dict})
def declare_conflict(request, body: ConflictIn):
    declaration = services.declare_conflict(body.dict(), actor=request.auth)
    return Status(201, conflict_dict(queries.conflicts_for(request.auth).get(pk=declaration.pk)))


@router.post("/conflicts/{conflict_id}/withdraw", response=dict)
def withdraw_conflict(request, conflict_id: int):
    declaration = get_object_or_404(queries.conflicts_for(request.auth), pk=conflict_id)
    return conflict_dict(services.withdraw_conflict(declaration, actor=request.auth))

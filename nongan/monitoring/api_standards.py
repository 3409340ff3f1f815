"""The limit standards in the API (限量标准): editions, the limit search with the row a food
would be judged by, and the import of an edition's table."""

import datetime as dt

from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import File, Form, Router, Status
from ninja.files import UploadedFile

from nongan.core.errors import FieldErrors
from nongan.core.listing import page_of
from nongan.core.permissions import require
from nongan.core.reauth import reauth_required
from nongan.core.scoping import visible

from .limits import judge, lookup, mg, standard_in_force
from .models import Standard
from .standards import import_limits

router = Router(tags=["standards"])


def edition_dict(standard: Standard, in_force: Standard | None = None) -> dict:
    return {"code": standard.code, "version": standard.version, "label": standard.label,
            "title": standard.title, "effective_from": standard.effective_from,
            "in_force": bool(in_force and in_force.pk == standard.pk), "demo": standard.demo,
            "source": standard.source, "loaded_at": standard.loaded_at}


def limit_dict(row: dict) -> dict:
    return row | {"mrl": mg(row["mrl"]) or None}


def judgement_dict(found: dict) -> dict:
    return {"status": found["status"], "mrl": mg(found["mrl"]) or None,
            "matched_food": found["matched_food"], "standard": found["standard"],
            "basis": found["basis"]}


def chosen_edition(user, version: str = "", on: dt.date | None = None,
                   code: str = "GB 2763") -> Standard | None:
    """The edition asked for by version, else the one in force on `on` (default today)."""
    editions = visible(Standard, user).filter(code=code)
    if version:
        return get_object_or_404(editions, version=version)
    found = standard_in_force(on or timezone.localdate(), code)
    return found if found and editions.filter(pk=found.pk).exists() else None


@router.get("/standards", response=dict)
def list_editions(request, page: int = 1, page_size: int = 50):
    in_force = standard_in_force(timezone.localdate())
    found = page_of(visible(Standard, request.auth), page, page_size)
    return {"count": found["count"],
            "items": [edition_dict(s, in_force) for s in found["items"]]}


@router.get("/standards/mrl", response=dict)
def search_limits(request, pesticide: str = "", food: str = "", version: str = "",
                  on: dt.date | None = None, page: int = 1, page_size: int = 50):
    """Limit rows of an edition (by `version`, else the one in force `on`, default today);
    with both `pesticide` and `food`, `match` is how a sample would be judged."""
    standard = chosen_edition(request.auth, version, on)
    found = page_of(lookup(standard, pesticide, food), page, page_size)
    match = None
    if standard is not None and pesticide.strip() and food.strip():
        match = judgement_dict(judge(standard, pesticide, food, None))
    return {"count": found["count"], "items": [limit_dict(r) for r in found["items"]],
            "standard": edition_dict(standard, standard) if standard else None,
            "match": match}


@router.post("/standards/mrl/import", response={201: dict})
@reauth_required("standard.import")
def import_mrl(request, limits: File[UploadedFile] = None, foods: File[UploadedFile] = None,
               effective_from: Form[str] = ""):
    """导入限量标准 (multipart: `limits`, optional `foods`, optional `effective_from`);
    every row is checked and nothing is written unless all pass."""
    require(request.auth, "standard.import")
    if limits is None:
        raise FieldErrors([(("limits",), "请上传限量表文件（limits）")], prefix=())
    summary = import_limits(limits, foods, actor=request.auth,
                            effective_from=effective_from or None)
    return Status(201, summary)

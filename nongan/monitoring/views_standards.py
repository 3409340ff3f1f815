"""Pages of the limit standards (限量标准): editions, the limit search with the row a food
would be judged by, the food classification, and the city's import of a new table. Thin
views: reads through `visible(...)`, the one write through `standards.import_limits`."""

import csv
import io
from urllib.parse import quote

from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from nongan.core.errors import FieldErrors
from nongan.core.listing import page_of
from nongan.core.permissions import allowed, require
from nongan.core.reauth import reauth_required
from nongan.core.scoping import visible

from .limits import judge, lookup, mg, standard_in_force
from .models import FoodClass, ResidueLimit, Standard
from .standards import DATA, import_limits

PAGE_SIZES = [20, 50, 100, 200]
FILE_LABELS = {"limits": _("限量表"), "foods": _("食品分类"), "effective_from": _("实施日期")}
TEMPLATES = {"limits": "gb2763-limits-template.csv", "foods": "gb2763-foods-template.csv"}


def _editions(user):
    """Visible editions, newest first, each with its number of limits and classes."""
    editions = list(visible(Standard, user).order_by("code", "-effective_from"))
    counts = {}
    for model, key in ((ResidueLimit, "n_limits"), (FoodClass, "n_foods")):
        for row in (model.objects.filter(standard__in=editions).values("standard")
                    .annotate(n=Count("id"))):
            counts.setdefault(row["standard"], {})[key] = row["n"]
    for edition in editions:
        for key in ("n_limits", "n_foods"):
            setattr(edition, key, counts.get(edition.pk, {}).get(key, 0))
    return editions


def _partial(request) -> bool:
    return (request.headers.get("HX-Request") == "true"
            and not request.headers.get("HX-History-Restore-Request"))


def _chosen(editions, version: str, in_force):
    """The edition asked for, else the one in force, else the newest."""
    if version:
        return next((e for e in editions if e.version == version), None)
    return next((e for e in editions if in_force and e.pk == in_force.pk),
                editions[0] if editions else None)


@login_required
@require_GET
def standards_page(request):
    editions = _editions(request.user)
    in_force = standard_in_force(timezone.localdate())
    chosen = _chosen(editions, request.GET.get("version") or "", in_force)
    pesticide = (request.GET.get("pesticide") or "").strip()
    food = (request.GET.get("food") or "").strip()
    found = page_of(lookup(chosen, pesticide, food), request.GET.get("page"),
                    request.GET.get("page_size") or 50)
    found["items"] = [r | {"mrl_text": mg(r["mrl"])} for r in found["items"]]
    match = judge(chosen, pesticide, food, None) if chosen and pesticide and food else None
    if match:
        match["mrl_text"] = mg(match["mrl"])
    context = {"editions": editions, "in_force": in_force, "chosen": chosen,
               "today": timezone.localdate(),
               "pesticide": pesticide, "food": food, "result": found, "match": match,
               "page_sizes": PAGE_SIZES, "can_import": allowed(request.user, "standard.import")}
    template = ("monitoring/standards_results.html" if _partial(request)
                else "monitoring/standards.html")
    return render(request, template, context)


@login_required
@require_GET
def standard_foods(request):
    """The classification as a tree, or (`?format=csv`) as the `food,parent` file an
    import takes, to start the next edition's classification from."""
    standard = _chosen(_editions(request.user), request.GET.get("version") or "",
                       standard_in_force(timezone.localdate()))
    if standard is None:
        raise Http404
    rows = list(FoodClass.objects.filter(standard=standard).order_by("pk")
                .values_list("pk", "name", "parent_id"))
    if request.GET.get("format") == "csv":
        return _csv(f"{standard.label}-食品分类.csv", ["food", "parent"],
                    [(name, dict((p, n) for p, n, _ in rows).get(parent, ""))
                     for _, name, parent in rows])
    nodes = {pk: {"name": name, "parent": parent, "children": []} for pk, name, parent in rows}
    roots = []
    for node in nodes.values():
        (nodes[node["parent"]]["children"] if node["parent"] else roots).append(node)
    return render(request, "monitoring/standards_foods.html",
                  {"standard": standard, "roots": roots, "count": len(nodes)})


def _csv(filename: str, header, rows) -> HttpResponse:
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(header)
    writer.writerows(rows)
    # With a BOM, Excel opens the Chinese text as UTF-8.
    response = HttpResponse(("\ufeff" + text.getvalue()).encode(),
                            content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


def _error_rows(exc: FieldErrors) -> list[dict]:
    """loc is (file, row, column), or (file,) / (field,) for a file or field as a whole;
    each message already names its row and column."""
    return [{"file": FILE_LABELS.get(loc[0], loc[0]) if loc else "", "message": msg}
            for loc, msg in exc.errors]


@login_required
@require_http_methods(["GET", "POST"])
@reauth_required("standard.import")
def standard_import(request):
    require(request.user, "standard.import")
    errors, summary, status = [], None, 200
    if request.method == "POST":
        limits_file = request.FILES.get("limits")
        try:
            if limits_file is None:
                raise FieldErrors([(("limits",), "请选择限量表文件")], prefix=())
            summary = import_limits(limits_file, request.FILES.get("foods"),
                                    actor=request.user,
                                    effective_from=request.POST.get("effective_from") or None)
        except FieldErrors as exc:
            errors, status = _error_rows(exc), 422
    return render(request, "monitoring/standards_import.html",
                  {"errors": errors, "summary": summary,
                   "effective_from": request.POST.get("effective_from", "")}, status=status)


@login_required
@require_GET
def standard_template(request, name: str):
    if name not in TEMPLATES:
        raise Http404
    return FileResponse((DATA / TEMPLATES[name]).open("rb"), as_attachment=True,
                        filename=TEMPLATES[name], content_type="text/csv; charset=utf-8")

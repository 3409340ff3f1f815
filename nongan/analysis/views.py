"""分析评价 pages: the dashboard of one region and period, its tables in Excel, and the
records behind each figure. Thin: the scope comes from `scope.parse` (403 for a role
without dashboards, 404 for a region outside the caller's, 422 beside the bad field), the
figures from `dashboard`, the lists from `records`."""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from nongan.core.errors import FieldErrors
from nongan.core.listing import page_of, sort_headers, xlsx_response
from nongan.inspections import schedules
from nongan.monitoring.models import VERDICTS
from nongan.risk.models import LEVELS

from . import charts, dashboard, records
from .figures import inspections
from .scope import parse, region_options
from .tables import Table, by_name, plain, tables

PAGE_SIZES = [20, 50, 100, 200]
# What a drill-down's extra parameters mean, to say on its page which records these are.
FILTER_LABELS = {"verdict": "结论", "product": "样品名称", "analyte": "不合格项目",
                 "status": "状态", "obligation": "巡查要求", "level": "等级", "grid": "网格",
                 "new": "本期新登记", "issued": "本期发布", "town": "镇（街道）"}


def _form(request, errors=None) -> dict:
    params = request.GET
    return {"options": region_options(request.user), "errors": errors or {},
            "region_code": params.get("region") or request.user.region_id,
            "date_from": params.get("from", ""), "date_to": params.get("to", "")}


def _filename(title: str, scope) -> str:
    return f"{title}-{scope.region.name}-{scope.start:%Y%m%d}-{scope.end:%Y%m%d}.xlsx"


@login_required
@require_GET
def dashboard_page(request):
    try:
        scope = parse(request.user, request.GET)
    except FieldErrors as exc:
        return render(request, "analysis/dashboard.html", _form(request, exc.by_field()),
                      status=422)
    data = dashboard.everything(scope)
    found = tables(data, scope)
    if request.GET.get("format") == "xlsx":
        table = by_name(found).get(request.GET.get("table", ""))
        if table is None:
            raise Http404("table")
        return xlsx_response(_filename(table.title, scope), table.headers, table.values())
    return render(request, "analysis/dashboard.html", _form(request) | {
        "scope": scope, "data": data, "tables": by_name(found),
        "charts": charts.all_charts(data), "map": charts.map_data(data["warnings"]),
        "map_tiles": getattr(settings, "NONGAN_MAP_TILES", ""),
        "export": urlencode(scope.query(format="xlsx")),
        "date_from": scope.start.isoformat(), "date_to": scope.end.isoformat(),
        "region_code": scope.region.code})


def _value_names() -> dict[str, dict]:
    """How each drill-down parameter's values read (its choices' Chinese names)."""
    return {"verdict": dict(VERDICTS), "level": dict(LEVELS),
            "status": {**inspections.STATUS_NAMES, "signed": "已签订", "unsigned": "未签订"},
            "obligation": {rule["obligation"]: rule["name"] for rule in schedules.RULES},
            "new": {"1": "是"}, "issued": {"1": "是"}, "town": {"none": "未定位到镇"},
            "grid": {"none": "未划入网格"}}


def _filters(params) -> list[tuple[str, str]]:
    names = _value_names()
    return [(_(label), _(names.get(key, {}).get(params[key], params[key])))
            for key, label in FILTER_LABELS.items() if params.get(key)]


@login_required
@require_GET
def records_page(request, figure: str):
    """The records behind one figure, paged and sorted, `?format=xlsx` for all of them."""
    params = request.GET
    spec = records.FIGURES[figure]
    try:
        scope = parse(request.user, params)
        found = spec.select(scope, params)
    except FieldErrors as exc:
        return render(request, "analysis/records.html", {
            "figure": figure, "title": _(spec.title), "errors": exc.by_field()}, status=422)
    found, sort = records.ordered(spec, found, params.get("sort", ""))
    headers = [_(h) for h in spec.headers]
    if params.get("format") == "xlsx":
        rows = (plain(spec.row(r)) for r in records.every(found))
        return xlsx_response(_filename(_(spec.title), scope), headers, rows)
    result = page_of(found, params.get("page"), params.get("page_size"))
    arrows = sort_headers(sort, spec.sorts, descending_first=spec.descending_first)
    by_column = {column: key for key, (column, _how) in spec.sorts.items()}
    columns = [{"label": label, "sort": arrows.get(by_column.get(i, ""))}
               for i, label in enumerate(headers)]
    return render(request, "analysis/records.html", {
        "figure": figure, "title": _(spec.title), "scope": scope, "result": result,
        "columns": columns,
        "table": Table(figure, _(spec.title), headers, [spec.row(r) for r in result["items"]]),
        "filters": _filters(params), "page_sizes": PAGE_SIZES})

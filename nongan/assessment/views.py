"""考核 pages: the city's table of districts (stored scores, ranked), a district's page
(computed live: each indicator, its points, and the records that cost them, paged), and the
table of indicators (the city administrator edits it, by form or CSV). Thin views: reads
through `queries`/`report`, writes through `services`."""

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from nongan.core.errors import Conflict, FieldErrors
from nongan.core.listing import page_of
from nongan.core.permissions import allowed, require
from nongan.core.reauth import reauth_required
from nongan.inspections.schedules import shanghai_today

from . import report, services
from .exports import misses_workbook, table_workbook
from .indicators import METHODS
from .queries import FIRST_YEAR, clean_year, district_for, districts_for
from .scoring import compute
from .tables import COLUMNS, SHIPPED_YEAR, csv_text, read_csv, table_for

MISSES_PAGE_SIZE = 20


def _year(request, ahead: int = 0) -> tuple[int, str]:
    """The year asked, or this year with the reason the one asked cannot be read."""
    try:
        return clean_year(request.GET.get("year"), ahead=ahead), ""
    except FieldErrors as exc:
        return shanghai_today().year, exc.by_field()["year"]


def _years(year: int, ahead: int = 0) -> list[int]:
    """The picker's years: the last ten, and the one shown if older."""
    last = shanghai_today().year + ahead
    return list(range(last, max(FIRST_YEAR, min(year, last - 9)) - 1, -1))


@login_required
@require_GET
def index(request):
    user = request.user
    districts = districts_for(user)
    if not districts:
        raise PermissionDenied("assessment.view")
    year, year_error = _year(request)
    if len(districts) == 1:
        return redirect(reverse("assessment_district", args=[districts[0].code])
                        + f"?year={year}")
    items = report.scores(districts, year)
    if request.GET.get("format") == "xlsx":
        return table_workbook(year, items)
    table, indicators = table_for(year)
    return render(request, "assessment/index.html", {
        "year": year, "years": _years(year), "year_error": year_error, "items": items,
        "indicators": [i for i in indicators if i.active], "table": table,
        "computed_at": min((i["computed_at"] for i in items), default=None),
        "can_refresh": allowed(user, "assessment.edit")})


@login_required
@require_POST
@reauth_required("assessment.edit")
def refresh(request):
    require(request.user, "assessment.edit")
    year, year_error = _year(request)
    if year_error:
        messages.error(request, year_error)
    else:
        done = services.refresh_scores(year, actor=request.user)
        messages.success(request, _("已重新计算 %(year)s 年度 %(n)s 个区的得分（用时 %(s)s 秒）")
                         % {"year": year, "n": done["districts"], "s": done["seconds"]})
    return redirect(reverse("assessment") + f"?year={year}")


@login_required
@require_GET
def district(request, code):
    region = district_for(request.user, code)
    year, year_error = _year(request)
    if request.GET.get("format") == "xlsx":
        if request.GET.get("what") == "misses":
            return misses_workbook(year, report.misses([region], year),
                                   request.build_absolute_uri("/")[:-1])
        return table_workbook(year, report.scores([region], year))
    result = compute([region], year, shanghai_today())[0]
    lines = []
    for line in result.lines:
        param = f"p-{line.indicator.code}"
        lines.append({"line": line, "param": param, "open": param in request.GET,
                      "percent": f"{line.achieved * 100:.1f}",
                      "target": f"{line.indicator.target * 100:g}",
                      "misses": page_of(line.measurement.misses, request.GET.get(param),
                                        MISSES_PAGE_SIZE),
                      "method": METHODS.get(line.indicator.method)})
    table, _indicators = table_for(year)
    return render(request, "assessment/district.html", {
        "region": region, "year": year, "years": _years(year), "year_error": year_error,
        "result": result, "lines": lines, "table": table,
        "city": len(districts_for(request.user)) > 1})


def _posted_rows(post) -> list[dict]:
    """The form as rows (row n's fields are `rows-n-<field>`); a row left wholly empty (the
    blank row for a new indicator) is dropped."""
    rows, n = [], 0
    while f"rows-{n}-code" in post:
        row = {field: post.get(f"rows-{n}-{field}", "").strip() for field in COLUMNS}
        row["active"] = f"rows-{n}-active" in post
        if any(row[f] for f in COLUMNS if f != "active"):
            rows.append(row)
        n += 1
    return rows


@login_required
@require_http_methods(["GET", "POST"])
@reauth_required("assessment.edit")
def indicators(request):
    user = request.user
    if not allowed(user, "assessment.view"):
        raise PermissionDenied("assessment.view")
    year, year_error = _year(request, ahead=1)
    table, current = table_for(year)
    if request.GET.get("format") == "csv":
        response = HttpResponse("\ufeff" + csv_text(current), content_type="text/csv")
        response["Content-Disposition"] = f'attachment; filename="indicators-{year}.csv"'
        return response
    rows = [dict(_as_row(i), bad=set()) for i in current]
    errors, status = [], 200
    if request.method == "POST":
        require(user, "assessment.edit")
        upload = request.FILES.get("file")
        try:
            if upload is not None:
                posted = read_csv(upload.read())
                services.save_table(year, posted, actor=user, csv_lines=True)
            else:
                posted = _posted_rows(request.POST)
                services.save_table(year, posted, actor=user,
                                    version=request.POST.get("version"),
                                    table_year=request.POST.get("table_year"))
        except FieldErrors as exc:
            errors, status = [msg for _loc, msg in exc.errors], 422
            if upload is None:
                rows = [dict(row, bad={str(loc[2]) for loc, _m in exc.errors
                                       if len(loc) == 3 and loc[1] == n})
                        for n, row in enumerate(posted)]
        except Conflict as exc:
            errors, status = [str(exc)], 409
        else:
            messages.success(request, _("%(year)s 年度考核表已保存") % {"year": year})
            return redirect(reverse("assessment_indicators") + f"?year={year}")
    return render(request, "assessment/indicators.html", {
        "year": year, "years": _years(year, ahead=1), "year_error": year_error, "table": table,
        "rows": rows, "errors": errors, "methods": list(METHODS.values()),
        "can_edit": allowed(user, "assessment.edit"), "columns": COLUMNS,
        "shipped_year": SHIPPED_YEAR,
        "total": sum(float(i.weight) for i in current if i.active)}, status=status)


def _as_row(indicator) -> dict:
    return {"code": indicator.code, "name": indicator.name, "weight": f"{indicator.weight:g}",
            "method": indicator.method, "target": f"{indicator.target:g}",
            "params": json.dumps(indicator.params, ensure_ascii=False) if indicator.params
            else "", "clause": indicator.clause, "order": indicator.order,
            "active": indicator.active}

"""Risk-warning pages (风险预警): the list (filters, sorting, paging, Excel), one warning with
its explanation, figures, samples, events and measures and the action forms, the POSTs of
those forms, the recomputation button and the parameter page. Thin: reads through
`queries` (another district's warning is a 404 on every page and POST), writes through
`services` / `measures` / `rules`."""

import json
import math

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from nongan.core.errors import Conflict, FieldErrors
from nongan.core.listing import page_of, sort_headers, xlsx_response
from nongan.core.permissions import allowed, require
from nongan.core.reauth import reauth_required
from nongan.core.scoping import visible
from nongan.enforcement.spot_check_queries import matters_for
from nongan.producers.models import Producer
from nongan.producers.queries import region_choices
from nongan.producers.views import map_strings
from nongan.regions.models import Region

from . import explain, queries, rules, services
from .forms import MEASURE_FORMS, CloseForm, NoteForm
from .measures import take_measure
from .models import KINDS, LEVELS, STATUSES
from .tasks import run_risk

PAGE_SIZES = [20, 50, 100, 200]
LEVEL_BADGES = {"red": "bad", "orange": "bad", "yellow": "warn", "blue": "info"}
STATUS_BADGES = {"issued": "bad", "acknowledged": "warn", "acting": "warn", "closed": "ok"}
EVENT_LABELS = {"issued": _lazy("发布"), "updated": _lazy("再次检出"),
                "acknowledged": _lazy("签收"), "measure": _lazy("采取措施"), "closed": _lazy("办结")}
# The scalar figures shown on the page, in this order.
FIGURE_LABELS = {
    "period": _lazy("月份"), "method": _lazy("方法"), "tested": _lazy("检测批次"),
    "observed": _lazy("不合格批次"), "expected": _lazy("预期"), "upper": _lazy("预警阈值"),
    "p_value": _lazy("p 值"), "recent_cases": _lazy("近期累计不合格"),
    "window_days": _lazy("统计天数"), "since": _lazy("起始日期"), "until": _lazy("截止日期"),
    "total": _lazy("样品批次"), "cases": _lazy("不合格批次"),
    "rate_inside": _lazy("区内不合格率"), "rate_outside": _lazy("区外不合格率"),
    "radius_km": _lazy("半径（公里）"), "llr": _lazy("对数似然比"),
    "replications": _lazy("随机重排次数"), "samples": _lazy("样品批次"),
    "n": _lazy("抽检批次"), "y": _lazy("不合格或临界批次"), "p_ref": _lazy("全市平均率"),
    "posterior_mean": _lazy("修正后估计"), "exceedance": _lazy("高于平均的概率"),
    "probability": _lazy("概率阈值"),
}


@login_required
@require_GET
def warning_list(request):
    user, params = request.user, request.GET
    filters = queries.valid_filters(params)
    if "status" not in params:
        filters["status"] = "open"
    notice = None
    if filters["region"] and not visible(Region, user).filter(code=filters["region"]).exists():
        qs, notice = queries.warnings_for(user).none(), _("区域不存在或不在辖区内")
    else:
        qs = queries.warnings_for(user, filters)
    if params.get("format") == "xlsx":
        return xlsx_response(_("风险预警") + ".xlsx", queries.EXPORT_HEADERS,
                             queries.export_rows(qs))
    result = page_of(qs, params.get("page"), params.get("page_size"))
    rows = [{"warning": w, "level_badge": LEVEL_BADGES[w.level],
             "status_badge": STATUS_BADGES[w.status]} for w in result["items"]]
    return render(request, "risk/warning_list.html", {
        "here": "warning_list", "result": result, "rows": rows, "filters": filters,
        "notice": notice, "levels": LEVELS, "kinds": KINDS,
        "statuses": [("open", _("未办结")), *STATUSES, ("", _("全部"))],
        "sort": sort_headers(filters["sort"], queries.SORT_FIELDS,
                             descending_first=("detected_at", "issued_at", "level")),
        "sort_value": filters["sort"], "regions": region_choices(user),
        "region": filters["region"], "page_sizes": PAGE_SIZES,
        "can_run": allowed(user, "risk.run")})


def _warning(request, pk):
    return get_object_or_404(queries.warnings_for(request.user), pk=pk)


def _candidates(warning, user) -> list:
    """Producers an inspection measure may name: the warning's, or its samples'."""
    ids = ([warning.producer_id] if warning.producer_id else
           set(warning.samples.values_list("producer_id", flat=True)))
    return list(visible(Producer, user).filter(pk__in=ids).order_by("name")[:200])


def _measure_form(kind, warning, user, data=None):
    extra = {}
    if kind == "inspection":
        extra["producers"] = _candidates(warning, user)
    if kind == "spot_check":
        extra["matters"] = (matters_for(user, active_only=True)
                            if allowed(user, "spotcheck.plan") else [])
    form = MEASURE_FORMS[kind](data, prefix=kind, **extra)
    if kind == "inspection" and data is None:
        form.initial["producers"] = [p.pk for p in extra["producers"]]
    return form


def _measure_forms(warning, user, bound=None) -> dict:
    forms = {kind: _measure_form(kind, warning, user) for kind in MEASURE_FORMS}
    if bound is not None:
        forms[bound.kind] = bound
    return forms


def _features(warning) -> str:
    """Member towns of a spatial warning as small hexagons (the centre highlighted) for
    map.js, which draws GeoJSON without any tiles."""
    members = warning.figures.get("members") or []
    features = []
    for m in members:
        if m.get("lon") is None:
            continue
        r_lat = 0.012
        r_lon = r_lat / max(0.2, math.cos(math.radians(m["lat"])))
        ring = [[m["lon"] + r_lon * math.cos(a * math.pi / 3),
                 m["lat"] + r_lat * math.sin(a * math.pi / 3)] for a in range(7)]
        features.append({"type": "Feature", "geometry": {"type": "Polygon",
                                                         "coordinates": [ring]},
                         "properties": {"plot_no": f"{m['name']} {m['cases']}/{m['total']}",
                                        "role": "current" if m["town"] ==
                                        warning.figures.get("center") else "overlap"}})
    return json.dumps({"type": "FeatureCollection", "features": features}) if features else ""


def _district_names(warning) -> list:
    """[(name, failing samples)] of a systemic warning's districts."""
    rows = warning.figures.get("by_district") or []
    names = dict(Region.objects.filter(code__in=[c for c, _ in rows]).values_list("code", "name"))
    return [(names.get(code, code), n) for code, n in rows]


def _detail(request, warning, forms=None, status=200):
    user = request.user
    forms = forms or {}
    open_ = warning.status != "closed"
    samples = warning.samples.select_related("producer", "town").order_by("sampled_at", "pk")
    return render(request, "risk/warning_detail.html", {
        "here": "warning", "warning": warning,
        "level_badge": LEVEL_BADGES[warning.level],
        "status_badge": STATUS_BADGES[warning.status],
        "events": [{"event": e, "label": EVENT_LABELS.get(e.kind, e.kind)}
                   for e in warning.events.select_related("actor")],
        "samples": samples[:200], "sample_count": samples.count(),
        "measures": queries.measures_of(warning),
        "assignees": warning.assignees.order_by("username"),
        "can_acknowledge": open_ and warning.status == "issued"
        and allowed(user, "warning.handle"),
        "can_measure": open_ and allowed(user, "warning.measure"),
        "can_close": warning.status in services.TRANSITIONS["closed"]
        and allowed(user, "warning.handle")
        and (warning.district_id is not None or user.region.level == "city"),
        "note_form": forms.get("note") or NoteForm(prefix="ack"),
        "close_form": forms.get("close") or CloseForm(prefix="close"),
        "measure_forms": _measure_forms(warning, user, forms.get("measure")),
        "open_measure": forms.get("measure").kind if forms.get("measure") else "",
        "can_plan": allowed(user, "plan.create"),
        "can_spot_check": allowed(user, "spotcheck.plan"),
        "features": _features(warning) if warning.kind == "spatial" else "",
        "map_tiles": getattr(settings, "NONGAN_MAP_TILES", ""),
        "map_strings": map_strings(),
        "history": warning.figures.get("history") or [],
        "figure_rows": [(label, explain.display(key, warning.figures[key]))
                        for key, label in FIGURE_LABELS.items()
                        if isinstance(warning.figures.get(key), int | float | str)],
        "district_names": _district_names(warning),
    }, status=status)


@login_required
@require_GET
def warning_detail(request, pk):
    return _detail(request, _warning(request, pk))



@login_required
@require_POST
def warning_acknowledge(request, pk):
    warning = _warning(request, pk)
    form = NoteForm(request.POST, prefix="ack")
    form.is_valid()
    try:
        services.acknowledge(warning, form.cleaned_data.get("note", ""), actor=request.user)
    except Conflict as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("已签收"))
    return redirect(reverse("warning", args=[warning.pk]) + "#actions")


@login_required
@require_POST
def warning_close(request, pk):
    warning = _warning(request, pk)
    form = CloseForm(request.POST, prefix="close")
    form.is_valid()
    try:
        services.close(warning, form.cleaned_data.get("conclusion", ""), actor=request.user)
    except FieldErrors as exc:
        exc.attach_to(form)
        return _detail(request, _warning(request, pk), {"close": form}, status=422)
    except Conflict as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("预警已办结"))
    return redirect(reverse("warning", args=[warning.pk]) + "#events")


@login_required
@require_POST
def warning_measure(request, pk):
    warning = _warning(request, pk)
    require(request.user, "warning.measure")
    kind = request.POST.get("kind")
    if kind not in MEASURE_FORMS:
        messages.error(request, _("请选择措施类型"))
        return redirect(reverse("warning", args=[warning.pk]) + "#actions")
    form = _measure_form(kind, warning, request.user, request.POST)
    if form.is_valid():
        try:
            take_measure(warning, form.payload(), actor=request.user)
        except FieldErrors as exc:
            exc.attach_to(form)
        except Conflict as exc:
            messages.error(request, str(exc))
            return redirect(reverse("warning", args=[warning.pk]) + "#measures")
        else:
            messages.success(request, _("已采取措施，预警转为处置中"))
            return redirect(reverse("warning", args=[warning.pk]) + "#measures")
    return _detail(request, _warning(request, pk), {"measure": form}, status=422)


@login_required
@require_POST
def risk_run(request):
    """重新计算 (city administrator): queued for the worker, like the nightly run."""
    require(request.user, "risk.run")
    result = run_risk.enqueue()
    messages.success(request, _("已提交重新计算（任务 %(id)s），稍后刷新查看") % {"id": result.id})
    return redirect("warning_list")


@login_required
@require_http_methods(["GET", "POST"])
@reauth_required("risk.run")
def risk_settings(request):
    """预警参数: the city administrator edits the defaults (every key, typed)."""
    if not allowed(request.user, "risk.run"):
        raise PermissionDenied
    values, errors = rules.current(), {}
    if request.method == "POST":
        posted = {section: {key: request.POST.get(f"{section}.{key}",
                                                  "" if not isinstance(v, bool) else "0")
                            for key, v in keys.items()}
                  for section, keys in rules.defaults().items()}
        try:
            rules.update(posted, actor=request.user)
        except FieldErrors as exc:
            errors = {".".join(map(str, loc)): msg for loc, msg in exc.errors}
            values = posted
        else:
            messages.success(request, _("预警参数已保存，下次计算时生效"))
            return redirect("risk_settings")
    sections = [{"name": section, "label": rules.LABELS[section],
                 "fields": [{"name": f"{section}.{key}", "key": key,
                             "value": values[section][key], "default": default,
                             "bool": isinstance(default, bool),
                             "error": errors.get(f"{section}.{key}")}
                            for key, default in keys.items()]}
                for section, keys in rules.defaults().items()]
    return render(request, "risk/settings.html", {"here": "risk_settings",
                                                  "sections": sections},
                  status=422 if errors else 200)

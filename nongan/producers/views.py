"""Register pages (生产主体名录): thin views; reads through `queries`/`visible`, writes
through `services`, which raise `FieldErrors` that the forms show beside each field."""

import json
from decimal import Decimal

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from nongan.core.errors import FieldErrors
from nongan.core.listing import page_of, sort_headers, xlsx_response
from nongan.core.permissions import allowed, require, sees_personal_data
from nongan.core.scoping import visible
from nongan.core.validators import mask_id_number, mask_phone
from nongan.credit.queries import credit_file
from nongan.monitoring.pages import VERDICT_BADGES, failed_results, producer_samples
from nongan.regions.models import Region

from . import services
from .forms import (
    CertificationForm,
    CertificationStatusForm,
    PlotForm,
    ProducerForm,
    attach_errors,
)
from .models import CERT_KINDS, KINDS, Plot, Producer
from .queries import (
    EXPORT_HEADERS,
    export_rows,
    plot_feature,
    plot_numbers_visible,
    plots_for,
    producers_for,
    region_choices,
    shown_id_number,
    towns_for,
    villages_for,
)

PAGE_SIZES = [20, 50, 100, 200]
SORT_COLUMNS = ["name", "area", "created"]
CERT_ROWS_ON_CREATE = 2
AREA_TOLERANCE = Decimal("0.2")  # measured vs declared: more than 20% apart is flagged


# --- small helpers -----------------------------------------------------------------------


def _partial(request) -> bool:
    """An htmx request that swaps part of the page (a history restore wants the whole)."""
    return (request.headers.get("HX-Request") == "true"
            and not request.headers.get("HX-History-Restore-Request"))


def _producer(request, pk) -> Producer:
    qs = visible(Producer, request.user).select_related("district", "town", "village", "grid")
    return get_object_or_404(qs, pk=pk)


def _plot(request, pk) -> Plot:
    qs = plots_for(request.user).select_related("producer", "district", "town", "village")
    return get_object_or_404(qs, pk=pk)


def _tiles() -> str:
    return getattr(settings, "NONGAN_MAP_TILES", "")


def _reverse_or_empty(name, *args) -> str:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


def area_warning(plot: Plot) -> bool:
    """Measured and declared areas more than 20% apart (of the declared area)."""
    if not plot.declared_area_mu:
        return False
    return abs(plot.area_mu - plot.declared_area_mu) > AREA_TOLERANCE * plot.declared_area_mu


def map_strings() -> dict:
    """Texts map.js shows (popups, Leaflet.draw tooltips), translated here."""
    return {
        "plot_no": _("地块编号"), "crop": _("作物"), "area": _("测算面积"),
        "declared": _("申报面积"), "mu": _("亩"), "open": _("查看地块"),
        "overlaps": _("与他人地块重叠"), "no_plots": _("暂无地块"),
        "drawn_area": _("所绘面积约"), "locate": _("定位到我的位置"),
        "locate_failed": _("无法获取当前位置"), "load_failed": _("地块数据加载失败"),
        "draw": {
            "polygon": _("绘制地块"), "start": _("点击地图开始绘制地块边界"),
            "cont": _("继续点击添加顶点"), "end": _("点击第一个顶点结束绘制"),
            "intersect": _("边界不能自相交"),
            "finish": _("完成"), "undo": _("撤销上一个点"), "cancel": _("取消"),
            "save": _("保存"), "edit": _("修改边界"), "remove": _("删除"),
            "edit_tip": _("拖动顶点修改边界"), "edit_sub": _("点击“取消”放弃修改"),
            "remove_tip": _("点击要删除的地块"), "clear_all": _("全部清除"),
            "rectangle": _("绘制矩形地块"), "rect_start": _("按住并拖动鼠标绘制矩形"),
            "rect_end": _("松开鼠标完成绘制"), "none_to_edit": _("还没有可修改的边界"),
        },
    }


def _map_context(**extra) -> dict:
    return {"map_tiles": _tiles(), "map_strings": map_strings()} | extra


# --- the list ----------------------------------------------------------------------------


@login_required
@require_GET
def producer_list(request):
    user, params = request.user, request.GET
    qs = producers_for(user, params)
    if params.get("format") == "xlsx":
        return xlsx_response(_("生产主体名录") + ".xlsx", EXPORT_HEADERS, export_rows(user, qs))
    result = page_of(qs.prefetch_related("certifications"), params.get("page"),
                     params.get("page_size"))
    today = timezone.localdate()
    rows = [{"producer": p, "id_shown": shown_id_number(user, p),
             "certs": [c for c in p.certifications.all()
                       if c.status == "valid" and c.valid_to >= today]}
            for p in result["items"]]
    sort = params.get("sort") or "name"
    context = {
        "result": result, "rows": rows, "sort": sort_headers(sort, SORT_COLUMNS),
        "q": params.get("q", ""), "region": params.get("region", ""),
        "kind": params.get("kind", ""), "certification": params.get("certification", ""),
        "scale": params.get("scale", ""), "sort_value": sort,
        "page_sizes": PAGE_SIZES, "kinds": KINDS, "cert_kinds": CERT_KINDS,
        "regions": region_choices(user), "can_edit": allowed(user, "register.edit"),
        "import_url": _reverse_or_empty("producer_import") if allowed(
            user, "register.import") else "",
    }
    template = "producers/_list_results.html" if _partial(request) else "producers/list.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


# --- the detail page ---------------------------------------------------------------------


def _cert_rows(producer, user, *, failed=None, failed_form=None) -> list[dict]:
    today = timezone.localdate()
    rows = []
    for cert in producer.certifications.all():
        form = (failed_form if failed == cert.pk else
                CertificationStatusForm(prefix=f"s{cert.pk}", initial={"status": cert.status}))
        rows.append({"cert": cert, "expired": cert.valid_to < today, "form": form})
    return rows


def _detail_context(request, producer, **overrides) -> dict:
    user = request.user
    plots = list(plots_for(user, producer))
    overlap_nos = {n for p in plots for n in p.overlaps}
    openable = plot_numbers_visible(user, overlap_nos)
    plot_rows = [{"plot": p, "area_warning": area_warning(p),
                  "overlaps": [{"no": n, "id": openable.get(n)} for n in p.overlaps]}
                 for p in plots]
    grid = producer.grid
    members = list(grid.members.select_related("user").all()) if grid else []
    context = _map_context(
        producer=producer, id_shown=shown_id_number(user, producer),
        id_masked=bool(producer.id_number) and not sees_personal_data(user, producer),
        can_edit=allowed(user, "register.edit"),
        cert_rows=_cert_rows(producer, user, failed=overrides.pop("failed_cert", None),
                             failed_form=overrides.pop("failed_form", None)),
        cert_form=CertificationForm(prefix="cert"),
        grid=grid, grid_url=_reverse_or_empty("grid", grid.code) if grid else "",
        members=members, plot_rows=plot_rows,
        plots_total=sum((p.area_mu for p in plots), Decimal("0")),
        field_qr=field_qr(request, producer),
        samples=_samples_of(user, producer),
        credit=credit_file(user, producer),
    )
    return context | overrides


def _samples_of(user, producer) -> dict:
    """抽检记录: the producer's samples the user may see, newest first, with verdicts."""
    found = producer_samples(user, producer)
    found["rows"] = [{"sample": s, "badge": VERDICT_BADGES.get(s.verdict, ""),
                      "failed": failed_results(s)} for s in found["items"]]
    return found


def field_qr(request, producer) -> str:
    """An inline SVG QR code that opens this producer in the field app (a grid worker scans
    the code posted at the farm instead of searching a list)."""
    import segno

    url = request.build_absolute_uri(f"/field/#producer={producer.pk}")
    return segno.make(url, error="m").svg_inline(scale=3, title=producer.name)


@login_required
@require_GET
def producer_detail(request, pk):
    producer = _producer(request, pk)
    return render(request, "producers/detail.html", _detail_context(request, producer))


@login_required
@require_GET
def producer_plots_geojson(request, pk):
    producer = _producer(request, pk)
    features = [plot_feature(p, url=reverse("plot", args=[p.pk]))
                for p in plots_for(request.user, producer)]
    return JsonResponse({"type": "FeatureCollection", "features": features},
                        json_dumps_params={"ensure_ascii": False})


@login_required
@require_POST
def certification_add(request, pk):
    producer = _producer(request, pk)
    require(request.user, "register.edit")
    form = CertificationForm(request.POST, prefix="cert")
    form.is_valid()
    try:
        services.add_certification(producer, form.raw(), actor=request.user)
    except FieldErrors as exc:
        attach_errors(form, exc.by_field())
        context = _detail_context(request, producer, cert_form=form, cert_open=True)
        return render(request, "producers/detail.html", context)
    messages.success(request, _("已登记证书"))
    return redirect(reverse("producer", args=[producer.pk]) + "#certifications")


@login_required
@require_POST
def certification_status(request, pk):
    producer = _producer(request, pk)
    cert_id = request.POST.get("cert", "")
    cert = get_object_or_404(producer.certifications.select_related("producer"),
                             pk=int(cert_id) if cert_id.isdigit() else 0)
    require(request.user, "register.edit")
    form = CertificationStatusForm(request.POST, prefix=f"s{cert.pk}")
    form.is_valid()
    raw = form.raw()
    try:
        services.change_certification_status(cert, raw["status"], reason=raw["reason"],
                                             actor=request.user)
    except FieldErrors as exc:
        attach_errors(form, exc.by_field())
        context = _detail_context(request, producer, failed_cert=cert.pk, failed_form=form)
        return render(request, "producers/detail.html", context)
    messages.success(request, _("证书状态已更新"))
    return redirect(reverse("producer", args=[producer.pk]) + "#certifications")


# --- create and edit ---------------------------------------------------------------------


def _picker(user, *, village_code="", town_code="", district="") -> dict:
    """The town → village helper: which towns to offer, which villages, what is chosen."""
    town_code = town_code or ""
    if village_code and not town_code:
        found = visible(Region, user).filter(code=village_code, level="village").first()
        town_code = found.town_id if found else ""
    if not town_code and user.region.level in ("town", "village"):
        town_code = user.region.town_id
    towns = list(towns_for(user, district))
    if user.region.level == "village":
        villages = list(villages_for(user))
    else:
        villages = list(villages_for(user, town_code)) if town_code else []
    codes = {v.code for v in villages}
    if not village_code and len(villages) == 1:
        village_code = villages[0].code
    return {"towns": towns, "villages": villages, "town_selected": town_code,
            "village_selected": village_code,
            "village_unlisted": village_code if village_code and village_code not in codes
            else "",
            "show_towns": len(towns) > 1 or (towns and not town_code)}


def _cert_forms(data=None) -> list[CertificationForm]:
    return [CertificationForm(data, prefix=f"c{i}") for i in range(CERT_ROWS_ON_CREATE)]


@login_required
@require_http_methods(["GET", "POST"])
def producer_new(request):
    require(request.user, "register.edit")
    user = request.user
    if request.method == "GET":
        form = ProducerForm()
        return render(request, "producers/form.html", {
            "form": form, "cert_forms": _cert_forms(), "creating": True,
            "picker": _picker(user, town_code=request.GET.get("town", "")),
        })
    form, cert_forms = ProducerForm(request.POST), _cert_forms(request.POST)
    form.is_valid()
    for cf in cert_forms:
        cf.is_valid()
    raw = form.raw()
    picker = _picker(user, village_code=raw["village"], town_code=raw["town"])
    context = {"form": form, "cert_forms": cert_forms, "creating": True, "picker": picker}
    if "pick_town" in request.POST:  # no-JS: reload the village list for the chosen town
        context["picker"] = _picker(user, town_code=raw["town"])
        return render(request, "producers/form.html", context)
    filled = [cf for cf in cert_forms if not cf.is_blank()]
    context["certs_open"] = bool(filled)
    data = form.service_data() | {"certifications": [cf.raw() for cf in filled]}
    try:
        producer = services.register_producer(data, actor=user)
    except FieldErrors as exc:
        for key, message in exc.by_field().items():
            if key.startswith("certifications."):
                index, field = key.split(".", 2)[1:]
                attach_errors(filled[int(index)], {field: message})
            else:
                attach_errors(form, {key: message})
        context["error_count"] = len(exc.errors)
        return render(request, "producers/form.html", context)
    messages.success(request, _("已登记生产主体“%(name)s”") % {"name": producer.name})
    return redirect("producer", pk=producer.pk)


@login_required
@require_http_methods(["GET", "POST"])
def producer_edit(request, pk):
    producer = _producer(request, pk)
    require(request.user, "register.edit")
    user = request.user
    # Numbers the user may not see in full are not put in the form; left blank, they stay.
    masked = {} if sees_personal_data(user, producer) else {
        f: mask(getattr(producer, f)) for f, mask in (("id_number", mask_id_number),
                                                      ("phone", mask_phone))
        if getattr(producer, f)}
    hints = {hint: _("当前：%(masked)s，留空则不修改") % {"masked": masked[f]}
             for hint, f in (("id_hint", "id_number"), ("phone_hint", "phone")) if f in masked}
    if request.method == "GET":
        initial = {f: getattr(producer, f) or "" for f in ProducerForm.SERVICE_FIELDS
                   if f not in ("village", "products", *masked)}
        initial |= {"village": producer.village_id, "town": producer.town_id,
                    "products": ";".join(
                        p["name"] + (":" + ",".join(p["varieties"]) if p.get("varieties")
                                     else "") for p in producer.products)}
        form = ProducerForm(initial=initial)
        return render(request, "producers/form.html", {
            "form": form, "producer": producer, **hints,
            "picker": _picker(user, village_code=producer.village_id),
        })
    form = ProducerForm(request.POST)
    form.is_valid()
    raw = form.raw()
    picker = _picker(user, village_code=raw["village"], town_code=raw["town"])
    context = {"form": form, "producer": producer, **hints, "picker": picker}
    if "pick_town" in request.POST:
        context["picker"] = _picker(user, town_code=raw["town"])
        return render(request, "producers/form.html", context)
    data = form.service_data()
    for field in masked:
        if not data[field]:
            data.pop(field)  # a masked number is not shown, so blank means "keep"
    try:
        services.update_producer(producer, data, actor=user)
    except FieldErrors as exc:
        attach_errors(form, exc.by_field())
        context["error_count"] = len(exc.errors)
        producer.refresh_from_db()
        return render(request, "producers/form.html", context)
    messages.success(request, _("已保存修改"))
    return redirect("producer", pk=producer.pk)


@login_required
@require_GET
def village_options(request):
    """htmx: the <option>s of a town's villages (only those the user may see)."""
    town = request.GET.get("town", "")
    villages = list(villages_for(request.user, town)) if town else []
    return render(request, "producers/_village_options.html", {
        "villages": villages, "village_selected": request.GET.get("village", ""),
        "town_selected": town})


# --- plots -------------------------------------------------------------------------------


def _geometry_from(raw: dict, *, required: bool):
    """The geometry to send to the services, from the pasted text or the drawn shape.

    Returns (geometry or None, error message or ""). Pasted text wins over drawing."""
    text = (raw.get("geometry_text") or "").strip()
    drawn = (raw.get("geometry") or "").strip()
    if text:
        if text.startswith("{"):
            try:
                data = json.loads(text)
            except ValueError:
                return None, _("GeoJSON 文本格式有误，无法解析")
            if (isinstance(data, dict) and data.get("type") == "FeatureCollection"
                    and isinstance(data.get("features"), list)):
                features = data["features"]
                if len(features) != 1:
                    return None, _("请只粘贴一个地块（FeatureCollection 中应只有一个要素）")
                data = features[0]
            return data, ""
        from shapely import wkt
        from shapely.errors import ShapelyError
        from shapely.geometry import mapping

        try:
            return mapping(wkt.loads(text)), ""
        except (ShapelyError, ValueError, TypeError, AttributeError):
            return None, _("无法识别的文本：请粘贴 GeoJSON（以 { 开头）或 WKT（如 POLYGON((…))）")
    if drawn:
        try:
            return json.loads(drawn), ""
        except ValueError:
            return None, _("所绘地块数据有误，请重新绘制")
    if required:
        return None, _("请在地图上绘制地块边界，或在下方粘贴 GeoJSON / WKT")
    return None, ""


def _plot_form_context(request, producer, form, *, plot=None, picker=None) -> dict:
    user = request.user
    context_plots = [plot_feature(p, role="context") for p in plots_for(user, producer)
                     if plot is None or p.pk != plot.pk]
    village = plot.village if plot else producer.village
    center = (f"{village.centroid_lat},{village.centroid_lon}"
              if village.centroid_lat is not None and village.centroid_lon is not None else "")
    return _map_context(
        producer=producer, plot=plot, form=form, map_center=center,
        context_geojson=json.dumps({"type": "FeatureCollection", "features": context_plots},
                                   ensure_ascii=False),
        picker=picker or _picker(user, village_code=plot.village_id if plot else
                                 producer.village_id, district=producer.district_id),
    )


def _plot_submit(request, producer, *, plot=None):
    user = request.user
    form = PlotForm(request.POST)
    form.is_valid()
    raw = form.raw()
    picker = _picker(user, village_code=raw["village"], town_code=raw["town"],
                     district=producer.district_id)
    if "pick_town" in request.POST:
        picker = _picker(user, town_code=raw["town"], district=producer.district_id)
        return render(request, "producers/plot_form.html",
                      _plot_form_context(request, producer, form, plot=plot, picker=picker))
    geometry, problem = _geometry_from(raw, required=plot is None)
    data = {"crop": raw["crop"], "declared_area_mu": raw["declared_area_mu"],
            "village": raw["village"]}
    if geometry is not None:
        data["geometry"] = geometry
    errors = {"geometry": problem} if problem else {}
    if not errors:
        try:
            if plot is None:
                plot = services.add_plot(producer, data, actor=user)
            else:
                plot = services.reshape_plot(plot, data, actor=user)
        except FieldErrors as exc:
            errors = exc.by_field()
    if errors:
        if isinstance(geometry, dict) and raw["geometry_text"]:
            # show the pasted outline on the map too, so its mistake can be seen
            posted = request.POST.copy()
            posted["geometry"] = json.dumps(geometry)
            form = PlotForm(posted)
            form.is_valid()
        attach_errors(form, errors)
        return render(request, "producers/plot_form.html",
                      _plot_form_context(request, producer, form, plot=plot, picker=picker))
    if plot.overlaps:
        messages.warning(request, _("注意：该地块与他人地块重叠：%(nos)s") % {
            "nos": "、".join(plot.overlaps)})
    messages.success(request, _("已保存地块 %(no)s") % {"no": plot.plot_no})
    return redirect("plot", pk=plot.pk)


@login_required
@require_http_methods(["GET", "POST"])
def plot_new(request, pk):
    producer = _producer(request, pk)
    require(request.user, "register.edit")
    if request.method == "POST":
        return _plot_submit(request, producer)
    form = PlotForm(initial={"village": producer.village_id})
    return render(request, "producers/plot_form.html",
                  _plot_form_context(request, producer, form))


@login_required
@require_http_methods(["GET", "POST"])
def plot_edit(request, pk):
    plot = _plot(request, pk)
    require(request.user, "register.edit")
    if request.method == "POST":
        return _plot_submit(request, plot.producer, plot=plot)
    form = PlotForm(initial={"crop": plot.crop, "village": plot.village_id,
                             "geometry": json.dumps(plot.geometry),
                             "declared_area_mu": plot.declared_area_mu or ""})
    return render(request, "producers/plot_form.html",
                  _plot_form_context(request, plot.producer, form, plot=plot))


@login_required
@require_GET
def plot_detail(request, pk):
    plot = _plot(request, pk)
    user = request.user
    openable = plot_numbers_visible(user, plot.overlaps)
    others = plots_for(user).filter(pk__in=openable.values()).select_related("producer")
    features = [plot_feature(plot, role="current")] + [
        plot_feature(o, role="overlap", url=reverse("plot", args=[o.pk])) for o in others]
    overlaps = [{"no": n, "plot": next((o for o in others if o.plot_no == n), None)}
                for n in plot.overlaps]
    grid = plot.grid
    return render(request, "producers/plot_detail.html", _map_context(
        plot=plot, producer=plot.producer, overlaps=overlaps,
        area_warning=area_warning(plot), can_edit=allowed(user, "register.edit"),
        grid=grid, grid_url=_reverse_or_empty("grid", grid.code) if grid else "",
        features=json.dumps({"type": "FeatureCollection", "features": features},
                            ensure_ascii=False),
    ))

"""Sensor pages (物联网监测): the list (filters, sorting, paging, Excel), registration (the
key shown once), one sensor with its chart, readings and warnings, its edit form, a new
key, its readings as JSON (for the charts) and Excel, and the rejected messages. Thin:
reads through `queries` (another district's sensor is a 404 on every page, POST and
export), writes through `services`."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from nongan.core.errors import FieldErrors
from nongan.core.listing import page_of, sort_headers, xlsx_response
from nongan.core.permissions import allowed, require
from nongan.core.scoping import visible
from nongan.producers.models import Producer
from nongan.producers.queries import region_choices
from nongan.regions.models import Region

from . import kinds, queries, services
from .forms import EditForm, RegisterForm
from .models import REASONS, STATUSES

PAGE_SIZES = [20, 50, 100, 200]


def _days(request) -> int:
    value = request.GET.get("days", "")
    return int(value) if value.isdigit() and 1 <= int(value) <= 90 else 7


@login_required
@require_GET
def sensor_list(request):
    user, params = request.user, request.GET
    filters = queries.valid_filters(params)
    notice = None
    if filters["region"] and not visible(Region, user).filter(code=filters["region"]).exists():
        qs, notice = queries.sensors_for(user).none(), _("区域不存在或不在辖区内")
    else:
        qs = queries.sensors_for(user, filters)
    now = timezone.now()
    if params.get("format") == "xlsx":
        return xlsx_response(_("物联网设备") + ".xlsx", queries.EXPORT_HEADERS,
                             queries.export_rows(qs, now))
    result = page_of(qs, params.get("page"), params.get("page_size"))
    rows = []
    for s in result["items"]:
        status = s.status(now)
        rows.append({"sensor": s, "status": status, "status_label": queries.status_label(status),
                     "badge": queries.STATUS_BADGES[status], "label": kinds.label(s.kind)})
    return render(request, "iot/sensor_list.html", {
        "here": "iot_sensors", "result": result, "rows": rows, "filters": filters,
        "notice": notice, "kinds": kinds.choices(), "statuses": STATUSES,
        "sort": sort_headers(filters["sort"], queries.SORT_FIELDS,
                             descending_first=("last_reading_at", "created_at")),
        "sort_value": filters["sort"], "regions": region_choices(user),
        "region": filters["region"], "page_sizes": PAGE_SIZES,
        "can_manage": allowed(user, "iot.manage")})


def _producer_of(user, value: str):
    """A producer the user may see, by id or 统一社会信用代码."""
    value = (value or "").strip().upper()
    producers = visible(Producer, user).filter(active=True)
    if value.isdigit() and len(value) < 18:
        return producers.filter(pk=int(value)).first()
    return producers.filter(uscc=value).first() if value else None



def _key_page(request, sensor, key, *, new: bool):
    response = render(request, "iot/sensor_key.html", {
        "here": "iot_sensor", "sensor": sensor, "key": key, "new": new,
        "topic": f"nongan/iot/{sensor.code}"}, status=201 if new else 200)
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def sensor_new(request):
    user = request.user
    require(user, "iot.manage")
    fixed = _producer_of(user, request.GET.get("producer", "")) \
        if request.GET.get("producer") else None
    if request.method == "POST":
        form = RegisterForm(request.POST)
        if form.is_valid():
            data = dict(form.cleaned_data)
            producer = _producer_of(user, data["producer"])
            data["producer"] = producer.pk if producer else 0
            if not data["plot"]:
                data.pop("plot")
            try:
                sensor, key = services.register_sensor(data, actor=user)
            except FieldErrors as exc:
                exc.attach_to(form)
            else:
                return _key_page(request, sensor, key, new=True)
        status = 422
    else:
        form = RegisterForm(initial={"producer": fixed.pk if fixed else ""})
        status = 200
    plots = list(fixed.plots.filter(active=True).values_list("plot_no", flat=True)) \
        if fixed else []
    return render(request, "iot/sensor_form.html", {
        "here": "iot_sensor_new", "form": form, "fixed": fixed, "plots": plots,
        "kinds": kinds.kinds()}, status=status)


@login_required
@require_GET
def sensor_detail(request, pk):
    user = request.user
    sensor = queries.sensor_for(user, pk)
    now, days = timezone.now(), _days(request)
    status = sensor.status(now)
    latest = list(queries.readings_of(sensor).order_by("-at")[:20])
    return render(request, "iot/sensor_detail.html", {
        "here": "iot_sensor", "sensor": sensor, "spec": sensor.spec, "days": days,
        "day_choices": queries.CHART_DAYS, "status": status,
        "status_label": queries.status_label(status), "badge": queries.STATUS_BADGES[status],
        "latest": latest, "count": queries.readings_of(sensor).count(),
        "warnings": queries.warnings_of(sensor, user)[:50],
        "rejected": queries.rejected_for(user, {"sensor": sensor.code})[:10],
        "can_manage": allowed(user, "iot.manage"),
        "chart_strings": {"low": _("下限"), "high": _("上限"), "empty": _("该时段没有读数"),
                          "thinned": _("读数较多，图中每段保留最低和最高值")}})


@login_required
@require_http_methods(["GET", "POST"])
def sensor_edit(request, pk):
    user = request.user
    sensor = queries.sensor_for(user, pk)
    require(user, "iot.manage")
    if request.method == "POST":
        form = EditForm(request.POST)
        if form.is_valid():
            data = dict(form.cleaned_data)
            data["plot"] = data["plot"] or None
            try:
                services.update_sensor(sensor, data, actor=user)
            except FieldErrors as exc:
                exc.attach_to(form)
            else:
                messages.success(request, _("设备设置已保存"))
                return redirect("iot_sensor", pk=sensor.pk)
        status = 422
    else:
        form = EditForm(initial={
            "name": sensor.name, "plot": sensor.plot.plot_no if sensor.plot_id else "",
            "low": "" if sensor.low is None else f"{sensor.low:g}",
            "high": "" if sensor.high is None else f"{sensor.high:g}",
            "interval_minutes": sensor.interval_minutes,
            "silence_minutes": sensor.silence_minutes, "active": sensor.active})
        status = 200
    return render(request, "iot/sensor_edit.html", {
        "here": "iot_sensor", "sensor": sensor, "spec": sensor.spec, "form": form,
        "plots": list(sensor.producer.plots.filter(active=True)
                      .values_list("plot_no", flat=True))}, status=status)


@login_required
@require_POST
def sensor_key(request, pk):
    sensor = queries.sensor_for(request.user, pk)
    key = services.reset_key(sensor, actor=request.user)
    return _key_page(request, sensor, key, new=False)


@login_required
@require_GET
def sensor_readings_json(request, pk):
    sensor = queries.sensor_for(request.user, pk)
    return JsonResponse(queries.chart(sensor, _days(request)))


@login_required
@require_GET
def sensor_readings_xlsx(request, pk):
    sensor = queries.sensor_for(request.user, pk)
    start = timezone.now() - timezone.timedelta(days=_days(request))
    return xlsx_response(f"{_('监测读数')}-{sensor.code}.xlsx", queries.READING_HEADERS,
                         queries.reading_rows(sensor, queries.readings_of(sensor, start)))


@login_required
@require_GET
def rejected_list(request):
    user = request.user
    if user.role in ("producer", "lab_staff"):
        raise PermissionDenied
    filters = {"reason": request.GET.get("reason", ""), "source": request.GET.get("source", ""),
               "sensor": (request.GET.get("sensor") or "").strip()[:200]}
    qs = queries.rejected_for(user, filters)
    by_reason = queries.counts_by_reason(queries.rejected_for(user))
    result = page_of(qs, request.GET.get("page"), request.GET.get("page_size"))
    return render(request, "iot/rejected_list.html", {
        "here": "iot_rejected", "result": result, "filters": filters,
        "reasons": [(code, label, by_reason.get(code, 0)) for code, label in REASONS],
        "total": sum(by_reason.values()), "page_sizes": PAGE_SIZES,
        "city": user.region.level == "city"})

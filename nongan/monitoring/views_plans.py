"""Monitoring plans (监测任务) and their progress, the monthly table (月度统计) and the labs'
monthly summaries (每月检测汇总表). Reads through `queries`/`visible`, writes through
`services`."""

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from nongan.core.errors import Conflict, FieldErrors
from nongan.core.listing import page_of, xlsx_response
from nongan.core.permissions import allowed, require
from nongan.core.scoping import visible
from nongan.producers.queries import region_choices
from nongan.regions.models import Region

from . import deadlines, pages, queries, services
from .forms import PlanForm, quota_districts, quota_rows
from .models import KINDS, MonthlySummary

MORE_ROWS = 4

# --- plans -----------------------------------------------------------------------------------


@login_required
@require_GET
def plan_list(request):
    user, params = request.user, request.GET
    qs = queries.plans_for(user).order_by("-starts_on", "name")
    kind = params.get("kind", "")
    if kind in dict(KINDS):
        qs = qs.filter(kind=kind)
    result = page_of(qs, params.get("page"), params.get("page_size"))
    today = timezone.localdate()
    progress = queries.plans_progress(result["items"], user)
    rows = [{"plan": plan, "totals": queries.progress_totals(progress[plan.pk]),
             "running": plan.starts_on <= today <= plan.ends_on} for plan in result["items"]]
    return render(request, "monitoring/plan_list.html", {
        "page": result, "rows": rows, "kinds": KINDS, "kind": kind,
        "can_create": allowed(user, "plan.create")})


def _plan_form_context(user, form, quotas, failed=False) -> dict:
    return {"form": form, "quotas": quotas, "districts": quota_districts(user),
            "categories": pages.categories(), "failed": failed}


@login_required
@require_http_methods(["GET", "POST"])
def plan_new(request):
    """下达监测任务: period, kind, analytes, lab and quotas by district × category."""
    user = request.user
    require(user, "plan.create")
    if request.method == "GET":
        quotas, _q, _w = quota_rows(request.GET)
        return render(request, "monitoring/plan_form.html",
                      _plan_form_context(user, PlanForm(), quotas))
    form = PlanForm(request.POST)
    quotas, data, where = quota_rows(request.POST)
    if request.POST.get("more"):  # more quota rows, nothing saved yet
        quotas, _q, _w = quota_rows(request.POST, rows=len(quotas) + MORE_ROWS)
        return render(request, "monitoring/plan_form.html",
                      _plan_form_context(user, form, quotas))
    if form.is_valid():
        try:
            plan = services.create_plan(form.service_data(data), actor=user)
        except FieldErrors as exc:
            for key, message in exc.by_field().items():
                parts = key.split(".")
                if parts[0] == "quotas" and len(parts) == 3 and int(parts[1]) in where:
                    quotas[where[int(parts[1])]]["errors"].append(message)
                elif key in form.fields:
                    form.add_error(key, message)
                else:
                    form.add_error(None, message)
        else:
            messages.success(request, _("监测任务已下达"))
            return redirect("plan", plan.pk)
    return render(request, "monitoring/plan_form.html",
                  _plan_form_context(user, form, quotas, failed=True), status=422)


@login_required
@require_GET
def plan_detail(request, pk):
    user = request.user
    plan = get_object_or_404(queries.plans_for(user), pk=pk)
    rows = queries.plan_progress(plan, user)
    if request.GET.get("format") == "xlsx":
        return xlsx_response(f"{plan.name}-{_('任务进度')}.xlsx", pages.PROGRESS_HEADERS,
                             pages.progress_export_rows(rows))
    return render(request, "monitoring/plan_detail.html", {
        "plan": plan, "rows": rows, "totals": queries.progress_totals(rows),
        "samples_url": reverse("sample_list") + f"?plan={plan.pk}"})


# --- the monthly table -----------------------------------------------------------------------


@login_required
@require_GET
def monthly(request):
    """月度统计: the month's samples by district × category × verdict, with pass rates."""
    user, params = request.user, request.GET
    today = timezone.localdate()
    month, error = pages.month_value(params.get("month"), today)
    code = (params.get("region") or "").strip()
    region, notice = None, None
    if code:
        region = visible(Region, user).filter(code=code).first()
        if region is None:
            notice = _("区域不存在或不在辖区内")
    rows = [] if notice else queries.monthly_table(user, month, region)
    if params.get("format") == "xlsx" and not error:
        return xlsx_response(f"{_('月度监测统计')}-{month:%Y-%m}.xlsx", pages.MONTHLY_HEADERS,
                             pages.monthly_export_rows(rows))
    return render(request, "monitoring/monthly.html", {
        "month": month, "month_text": f"{month:%Y-%m}", "error": error, "notice": notice,
        "month_end": (month + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1),
        "rows": rows, "totals": pages.monthly_totals(rows),
        "chart": pages.pass_rates_by_district(rows), "regions": region_choices(user),
        "region": code}, status=422 if error else 200)


# --- monthly summaries -------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def summary_list(request):
    """每月检测汇总表: a lab drafts the month, downloads and checks the workbook, submits it
    by the 25th; officers see every lab's summaries and which are late."""
    user = request.user
    today = timezone.localdate()
    month_text, error, status = "", "", 200
    if request.method == "POST":
        require(user, "summary.submit")
        month_text = request.POST.get("month", "")
        month, error = pages.month_value(month_text, today)
        if not month_text:
            error = _("请选择月份")
        if not error:
            try:
                summary = services.draft_summary(user.org, month, actor=user)
            except Conflict as exc:
                error = str(exc)
            except FieldErrors as exc:
                error = "；".join(exc.by_field().values())
            else:
                messages.success(request, _("已起草 %(m)s 汇总表（%(n)s 个样品），请下载核对后提交")
                                 % {"m": f"{summary.month:%Y-%m}", "n": summary.rows})
                return redirect("summary_list")
        status = 422 if error else 200
    qs = visible(MonthlySummary, user).select_related("lab", "submitted_by")
    page = page_of(qs.order_by("-month", "lab__name"), request.GET.get("page"),
                   request.GET.get("page_size"))
    rows = []
    for s in page["items"]:
        badge, words = pages.summary_status(s, today)
        rows.append({"summary": s, "due": deadlines.summary_due(s.month), "badge": badge,
                     "status": words})
    current = deadlines.summary_month(today)
    return render(request, "monitoring/summaries.html", {
        "page": page, "rows": rows, "can_submit": allowed(user, "summary.submit"),
        "month_text": month_text or f"{current:%Y-%m}", "error": error,
        "current_due": deadlines.summary_due(current),
        "window": deadlines.summary_window(current)}, status=status)


def _summary(request, pk) -> MonthlySummary:
    return get_object_or_404(visible(MonthlySummary, request.user).select_related("lab"),
                             pk=pk)


@login_required
@require_POST
def summary_submit(request, pk):
    summary = _summary(request, pk)
    require(request.user, "summary.submit")
    try:
        services.submit_summary(summary, actor=request.user)
    except Conflict as exc:
        messages.error(request, str(exc))
    else:
        late = timezone.localdate() > deadlines.summary_due(summary.month)
        messages.success(request, _("汇总表已提交") + ("（" + _("逾期") + "）" if late else ""))
    return redirect("summary_list")


@login_required
@require_GET
def summary_file(request, pk):
    summary = _summary(request, pk)
    if not summary.file:
        raise Http404
    try:
        handle = summary.file.open("rb")
    except (FileNotFoundError, OSError):
        raise Http404 from None
    return FileResponse(handle, as_attachment=True,
                        filename=f"{summary.lab.name}-{summary.month:%Y-%m}-检测汇总表.xlsx")

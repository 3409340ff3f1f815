"""Inspection pages (巡查记录): list, detail, printable record, photos, amendments and the
rectification list. Thin views: every read goes through `visible(...)` (another district's
record is a 404 on every page, photo and print); the one write goes through `services`."""

import json
import uuid
from decimal import Decimal

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, IntegerField, Max, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from nongan.commitments.queries import unsigned_page as unsigned_commitments
from nongan.core.errors import Conflict, FieldErrors
from nongan.core.listing import page_of, xlsx_response
from nongan.core.permissions import allowed, require
from nongan.core.reauth import reauth_required
from nongan.core.scoping import visible, within
from nongan.core.templatetags.nongan_ui import role_label
from nongan.enforcement.todo import overdue_page as enforcement_overdue
from nongan.monitoring.queries import overdue_page as monitoring_overdue
from nongan.producers.models import Producer
from nongan.producers.queries import plots_for, region_choices
from nongan.producers.views import map_strings
from nongan.regions.models import Region
from nongan.risk.todo import items as risk_items

from . import photos, schedules, services, standing
from .defaults import new_template_version
from .forms import INPUT_COLUMNS, YES_NO, AmendmentForm, InspectionFilterForm, amendable_fields
from .models import RESULTS, Amendment, ChecklistTemplate, Inspection, Media, Rectification
from .standing import reminder_page

PAGE_SIZES = [20, 50, 100, 200]
RESULT_BADGES = {"pass": "ok", "rectify": "warn", "refer": "bad"}
RECTIFICATION_STATUSES = [("open", "未整改"), ("overdue", "已逾期"), ("closed", "已整改"),
                          ("all", "全部")]


def _partial(request) -> bool:
    return (request.headers.get("HX-Request") == "true"
            and not request.headers.get("HX-History-Restore-Request"))


def _inspections(user):
    return visible(Inspection, user).select_related(
        "producer", "template", "inspector", "district", "town", "village")


def _inspection(request, pk) -> Inspection:
    qs = _inspections(request.user).select_related("signature").prefetch_related(
        "photos", "amendments__author")
    return get_object_or_404(qs, pk=pk)


def result_label(code: str) -> str:
    return _(dict(RESULTS).get(code, code))


def location_text(check: dict) -> str:
    """位置核验, in words: inside plot X / N m from plot X / no plots."""
    if not check:
        return _("未核验")
    if check.get("inside_plot"):
        return _("位于地块 %(no)s 内") % {"no": check["plot_no"]}
    if check.get("plot_no") is None:
        return _("该主体无登记地块，无法核验位置")
    return _("距地块 %(no)s %(m)s 米") % {"no": check["plot_no"], "m": check["distance_m"]}


def _scope_region(qs, user, code: str):
    """Narrow to a region the user can see; an unknown or foreign code matches nothing."""
    if not code:
        return qs, None
    region = visible(Region, user).filter(code=code).first()
    if region is None:
        return qs.none(), _("区域不存在或不在辖区内")
    return within(qs, region), None


def _sort_header(current: str) -> dict:
    if current == "date":
        return {"next": "-date", "arrow": "▲", "aria": "ascending"}
    return {"next": "date", "arrow": "▼", "aria": "descending"}


# --- the list ----------------------------------------------------------------------------


EXPORT_HEADERS = ["编号", "检查日期", "完成时间", "生产主体", "区", "镇（街道）", "村（居）",
                  "检查表", "版本", "检查人员", "位置核验", "结论", "得分", "提示", "整改期限",
                  "更正次数"]


def _export_rows(qs):
    for i in qs.select_related("rectification"):
        order = getattr(i, "rectification", None)
        finished = timezone.localtime(i.finished_at)
        yield [i.pk, finished.date(), finished.strftime("%Y-%m-%d %H:%M"), i.producer.name,
               i.district.name, i.town.name, i.village.name, i.template.name,
               i.template.version, str(i.inspector), location_text(i.location_check),
               result_label(i.result), float(i.score) if i.score is not None else None,
               "；".join(f.get("message", f.get("code", "")) for f in i.flags),
               order.deadline if order else None, i.n_amendments]


def _amendment_count():
    """Counted per row: a Count() join would GROUP BY every selected column of seven tables,
    so the database sorted a whole district before the page's LIMIT (5 s at city scale)."""
    return Coalesce(Subquery(Amendment.objects.filter(inspection=OuterRef("pk")).order_by()
                             .values("inspection").annotate(n=Count("pk")).values("n"),
                             output_field=IntegerField()), 0)


def _filtered(request):
    user, params = request.user, request.GET
    form = InspectionFilterForm(params)
    form.is_valid()
    data = getattr(form, "cleaned_data", {})
    qs = _inspections(user).annotate(n_amendments=_amendment_count())
    notice = None
    if data.get("producer"):
        qs = qs.filter(producer_id=data["producer"])
    qs, notice = _scope_region(qs, user, (params.get("region") or "").strip())
    if data.get("result"):
        qs = qs.filter(result=data["result"])
    if data.get("date_from"):
        qs = qs.filter(finished_at__date__gte=data["date_from"])
    if data.get("date_to"):
        qs = qs.filter(finished_at__date__lte=data["date_to"])
    sort = "date" if params.get("sort") == "date" else "-date"
    qs = qs.order_by(("" if sort == "date" else "-") + "finished_at", "-pk")
    return form, qs, sort, notice


@login_required
@require_GET
def inspection_list(request):
    user, params = request.user, request.GET
    form, qs, sort, notice = _filtered(request)
    if params.get("format") == "xlsx":
        return xlsx_response(_("巡查记录") + ".xlsx", EXPORT_HEADERS, _export_rows(qs))
    result = page_of(qs.select_related("rectification"), params.get("page"),
                     params.get("page_size"))
    producer = None
    if form.is_valid() and form.cleaned_data.get("producer"):
        producer = visible(Producer, user).filter(pk=form.cleaned_data["producer"]).first()
    rows = [{"inspection": i, "location": location_text(i.location_check),
             "badge": RESULT_BADGES.get(i.result, ""),
             "order": getattr(i, "rectification", None)} for i in result["items"]]
    context = {
        "form": form, "result": result, "rows": rows, "sort": _sort_header(sort),
        "sort_value": sort, "notice": notice, "producer": producer,
        "region": params.get("region", ""), "result_code": params.get("result", ""),
        "date_from": params.get("from", ""), "date_to": params.get("to", ""),
        "results": RESULTS, "regions": region_choices(user), "page_sizes": PAGE_SIZES,
    }
    template = ("inspections/_list_results.html" if _partial(request)
                else "inspections/list.html")
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


# --- one record: detail and print ----------------------------------------------------------


def _value_text(value, item=None) -> str:
    """An answer or corrected value, as people read it."""
    if value is None or value == "":
        return "—"
    if isinstance(value, list):
        return "、".join(str(v) for v in value) or "—"
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    if item is not None and item.get("type") == "yes_no":
        return str(YES_NO.get(value, value))
    return str(value)


def _corrections(inspection) -> dict[str, list[dict]]:
    """Every corrected field → its corrections, oldest first (shown beside the original)."""
    items = {f"answers.{i['key']}": i for i in inspection.template.items}
    found: dict[str, list[dict]] = {}
    for amendment in inspection.amendments.all():
        changes = amendment.changes if isinstance(amendment.changes, dict) else {
            "other": amendment.changes}
        for key, value in changes.items():
            shown = (result_label(value) if key == "result" and isinstance(value, str)
                     else _value_text(value, items.get(key)))
            found.setdefault(key, []).append({
                "value": shown, "reason": amendment.reason, "author": amendment.author,
                "at": amendment.created_at, "id": amendment.pk})
    return found


def _answer_sections(inspection, corrections) -> list[dict]:
    answers = {a["item"]: a for a in inspection.answers}
    sections: dict[str, list] = {}
    for item in inspection.template.items:
        answer = answers.get(item["key"])
        value = answer["value"] if answer else None
        failed = (answer is not None and "fail_value" in item
                  and value == item["fail_value"])
        sections.setdefault(item.get("section") or _("检查项目"), []).append({
            "item": item, "answered": answer is not None,
            "value": _value_text(value, item), "note": (answer or {}).get("note", ""),
            "failed": failed, "points": item.get("points") or 0,
            "deduct": item.get("deduct") or 0,
            "amendments": corrections.get(f"answers.{item['key']}", [])})
    return [{"name": name, "rows": rows} for name, rows in sections.items()]


def _input_rows(inspection, corrections) -> list[dict]:
    """Inputs in use, each cell with its corrections beside it."""
    flags = {f["input"]: f for f in inspection.flags if f.get("code") == "phi_not_kept"}
    rows = []
    for n, row in enumerate(inspection.inputs):
        cells = {column: {"value": row.get(column) or "—",
                          "amendments": corrections.get(f"inputs.{n}.{column}", [])}
                 for column, _label in INPUT_COLUMNS}
        rows.append({"n": n + 1, "row": row, "cells": cells, "flag": flags.get(n)})
    return rows


def _score(inspection) -> dict | None:
    if not inspection.template.scored:
        return None
    total = sum(Decimal(str(i.get("points") or 0)) for i in inspection.template.items)
    pass_score = inspection.template.pass_score
    return {"score": inspection.score, "total": total, "pass_score": pass_score,
            "passed": (None if pass_score is None or inspection.score is None
                       else inspection.score >= pass_score)}


def _record(request, inspection) -> dict:
    """What the detail page and the printed record show."""
    user = request.user
    producer = inspection.producer
    corrections = _corrections(inspection)
    plots = {p.plot_no: p for p in plots_for(user, producer)}
    try:
        order = inspection.rectification
    except Rectification.DoesNotExist:
        order = None
    today = timezone.localdate()
    photo_flags: dict[str, list[str]] = {}
    for flag in inspection.flags:
        if flag.get("photo"):
            photo_flags.setdefault(flag["photo"], []).append(flag.get("message", ""))
    photos = [{"media": m, "flags": photo_flags.get(str(m.pk), []),
               "url": reverse("inspection_photo", args=[inspection.pk, m.pk])}
              for m in inspection.photos.all().order_by("uploaded_at", "pk")]
    closed = list(visible(Rectification, user).filter(closed_by=inspection)
                  .select_related("ordered_by"))
    known = {"result", "plots_seen", "rectification.items", "rectification.deadline",
             "refused_signature"} | {f"answers.{i['key']}" for i in inspection.template.items}
    known |= {f"inputs.{n}.{c}" for n in range(len(inspection.inputs)) for c, _l in INPUT_COLUMNS}
    labels = amendable_fields(inspection)
    amendments = [{"amendment": a,
                   "changes": [{"field": labels.get(k, k),
                                "value": (result_label(v) if k == "result" and isinstance(v, str)
                                          else _value_text(v)),
                                "beside": k in known}
                               for k, v in (a.changes.items() if isinstance(a.changes, dict)
                                            else [("other", a.changes)])]}
                  for a in inspection.amendments.all()]
    return {
        "inspection": inspection, "producer": producer, "template": inspection.template,
        "inspector_role": role_label(inspection.inspector.role),
        "location": location_text(inspection.location_check),
        "plots_seen": [{"no": n, "plot": plots.get(n)} for n in inspection.plots_seen],
        "sections": _answer_sections(inspection, corrections),
        "inputs": _input_rows(inspection, corrections),
        "score": _score(inspection), "photos": photos,
        "result_label": result_label(inspection.result),
        "result_badge": RESULT_BADGES.get(inspection.result, ""),
        "order": order,
        "order_overdue": bool(order and order.closed_by_id is None and order.deadline < today),
        "closed_orders": closed,
        "signature_url": (reverse("inspection_photo",
                                  args=[inspection.pk, inspection.signature_id])
                          if inspection.signature_id else ""),
        "flags": inspection.flags, "amendments": amendments,
        "result_amendments": corrections.get("result", []),
        "plots_amendments": corrections.get("plots_seen", []),
        "order_item_amendments": corrections.get("rectification.items", []),
        "order_deadline_amendments": corrections.get("rectification.deadline", []),
        "refusal_amendments": corrections.get("refused_signature", []),
    }


def _detail_context(request, inspection, form=None) -> dict:
    user = request.user
    can_amend = allowed(user, "inspection.submit")
    context = _record(request, inspection)
    if can_amend and form is None:
        form = AmendmentForm(inspection=inspection,
                             plot_numbers=inspection.producer.plots.filter(active=True)
                             .values_list("plot_no", flat=True))
    context |= {
        "can_amend": can_amend, "form": form, "amend_open": bool(form and form.errors),
        "map_tiles": _map_tiles(), "map_strings": map_strings(),
        "can_see_producer": visible(Producer, user).filter(
            pk=inspection.producer_id).exists(),
    }
    return context


def _map_tiles() -> str:
    return getattr(settings, "NONGAN_MAP_TILES", "")


@login_required
@require_GET
def inspection_detail(request, pk):
    inspection = _inspection(request, pk)
    return render(request, "inspections/detail.html", _detail_context(request, inspection))


@login_required
@require_GET
def inspection_print(request, pk):
    inspection = _inspection(request, pk)
    context = _record(request, inspection) | {"printed_at": timezone.localtime(),
                                               "amendments_below": True}
    return render(request, "inspections/print.html", context)


@login_required
@require_GET
def inspection_photo(request, pk, media_id: uuid.UUID):
    """A photo or the signature of a record the user may see; anything else is a 404."""
    inspection = get_object_or_404(visible(Inspection, request.user), pk=pk)
    media = inspection.photos.filter(pk=media_id).first()
    if media is None and inspection.signature_id == media_id:
        media = inspection.signature
    return photos.serve(media)


@login_required
@require_POST
def inspection_amend(request, pk):
    inspection = _inspection(request, pk)
    require(request.user, "inspection.submit")
    form = AmendmentForm(request.POST, inspection=inspection,
                         plot_numbers=inspection.producer.plots.filter(active=True)
                         .values_list("plot_no", flat=True))
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.amend_inspection(inspection, reason=data["reason"],
                                      changes={data["field"]: data["corrected"]},
                                      actor=request.user)
        except FieldErrors as exc:
            for key, message in exc.by_field().items():
                form.add_error({"reason": "reason", "changes": "value"}.get(key), message)
        else:
            messages.success(request, _("已记录更正，原始记录保持不变"))
            return redirect(reverse("inspection", args=[inspection.pk]) + "#amendments")
    inspection = _inspection(request, pk)  # fresh prefetches
    response = render(request, "inspections/detail.html",
                      _detail_context(request, inspection, form=form))
    response.status_code = 422
    return response


# --- rectification orders ------------------------------------------------------------------


RECT_EXPORT_HEADERS = ["编号", "生产主体", "区", "镇（街道）", "村（居）", "下达日期", "整改事项",
                       "整改期限", "状态", "逾期天数", "整改复查日期", "答复次数", "最近答复"]


def _rect_status(order, today) -> tuple[str, str]:
    if order.closed_by_id:
        return "closed", _("已整改")
    if order.deadline < today:
        return "overdue", _("已逾期")
    return "open", _("整改中")


@login_required
@require_GET
def rectification_list(request):
    user, params = request.user, request.GET
    today = timezone.localdate()
    status = params.get("status") or "open"
    if status not in dict(RECTIFICATION_STATUSES):
        status = "open"
    qs = visible(Rectification, user).select_related(
        "producer", "ordered_by", "closed_by", "district", "town", "village"
    ).annotate(n_replies=Count("replies"), last_reply=Max("replies__created_at"))
    if status == "open":
        qs = qs.filter(closed_by=None)
    elif status == "overdue":
        qs = qs.filter(closed_by=None, deadline__lt=today)
    elif status == "closed":
        qs = qs.filter(closed_by__isnull=False)
    qs, notice = _scope_region(qs, user, (params.get("region") or "").strip())
    qs = qs.order_by("-closed_at" if status == "closed" else "deadline", "pk")
    if params.get("format") == "xlsx":
        def rows():
            for o in qs:
                key, label = _rect_status(o, today)
                yield [o.pk, o.producer.name, o.district.name, o.town.name, o.village.name,
                       timezone.localtime(o.ordered_by.finished_at).date(),
                       "；".join(map(str, o.items)), o.deadline, label,
                       (today - o.deadline).days if key == "overdue" else None,
                       timezone.localtime(o.closed_at).date() if o.closed_at else None,
                       o.n_replies,
                       timezone.localtime(o.last_reply).date() if o.last_reply else None]
        return xlsx_response(_("整改通知") + ".xlsx", RECT_EXPORT_HEADERS, rows())
    result = page_of(qs, params.get("page"), params.get("page_size"))
    rows = []
    for order in result["items"]:
        key, label = _rect_status(order, today)
        rows.append({"order": order, "status": key, "label": label,
                     "days_over": (today - order.deadline).days if key == "overdue" else 0,
                     "days_left": (order.deadline - today).days if key == "open" else 0})
    return render(request, "inspections/rectification_list.html", {
        "result": result, "rows": rows, "status": status, "statuses": RECTIFICATION_STATUSES,
        "region": params.get("region", ""), "regions": region_choices(user),
        "notice": notice, "today": today,
    })


def _rectification(request, pk) -> Rectification:
    qs = visible(Rectification, request.user).select_related(
        "producer", "ordered_by", "closed_by", "district", "town", "village"
    ).prefetch_related("replies__author", "replies__photos")
    return get_object_or_404(qs, pk=pk)


def _rectification_page(request, order, *, errors=None, text="", status=200):
    key, label = _rect_status(order, timezone.localdate())
    can_reply = allowed(request.user, "rectification.reply") and key != "closed"
    return render(request, "inspections/rectification_detail.html", {
        "order": order, "status": key, "label": label, "can_reply": can_reply,
        "errors": errors or {}, "text": text,
        "days_over": (timezone.localdate() - order.deadline).days,
        "replies": [{"reply": r, "photos": [
            {"media": m, "url": reverse("rectification_photo", args=[order.pk, m.pk])}
            for m in r.photos.all()]} for r in order.replies.all()],
    }, status=status)


@login_required
@require_GET
def rectification_detail(request, pk):
    """整改通知: the order, its deadline and state, and the producer's replies with photos."""
    return _rectification_page(request, _rectification(request, pk))


@login_required
@require_POST
def rectification_reply(request, pk):
    order = _rectification(request, pk)
    text = request.POST.get("text", "")
    try:
        services.reply_to_rectification(
            order, {"text": text, "files": request.FILES.getlist("photos")},
            actor=request.user)
    except FieldErrors as exc:
        errors: dict[str, list[str]] = {}
        for loc, msg in exc.errors:
            if loc[0] == "files":
                msg = _("第 %(n)s 张：%(msg)s") % {"n": loc[1] + 1, "msg": msg}
            errors.setdefault("text" if loc[0] == "text" else "photos", []).append(msg)
        return _rectification_page(request, order, errors=errors, text=text, status=422)
    except Conflict as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("已提交整改答复，网格员将前来复查"))
    return redirect(reverse("rectification", args=[order.pk]) + "#replies")


@login_required
@require_GET
def rectification_photo(request, pk, media_id: uuid.UUID):
    """A photo of a reply to an order the user may see; anything else is a 404."""
    order = get_object_or_404(visible(Rectification, request.user), pk=pk)
    return photos.serve(Media.objects.filter(
        pk=media_id, rectification_replies__rectification=order).first())


# Those who run spot checks and cases, and the offices above them.
ENFORCEMENT_TODO = {"city_admin", "district_officer", "enforcement_officer"}


@login_required
@require_GET
def todo(request):
    """待办: the inspections due or overdue in the user's area and the rectification orders
    past their deadline (实施方案 四.(四).2), overdue first; then what is late in monitoring
    (results, reports, notifying the party, follow-ups, the labs' monthly summaries) and in
    enforcement (publications, case time limits), the year's unsigned commitments, and the
    risk warnings to sign for and the inspections they asked for."""
    page = reminder_page(request.user, request.GET.get("page"), request.GET.get("page_size"))
    # Each list counted and paged by the database: only the page's rows are read.
    monitoring = monitoring_overdue(request.user, request.GET.get("mpage"), 50)
    enforcement = enforcement_overdue(request.user, request.GET.get("epage"), 50) \
        if request.user.role in ENFORCEMENT_TODO else None
    commitments = unsigned_commitments(request.user, request.GET.get("cpage"), 50)
    return render(request, "inspections/todo.html", {
        "commitments": commitments, "commitments_late": commitments["late"],
        "enforcement": enforcement,
        "enforcement_late": enforcement["late"] if enforcement else 0,
        "page": page, "overdue": page["overdue"], "due": page["due"],
        "monitoring": monitoring, "monitoring_late": monitoring["late"],
        "risk_items": risk_items(request.user)})


SCHEDULE_HEADERS = ["生产主体", "网格", "镇（街道）", "应巡查", "已巡查", "状态", "明细"]
STATUS_NAMES = {"done": "已完成", "due": "待完成", "overdue": "逾期"}


@login_required
@require_GET
def schedule_page(request):
    """巡查频次: who owes inspections in a period, by grid, town or district (四.(四).2)."""
    params = request.GET
    today = schedules.shanghai_today()
    period = params.get("period") or f"{today.year}-Q{(today.month - 1) // 3 + 1}"
    by = params.get("by") if params.get("by") in ("grid", "town", "district") else "town"
    try:
        start, end = schedules.parse_period(period)
    except FieldErrors as exc:
        return render(request, "inspections/schedules.html", {
            "period": period, "by": by, "error": exc.by_field()["period"],
            "regions": region_choices(request.user)}, status=422)
    producers, notice = _scope_region(visible(Producer, request.user).filter(active=True),
                                      request.user, params.get("region", ""))
    status = params.get("status", "")
    if params.get("format") == "xlsx":
        rows = schedules.schedule(schedules.owing(producers, start, end), period, today=today)
        items = sorted(schedules.per_producer(rows),
                       key=lambda i: (-schedules.STATUS_ORDER[i["status"]], i["producer"].name))
        return xlsx_response(f"巡查频次-{period}.xlsx", SCHEDULE_HEADERS, (
            [i["producer"].name, i["producer"].grid.name if i["producer"].grid_id else "",
             i["producer"].town.name, i["required"], i["done"], STATUS_NAMES[i["status"]],
             "；".join(f"{r['label']}:{STATUS_NAMES[r['status']]}" for r in i["rows"])]
            for i in items if not status or i["status"] == status))
    page = standing.schedule_page(producers, start, end, status=status, by=by, today=today,
                                   page=params.get("page"), page_size=params.get("page_size"))
    for item in page["items"]:
        item["status_name"] = _(STATUS_NAMES[item["status"]])
    return render(request, "inspections/schedules.html", {
        "period": period, "by": by, "status": status, "notice": notice,
        "region": params.get("region", ""), "regions": region_choices(request.user),
        "areas": page["areas"], "totals": page["totals"],
        "page": page, "status_names": STATUS_NAMES})


@login_required
@require_http_methods(["GET", "POST"])
@reauth_required("template.edit")
def template_list(request):
    """检查表模板: every version of every checklist; the city admin posts a new version
    (items as JSON) and the old one stays with the records filled on it."""
    error, status = "", 200
    if request.method == "POST":
        require(request.user, "template.edit")
        try:
            items = json.loads(request.POST.get("items") or "")
            new_template_version(request.POST.get("code", ""), items, actor=request.user,
                                 name=request.POST.get("name") or None)
            return redirect("inspection_templates")
        except json.JSONDecodeError as exc:
            error, status = _("检查项目须为 JSON 列表：%(reason)s") % {"reason": exc}, 422
        except FieldErrors as exc:
            error, status = "；".join(f"{k}: {v}" for k, v in exc.by_field().items()), 422
    templates = list(visible(ChecklistTemplate, request.user).order_by("code", "-version"))
    for template in templates:
        template.items_json = json.dumps(template.items, ensure_ascii=False, indent=1)
    return render(request, "inspections/templates.html", {
        "templates": templates, "error": error, "can_edit": allowed(request.user, "template.edit"),
        "posted": request.POST}, status=status)

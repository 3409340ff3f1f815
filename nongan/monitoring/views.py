"""Sample pages (抽样监测): the list, one sample with its form, results, report, party
notification and re-test, the printable label and sampling form, and the LIMS import.

Thin views: every read goes through `visible(...)` (another district's or another lab's
sample is a 404 on every page, photo, label and report); every write through `services`,
whose `FieldErrors` show beside the fields and whose `Conflict` shows as a message.
"""

import uuid
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from nongan.core.errors import Conflict, FieldErrors
from nongan.core.listing import XLSX, page_of, sort_headers, xlsx_response
from nongan.core.permissions import allowed, require
from nongan.core.scoping import visible
from nongan.inspections import photos
from nongan.inspections.views import location_text
from nongan.producers.models import Producer
from nongan.producers.queries import region_choices
from nongan.regions.models import Region

from . import deadlines, pages, queries, services
from .forms import ImportForm, ReportForm, RetestForm, SampleFilterForm
from .models import KINDS, VERDICTS, Sample

PAGE_SIZES = [20, 50, 100, 200]
SORT_COLUMNS = ["sampled_at", "sample_no", "producer", "verdict", "results_due"]
MAX_RESULT_ROWS = 200


def _partial(request) -> bool:
    return (request.headers.get("HX-Request") == "true"
            and not request.headers.get("HX-History-Restore-Request"))


def _sample(request, sample_no) -> Sample:
    return get_object_or_404(pages.samples(request.user), sample_no=sample_no)


def _sample_url(sample, anchor="") -> str:
    return reverse("sample", args=[sample.sample_no]) + (f"#{anchor}" if anchor else "")


# --- the list ------------------------------------------------------------------------------


def _filtered(request):
    """The list's samples: the filters parsed by the form, applied by `queries.samples_for`;
    a region outside the user's scope matches nothing (with a notice), never a 404."""
    user, params = request.user, request.GET
    form = SampleFilterForm(params)
    form.is_valid()
    data = getattr(form, "cleaned_data", {})
    filters = {key: data.get(key) for key in ("kind", "verdict", "product", "category", "plan",
                                              "producer", "date_from", "date_to", "overdue",
                                              "q", "sort")}
    filters["sort"] = filters["sort"] or "-sampled_at"
    notice = None
    code = (params.get("region") or "").strip()
    if code and not visible(Region, user).filter(code=code).exists():
        notice = _("区域不存在或不在辖区内")
        return form, Sample.objects.none(), filters, notice
    filters["region"] = code
    return form, queries.samples_for(user, filters), filters, notice


@login_required
@require_GET
def sample_list(request):
    user, params = request.user, request.GET
    form, qs, filters, notice = _filtered(request)
    if params.get("format") == "xlsx":
        return xlsx_response(_("抽样监测样品") + ".xlsx", pages.SAMPLE_EXPORT_HEADERS,
                             pages.sample_export_rows(qs))
    result = page_of(qs.prefetch_related("results"), params.get("page"),
                     params.get("page_size"))
    today = timezone.localdate()
    rows = [{"sample": s, "badge": pages.VERDICT_BADGES.get(s.verdict, ""),
             "overdue": pages.is_overdue(s, today), "failed": pages.failed_results(s)}
            for s in result["items"]]
    producer = None
    if filters.get("producer"):
        producer = visible(Producer, user).filter(pk=filters["producer"]).first()
    context = {
        "form": form, "result": result, "rows": rows, "notice": notice,
        "sort": sort_headers(filters["sort"], SORT_COLUMNS, descending_first={"sampled_at"}), "sort_value": filters["sort"],
        "producer": producer, "region": params.get("region", ""),
        "regions": region_choices(user), "kinds": KINDS, "verdicts": VERDICTS,
        "kind": params.get("kind", ""), "verdict": params.get("verdict", ""),
        "product": params.get("product", ""), "category": params.get("category", ""),
        "categories": pages.categories(), "plan": params.get("plan", ""),
        "plans": queries.plans_for(user).order_by("-starts_on")[:100],
        "date_from": params.get("from", ""), "date_to": params.get("to", ""),
        "overdue": bool(filters.get("overdue")), "q": params.get("q", ""),
        "page_sizes": PAGE_SIZES,
    }
    template = ("monitoring/_sample_results.html" if _partial(request)
                else "monitoring/sample_list.html")
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


# --- one sample ----------------------------------------------------------------------------


def _entry_rows(sample, current, posted=None, errors=None) -> list[dict]:
    """The result entry table: one row per test item (and a free row for one more)."""
    analytes = list(sample.analytes) + [a for a in current if a not in sample.analytes]
    if posted:
        names = [posted.get(f"analyte_{i}", "").strip() for i in range(_row_count(posted))]
        analytes += [a for a in names[len(analytes):] if a]
    rows = []
    for i, analyte in enumerate([*analytes, ""]):
        old = current.get(analyte)
        given = {k: (posted.get(f"{k}_{i}", "") if posted else "")
                 for k in ("analyte", "value", "unit", "lod", "method", "outcome")}
        if not posted:
            given["unit"] = old.unit if old else "mg/kg"
            given["method"] = old.method if old else ""
        rows.append({"i": i, "analyte": analyte, "fixed": bool(analyte), "current": old,
                     "given": given, "errors": (errors or {}).get(i, {})})
    return rows


def _row_count(post) -> int:
    try:
        return max(0, min(MAX_RESULT_ROWS, int(post.get("rows") or 0)))
    except ValueError:
        return 0


def _posted_results(sample, post) -> tuple[list[dict], list[int]]:
    """The rows the lab filled in (a blank row is not sent) and each one's table row."""
    rows, where = [], []
    for i in range(_row_count(post)):
        analyte = post.get(f"analyte_{i}", "").strip()
        method = post.get(f"method_{i}", "").strip()
        if sample.kind == "rapid":
            outcome = post.get(f"outcome_{i}", "").strip()
            if not outcome:
                continue
            row = {"analyte": analyte, "outcome": outcome, "method": method}
        else:
            value = post.get(f"value_{i}", "").strip()
            if not value:
                continue
            row = {"analyte": analyte, "method": method,
                   "value": None if value.lower() in pages.ND_TEXT else value,
                   "unit": post.get(f"unit_{i}") or "mg/kg",
                   "lod": post.get(f"lod_{i}", "").strip() or None}
        rows.append(row)
        where.append(i)
    return rows, where


def _record(request, sample) -> dict:
    """What the sample page and the printed sampling form show."""
    user = request.user
    today = timezone.localdate()

    def media_url(media) -> str:
        return reverse("sample_photo", args=[sample.sample_no, media.pk])

    photo_flags: dict[str, list[str]] = {}
    for flag in sample.flags:
        if flag.get("photo"):
            photo_flags.setdefault(flag["photo"], []).append(flag.get("message", ""))
    photos = [{"media": m, "url": media_url(m), "flags": photo_flags.get(str(m.pk), [])}
              for m in sorted(sample.photos.all(), key=lambda m: (m.uploaded_at, str(m.pk)))]
    samplers = [sample.sampler, *sample.co_samplers.all()]
    results = [{"result": r, "value": pages.result_value(r),
                "badge": pages.STATUS_BADGES.get(r.status, ""),
                "note": r.basis.get("message", "") if isinstance(r.basis, dict) else ""}
               for r in pages.current_results(sample)]
    return {
        "sample": sample, "producer": sample.producer, "samplers": samplers,
        "location": location_text(sample.location_check) if sample.lon is not None
        else _("未采集定位"),
        "located_inside": bool(sample.location_check.get("inside_plot")),
        "photos": photos, "results": results, "corrections": pages.corrections(sample),
        "verdict_badge": pages.VERDICT_BADGES.get(sample.verdict, ""),
        "overdue": pages.is_overdue(sample, today),
        "signature_url": media_url(sample.party_signature) if sample.party_signature_id
        else "",
        "can_see_producer": visible(Producer, user).filter(pk=sample.producer_id).exists(),
    }


def _detail_context(request, sample, **forms) -> dict:
    user = request.user
    context = _record(request, sample)
    current = {r.analyte: r for r in pages.current_results(sample)}
    ask_by = deadlines.retest_ask_by(sample)
    retests = list(visible(Sample, user).filter(retest_of=sample).select_related("lab"))
    can_enter = allowed(user, "result.enter")
    non_compliant = sample.verdict == "non_compliant"
    follow_up = pages.follow_ups(user).filter(sample=sample).first()
    context |= {
        "can_enter": can_enter, "can_receive": allowed(user, "sample.receive")
        and not sample.received_at,
        "entry_rows": _entry_rows(sample, current, forms.get("posted"),
                                  forms.get("result_errors")) if can_enter else [],
        "entry_error": forms.get("entry_error", ""), "entry_open": bool(forms.get("posted")),
        "reason": (forms.get("posted") or {}).get("reason", ""),
        "reason_error": forms.get("reason_error", ""),
        "report_form": forms.get("report_form") or ReportForm(),
        "can_notify": allowed(user, "sample.notify") and non_compliant
        and not sample.notified_at,
        "retest_ask_by": ask_by, "retests": retests,
        "confirmations": list(visible(Sample, user).filter(confirms=sample)),
        "can_retest": (allowed(user, "retest.request") and non_compliant
                       and sample.notified_at is not None and not sample.retest_of_id
                       and not retests and ask_by is not None and timezone.now() <= ask_by),
        "retest_form": forms.get("retest_form") or RetestForm(sample=sample),
        "follow_up": follow_up,
        "units": ["mg/kg", "μg/kg"],
    }
    return context


@login_required
@require_GET
def sample_detail(request, sample_no):
    sample = _sample(request, sample_no)
    return render(request, "monitoring/sample_detail.html", _detail_context(request, sample))


def _again(request, sample_no, status=422, **forms):
    sample = _sample(request, sample_no)  # fresh, with what the write changed
    response = render(request, "monitoring/sample_detail.html",
                      _detail_context(request, sample, **forms))
    response.status_code = status
    return response


@login_required
@require_GET
def sample_label(request, sample_no):
    """样品标签: the sample number as a QR code, for a 60 × 40 mm label printer; one label for
    the test portion and one for the retained portion (备份样品, kept for a re-test)."""
    import segno

    sample = _sample(request, sample_no)
    qr = segno.make(sample.sample_no, error="m").svg_inline(scale=4, border=1,
                                                             title=sample.sample_no)
    return render(request, "monitoring/sample_label.html", {
        "sample": sample, "qr": qr, "portions": [_("检测样品"), _("备份样品")]})


@login_required
@require_GET
def sample_print(request, sample_no):
    """抽样单, in its four copies (sampler, party, lab, commissioning office), one a page."""
    sample = _sample(request, sample_no)
    context = _record(request, sample) | {"copies": pages.COPIES,
                                          "printed_at": timezone.localtime()}
    return render(request, "monitoring/sample_print.html", context)


@login_required
@require_GET
def sample_photo(request, sample_no, media_id: uuid.UUID):
    """A photo or the party's signature of a sample the user may see; else a 404."""
    sample = get_object_or_404(visible(Sample, request.user), sample_no=sample_no)
    media = sample.photos.filter(pk=media_id).first()
    if media is None and sample.party_signature_id == media_id:
        media = sample.party_signature
    return photos.serve(media)


@login_required
@require_GET
def sample_report(request, sample_no):
    """检测报告 (PDF): anyone who can see the sample downloads it."""
    sample = get_object_or_404(visible(Sample, request.user), sample_no=sample_no)
    if not sample.report:
        raise Http404
    try:
        handle = sample.report.open("rb")
    except (FileNotFoundError, OSError):
        raise Http404 from None
    response = FileResponse(handle, content_type="application/pdf",
                            filename=f"{sample.sample_no}.pdf")
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_POST
def sample_report_upload(request, sample_no):
    sample = _sample(request, sample_no)
    require(request.user, "result.enter")
    form = ReportForm(request.POST, request.FILES)
    form.is_valid()
    upload = form.cleaned_data.get("report")
    if upload is None:
        form.add_error("report", _("请选择检测报告文件（PDF）"))
        return _again(request, sample_no, report_form=form)
    try:
        services.upload_report(sample, upload, actor=request.user,
                               reason=form.cleaned_data.get("reason", ""))
    except FieldErrors as exc:
        for key, message in exc.by_field().items():
            form.add_error("report" if key not in form.fields else key, message)
        return _again(request, sample_no, report_form=form)
    except Conflict as exc:
        form.add_error("reason", str(exc))
        return _again(request, sample_no, status=409, report_form=form)
    messages.success(request, _("检测报告已上传"))
    return redirect(_sample_url(sample, "report"))


@login_required
@require_POST
def sample_receive(request, sample_no):
    sample = _sample(request, sample_no)
    require(request.user, "sample.receive")
    try:
        services.receive_sample(sample, actor=request.user)
    except Conflict as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("已登记收样"))
    return redirect(_sample_url(sample))


@login_required
@require_POST
def sample_results(request, sample_no):
    """录入检测结果: the filled rows go to the service in one call; a value that replaces
    one already entered is a correction and needs its reason."""
    sample = _sample(request, sample_no)
    require(request.user, "result.enter")
    post = request.POST
    rows, where = _posted_results(sample, post)
    if not rows:
        return _again(request, sample_no, posted=post,
                      entry_error=_("请至少填写一个检测项目的结果"))
    try:
        services.record_results(sample, rows, actor=request.user,
                                reason=post.get("reason", ""))
    except FieldErrors as exc:
        errors: dict[int, dict[str, str]] = {}
        reason_error = ""
        for loc, message in exc.errors:
            if len(loc) == 2 and isinstance(loc[0], int) and loc[0] < len(where):
                errors.setdefault(where[loc[0]], {})[str(loc[1])] = message
                if "更正须说明原因" in message:
                    reason_error = _("更正已有结果须填写更正原因")
            else:
                reason_error = reason_error or message
        return _again(request, sample_no, posted=post, result_errors=errors,
                      reason_error=reason_error)
    except Conflict as exc:
        messages.error(request, str(exc))
        return redirect(_sample_url(sample, "results"))
    messages.success(request, _("已保存 %(n)s 项检测结果") % {"n": len(rows)})
    return redirect(_sample_url(sample, "results"))


@login_required
@require_POST
def sample_notify(request, sample_no):
    sample = _sample(request, sample_no)
    require(request.user, "sample.notify")
    try:
        services.notify_party(sample, actor=request.user)
    except Conflict as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("已记录告知被抽样方检测结果及复检权利"))
    return redirect(_sample_url(sample, "retest"))


@login_required
@require_POST
def sample_retest(request, sample_no):
    sample = _sample(request, sample_no)
    require(request.user, "retest.request")
    form = RetestForm(request.POST, sample=sample)
    if not form.is_valid() or not form.cleaned_data.get("lab"):
        if not form.errors:
            form.add_error("lab", _("请选择复检机构"))
        return _again(request, sample_no, retest_form=form)
    lab = form.cleaned_data["lab"]
    try:
        retest = services.request_retest(sample, lab_id=int(lab), actor=request.user)
    except FieldErrors as exc:
        for key, message in exc.by_field().items():
            form.add_error("lab" if key == "lab" else None, message)
        return _again(request, sample_no, retest_form=form)
    except Conflict as exc:
        messages.error(request, str(exc))
        return redirect(_sample_url(sample, "retest"))
    messages.success(request, _("已受理复检申请，复检样品编号 %(no)s") % {"no": retest.sample_no})
    return redirect(_sample_url(sample, "retest"))


# --- LIMS import ---------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def lims_import(request):
    """导入LIMS结果: all or nothing; on failure the errors row by row, on success a summary."""
    require(request.user, "result.enter")
    form, errors, summary, status = ImportForm(), [], None, 200
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
        form.is_valid()
        upload = form.cleaned_data.get("file")
        if upload is None:
            form.add_error("file", _("请选择要导入的文件"))
            status = 422
        else:
            try:
                summary = services.import_lab_results(upload, actor=request.user)
            except FieldErrors as exc:
                errors = [{"row": loc[0] if loc else None,
                           "column": loc[1] if len(loc) > 1 else "", "message": message}
                          for loc, message in exc.errors]
                status = 422
    verdicts = dict(VERDICTS)
    return render(request, "monitoring/lims_import.html", {
        "form": form, "errors": errors, "summary": summary,
        "verdicts": [(verdicts.get(k, k), n, pages.VERDICT_BADGES.get(k, ""))
                     for k, n in (summary or {}).get("verdicts", {}).items()],
        "columns": pages.LIMS_HELP}, status=status)


@login_required
@require_GET
def lims_template(request):
    require(request.user, "result.enter")
    response = HttpResponse(pages.lims_template(), content_type=XLSX)
    name = quote(_("检测结果导入模板") + ".xlsx")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{name}"
    return response


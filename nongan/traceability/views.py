"""Pages of the traceability data: the imports (upload, list), one import's progress,
counts, errors and unmatched rows with its report and the 重新匹配 button, and the list of
承诺达标合格证. Thin: reads through `queries`, writes through `services`."""

import io
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from openpyxl import Workbook
from openpyxl.styles import Font

from nongan.core.errors import Conflict, FieldErrors
from nongan.core.listing import XLSX, page_of, sort_headers, xlsx_response
from nongan.core.permissions import allowed, require
from nongan.producers import importing as register_importing

from . import importing, queries, services
from .models import BASES, TraceImport

PAGE_SIZES = [20, 50, 100, 200]
SHOWN_ERRORS = 200


@login_required
@require_http_methods(["GET", "POST"])
def import_list(request):
    require(request.user, "trace.import")
    errors, kind = {}, request.POST.get("kind") or request.GET.get("kind") or "certificates"
    if request.method == "POST":
        try:
            job = services.start_import(kind, request.FILES.get("file"), actor=request.user)
        except FieldErrors as exc:
            errors = exc.by_field()
        else:
            return redirect("trace_import", pk=job.pk)
    result = page_of(queries.imports_for(request.user), request.GET.get("page"), 20)
    return render(request, "traceability/imports.html", {
        "kinds": TraceImport.KINDS, "kind": kind, "errors": errors, "result": result,
        "columns": {k: importing.COLUMNS[k] for k, _ in TraceImport.KINDS},
    }, status=422 if errors else 200)


def _job(request, pk):
    return get_object_or_404(queries.imports_for(request.user), pk=pk)


@login_required
@require_GET
def import_detail(request, pk: int):
    job = _job(request, pk)
    if request.headers.get("HX-Request"):
        return render(request, "traceability/_progress.html", {"job": job})
    unmatched = page_of(queries.unmatched_of(job, request.user), request.GET.get("page"),
                        request.GET.get("page_size"))
    return render(request, "traceability/import_detail.html", {
        "job": job, "errors": job.errors[:SHOWN_ERRORS],
        "more_errors": max(0, len(job.errors) - SHOWN_ERRORS),
        "unmatched": unmatched, "page_sizes": PAGE_SIZES,
        "rows": [{"row": r, "code": queries.shown_code(r)} for r in unmatched["items"]],
        "can_rematch": job.status == "done" and job.unmatched > 0
        and allowed(request.user, "trace.import")})


def _report(job, rows) -> bytes:
    book = Workbook()
    summary = book.active
    summary.title = "汇总"
    for label, value in (("文件", job.filename), ("类型", job.get_kind_display()),
                         ("上传时间", timezone.localtime(job.created_at).strftime("%Y-%m-%d %H:%M")),
                         ("数据行", job.total), ("已匹配", job.matched),
                         ("重复跳过", job.skipped), ("未匹配", job.unmatched)):
        summary.append([label, value])
    sheet = book.create_sheet("未匹配记录")
    sheet.append(["行号", "主体名称", "统一社会信用代码/身份证号/主体身份码",
                  "合格证编号" if job.kind == "certificates" else "主体身份码", "产品名称",
                  "原因", "重新匹配时间"])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for r in rows:
        sheet.append([r.row, r.name, queries.shown_code(r),
                      r.data.get("cert_no" if job.kind == "certificates" else "code", ""),
                      r.data.get("product", ""), r.note if not r.matched_at else "",
                      timezone.localtime(r.matched_at).strftime("%Y-%m-%d %H:%M")
                      if r.matched_at else ""])
    for letter, width in (("A", 8), ("B", 30), ("C", 24), ("D", 24), ("E", 16), ("F", 30),
                          ("G", 18)):
        sheet.column_dimensions[letter].width = width
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@login_required
@require_GET
def import_report(request, pk: int):
    """The row report: errors (行号、列、原因) of a failed import; else its counts and
    every unmatched row."""
    job = _job(request, pk)
    if job.status == "failed":
        content = register_importing.error_report(job.errors)
    else:
        content = _report(job, queries.unmatched_of(job, request.user))
    response = HttpResponse(content, content_type=XLSX)
    name = f"追溯导入报告-{job.pk}.xlsx"
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response


@login_required
@require_POST
def import_rematch(request, pk: int):
    require(request.user, "trace.import")
    job = _job(request, pk)
    try:
        result = services.rematch(job, actor=request.user)
    except Conflict as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("重新匹配完成：新匹配 %(n)s 行，仍有 %(left)s 行未匹配")
                         % {"n": result["matched"], "left": result["unmatched"]})
    return redirect("trace_import", pk=job.pk)


@login_required
@require_GET
def certificate_list(request):
    filters, errors = queries.certificate_filters(request.GET)
    qs = queries.certificates_for(request.user, filters)
    if request.GET.get("format") == "xlsx":
        return xlsx_response(_("承诺达标合格证") + ".xlsx", queries.EXPORT_HEADERS,
                             queries.export_rows(qs))
    result = page_of(qs, request.GET.get("page"), request.GET.get("page_size"))
    return render(request, "traceability/certificates.html", {
        "result": result, "filters": filters, "errors": errors, "bases": BASES,
        "sort": sort_headers(filters["sort"], queries.SORT_FIELDS,
                             descending_first=("issued_on", "quantity")),
        "sort_value": filters["sort"], "page_sizes": PAGE_SIZES,
        "can_import": allowed(request.user, "trace.import")})

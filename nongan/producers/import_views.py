"""Pages of bulk import: upload, the job's progress and errors, the report, the templates."""

from urllib.parse import quote

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from nongan.core.errors import FieldErrors
from nongan.core.listing import XLSX
from nongan.core.permissions import require
from nongan.core.scoping import visible

from . import import_services, importing
from .models import ImportJob

SHOWN_ERRORS = 200


def _xlsx(filename: str, content: bytes) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def import_page(request):
    require(request.user, "register.import")
    errors, kind = {}, request.POST.get("kind") or request.GET.get("kind") or "producers"
    if request.method == "POST":
        try:
            job = import_services.start_import(kind, request.FILES.get("file"),
                                               actor=request.user)
        except FieldErrors as exc:
            errors = exc.by_field()
        else:
            return redirect("producer_import_job", pk=job.pk)
    return render(request, "producers/import.html", {
        "kinds": ImportJob.KINDS, "kind": kind, "errors": errors,
        "jobs": visible(ImportJob, request.user)[:10],
    }, status=422 if errors else 200)


@login_required
@require_GET
def import_job(request, pk: int):
    job = get_object_or_404(visible(ImportJob, request.user), pk=pk)
    template = ("producers/_import_progress.html" if request.headers.get("HX-Request")
                else "producers/import_job.html")
    return render(request, template, {"job": job, "errors": job.errors[:SHOWN_ERRORS],
                                      "more_errors": max(0, len(job.errors) - SHOWN_ERRORS)})


@login_required
@require_GET
def import_report(request, pk: int):
    job = get_object_or_404(visible(ImportJob, request.user), pk=pk, status="failed")
    return _xlsx(f"导入错误报告-{job.pk}.xlsx", importing.error_report(job.errors))


@login_required
@require_GET
def import_template(request, kind: str):
    if kind not in importing.TEMPLATE_NAMES:
        raise Http404
    return _xlsx(importing.TEMPLATE_NAMES[kind], importing.template_workbook(kind))

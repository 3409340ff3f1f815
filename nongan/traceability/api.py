"""Traceability over HTTP: upload an export of the national platform (multipart `kind`,
`file`) and follow the job; its errors and unmatched rows; match them again; the scoped
list of 承诺达标合格证 (filters, paging, `?format=xlsx`). Another region's import is a 404."""

from django.shortcuts import get_object_or_404
from ninja import File, Form, Router, Status
from ninja.files import UploadedFile

from nongan.core.errors import FieldErrors
from nongan.core.listing import page_of, xlsx_response
from nongan.core.permissions import require

from . import queries, services

router = Router(tags=["traceability"])


@router.post("/trace-imports", response={201: dict})
def create_import(request, kind: Form[str] = "", file: File[UploadedFile] = None):
    """上传追溯平台导出文件: `kind` producers | certificates, `file` .xlsx or .csv. Answers
    the job (status pending); the worker checks it, then `GET /trace-imports/{id}`."""
    job = services.start_import(kind, file, actor=request.auth)
    return Status(201, queries.import_dict(job))


@router.get("/trace-imports", response=dict)
def list_imports(request, page: int = 1, page_size: int = 50):
    found = page_of(queries.imports_for(request.auth), page, page_size)
    return {"count": found["count"], "items": [queries.import_dict(j) for j in found["items"]]}


def _job(request, pk):
    return get_object_or_404(queries.imports_for(request.auth), pk=pk)


@router.get("/trace-imports/{pk}", response=dict)
def get_import(request, pk: int, page: int = 1, page_size: int = 50):
    """The job with its counts, its errors (row, column, message) when it failed, and its
    unmatched rows (paged by `page`, `page_size`)."""
    job = _job(request, pk)
    found = page_of(queries.unmatched_of(job, request.auth), page, page_size)
    return queries.import_dict(job) | {"errors": job.errors, "unmatched_rows": {
        "count": found["count"], "items": [queries.unmatched_dict(r) for r in found["items"]]}}


@router.post("/trace-imports/{pk}/rematch", response=dict)
def rematch(request, pk: int):
    """重新匹配 the rows still unmatched against the register as it is now."""
    require(request.auth, "trace.import")
    result = services.rematch(_job(request, pk), actor=request.auth)
    return result | {"job": queries.import_dict(_job(request, pk))}


@router.get("/certificates", response=dict)
def list_certificates(request, producer: str = "", producer_name: str = "", product: str = "",
                      date_from: str = "", date_to: str = "", basis: str = "", sort: str = "",
                      format: str = "", page: int = 1, page_size: int = 50):
    """承诺达标合格证: `producer` (id), `producer_name`, `product` (contains), `date_from`,
    `date_to` (开具日期, YYYY-MM-DD), `basis` (entrusted_test | self_test |
    internal_control | self_commitment), `sort` (issued_on, cert_no, product, quantity,
    producer; `-` first for descending)."""
    filters, errors = queries.certificate_filters({
        "producer": producer, "producer_name": producer_name, "product": product,
        "date_from": date_from, "date_to": date_to, "basis": basis, "sort": sort})
    if errors:
        raise FieldErrors(errors, prefix=("query",))
    qs = queries.certificates_for(request.auth, filters)
    if format == "xlsx":
        return xlsx_response("承诺达标合格证.xlsx", queries.EXPORT_HEADERS, queries.export_rows(qs))
    found = page_of(qs, page, page_size)
    return {"count": found["count"],
            "items": [queries.certificate_dict(c) for c in found["items"]]}

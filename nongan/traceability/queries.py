"""Reads of the traceability data shared by the pages and the API: imports with their
counts, errors and unmatched rows; the scoped, filtered, sorted list of certificates and its
Excel rows; a producer's certificates for its page. Every read starts from `visible`."""

import datetime as dt
from collections import Counter

from django.db.models import Count
from django.db.models.functions import ExtractMonth
from django.utils import timezone

from nongan.core.scoping import visible
from nongan.core.validators import mask_id_number

from .models import BASES, Certificate, TraceImport, TraceProducer, UnmatchedRow

SORT_FIELDS = {"issued_on": "issued_on", "cert_no": "cert_no", "product": "product",
               "quantity": "quantity", "producer": "producer__name"}
EXPORT_HEADERS = ["合格证编号", "生产主体", "统一社会信用代码", "产品名称", "数量", "单位", "开具日期",
                  "承诺依据", "产地", "追溯码"]


def imports_for(user):
    return visible(TraceImport, user).select_related("uploader", "region")


def import_dict(job: TraceImport) -> dict:
    return {"id": job.pk, "kind": job.kind, "filename": job.filename, "status": job.status,
            "region": job.region_id, "uploader": job.uploader.username,
            "total": job.total, "processed": job.processed, "matched": job.matched,
            "unmatched": job.unmatched, "skipped": job.skipped, "error_count": len(job.errors),
            "created_at": job.created_at, "finished_at": job.finished_at}


def unmatched_of(job: TraceImport, user):
    return visible(UnmatchedRow, user).filter(trace_import=job).select_related(
        "producer").order_by("row")


def shown_code(row: UnmatchedRow) -> str:
    """How a kept row names its producer on pages and reports: an ID number masked."""
    return row.uscc or (mask_id_number(row.id_number) if row.id_number else "") or \
        row.data.get("code", "")


def unmatched_dict(row: UnmatchedRow) -> dict:
    return {"row": row.row, "name": row.name, "uscc": row.uscc,
            "id_number": mask_id_number(row.id_number) if row.id_number else "",
            "code": row.data.get("code", ""), "cert_no": row.data.get("cert_no", ""),
            "product": row.data.get("product", ""), "reason": row.note,
            "matched_at": row.matched_at, "producer": row.producer_id}


# --- certificates ----------------------------------------------------------------------


def certificate_filters(params) -> tuple[dict, dict]:
    """List filters from query parameters, and the bad ones with their reason."""
    filters, errors = {"product": (params.get("product") or "").strip()[:100],
                       "producer_name": (params.get("producer_name") or "").strip()[:100]}, {}
    producer = str(params.get("producer") or "").strip()
    if producer and not producer.isdigit():
        errors["producer"] = "应为生产主体ID"
    filters["producer"] = int(producer) if producer.isdigit() else None
    for key in ("date_from", "date_to"):
        value = str(params.get(key) or "").strip()
        try:
            filters[key] = dt.date.fromisoformat(value) if value else None
        except ValueError:
            filters[key], errors[key] = None, "日期格式应为 YYYY-MM-DD"
    basis = (params.get("basis") or "").strip()
    if basis and basis not in dict(BASES):
        errors["basis"] = "应为 " + "、".join(code for code, _ in BASES)
    filters["basis"] = basis if basis in dict(BASES) else ""
    sort = (params.get("sort") or "").strip()
    if sort and sort.lstrip("-") not in SORT_FIELDS:
        errors["sort"] = "应为 " + "、".join(SORT_FIELDS)
    filters["sort"] = sort if sort.lstrip("-") in SORT_FIELDS else ""
    return filters, errors


def certificates_for(user, filters: dict | None = None):
    filters = filters or {}
    qs = visible(Certificate, user).select_related("producer")
    if filters.get("producer"):
        qs = qs.filter(producer_id=filters["producer"])
    if filters.get("producer_name"):
        qs = qs.filter(producer__name__icontains=filters["producer_name"])
    if filters.get("product"):
        qs = qs.filter(product__icontains=filters["product"])
    if filters.get("date_from"):
        qs = qs.filter(issued_on__gte=filters["date_from"])
    if filters.get("date_to"):
        qs = qs.filter(issued_on__lte=filters["date_to"])
    if filters.get("basis"):
        qs = qs.filter(basis__contains=filters["basis"])
    sort = filters.get("sort") or "-issued_on"
    field = SORT_FIELDS[sort.lstrip("-")]
    return qs.order_by(("-" if sort.startswith("-") else "") + field, "-pk")


def certificate_dict(c: Certificate) -> dict:
    return {"id": c.pk, "cert_no": c.cert_no, "producer": c.producer_id,
            "producer_name": c.producer.name, "product": c.product,
            "quantity": c.quantity_text,
            "unit": c.unit, "issued_on": c.issued_on, "basis": c.basis.split(","),
            "basis_display": c.basis_display, "origin": c.origin, "trace_code": c.trace_code}


def export_rows(qs):
    for c in qs.iterator(chunk_size=2000):
        yield [c.cert_no, c.producer.name, c.producer.uscc or "", c.product, c.quantity, c.unit,
               c.issued_on, c.basis_display, c.origin, c.trace_code]


# --- a producer's page -----------------------------------------------------------------


def producer_section(user, producer, *, today=None) -> dict:
    """承诺达标合格证 on a producer's page: registration on the platform, this year's count
    by month, and the last ten."""
    today = today or timezone.localdate()
    certificates = visible(Certificate, user).filter(producer=producer)
    registration = visible(TraceProducer, user).filter(producer=producer).first()
    by_month = Counter(dict(
        certificates.filter(issued_on__year=today.year).order_by()
        .annotate(month=ExtractMonth("issued_on")).values("month").annotate(n=Count("pk"))
        .values_list("month", "n")))
    top = max(by_month.values(), default=0)
    months = [{"month": m, "count": by_month.get(m, 0),
               "percent": round(100 * by_month.get(m, 0) / top) if top else 0}
              for m in range(1, today.month + 1)]
    return {"registration": registration, "year": today.year,
            "this_year": sum(by_month.values()), "months": months,
            "total": certificates.count(), "last": list(certificates.order_by(
                "-issued_on", "-pk")[:10])}

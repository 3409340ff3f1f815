"""Writes of the traceability import (追溯平台数据导入): upload a file, check it whole in the
worker and write it whole (one transaction, one audit entry) or not at all, and match the
rows left unmatched again once the register has grown (重新匹配).

Rows are matched to the register of the import's region only (the uploader's region): a
district officer's file never touches — nor tells anything of — another district's
producers; such a row reads "未在本辖区名录中找到", as does a row of no producer at all.
"""

import datetime as dt
import logging
from dataclasses import dataclass
from decimal import Decimal
from functools import partial
from pathlib import PurePath

from django.db import IntegrityError, transaction
from django.utils import timezone

from nongan.core import audit
from nongan.core.errors import Conflict, FieldErrors
from nongan.core.permissions import allowed, require
from nongan.core.scoping import within
from nongan.producers import importing as register_importing
from nongan.producers.import_services import MAX_UPLOAD_BYTES, fail_job, update_job
from nongan.producers.models import Producer

from . import importing
from .models import Certificate, TraceImport, TraceProducer, UnmatchedRow

logger = logging.getLogger(__name__)
NOT_FOUND = "未在本辖区名录中找到"
BATCH = 500
CERT_FIELDS = ("product", "quantity", "unit", "issued_on", "basis", "origin", "trace_code")
REGISTRATION_FIELDS = ("code", "registered_on", "platform_name", "platform_kind", "industry",
                       "area", "address", "legal_rep", "phone")
FIELD_LABELS = {"product": "产品名称", "quantity": "数量", "unit": "单位", "issued_on": "开具日期",
                "basis": "承诺依据", "origin": "产地", "trace_code": "追溯码",
                "producer": "开具主体"}


def start_import(kind: str, uploaded_file, *, actor) -> TraceImport:
    """上传追溯平台导出文件: store it, make the job, and queue its check once committed."""
    require(actor, "trace.import")
    errors = {}
    if kind not in dict(TraceImport.KINDS):
        errors["kind"] = "请选择导入追溯平台主体还是承诺达标合格证"
    if uploaded_file is None:
        errors["file"] = "请选择要上传的文件"
    else:
        suffix = PurePath(uploaded_file.name or "").suffix.lower()
        if suffix not in register_importing.SPREADSHEETS:
            errors["file"] = "文件格式应为 " + "、".join(register_importing.SPREADSHEETS)
        elif uploaded_file.size > MAX_UPLOAD_BYTES:
            errors["file"] = f"文件不能超过 {MAX_UPLOAD_BYTES // 1024 // 1024} MB，请拆分后导入"
        elif error := register_importing.content_error(suffix, uploaded_file):
            errors["file"] = error
    if errors:
        raise FieldErrors(errors)
    from .tasks import import_trace_file

    with transaction.atomic():
        job = TraceImport(kind=kind, filename=PurePath(uploaded_file.name).name[:200],
                          uploader=actor, region=actor.region)
        job.file.save(f"{kind}{suffix}", uploaded_file, save=False)
        job.save()
        audit.record("trace.upload", job, actor=actor, region_code=job.region_id,
                     after={"kind": kind, "file": job.filename})
        transaction.on_commit(partial(import_trace_file.enqueue, job.pk))
    return job


def run_import(job_id: int) -> str:
    """Check every row of the job's file; write them all only when none has an error."""
    claimed = TraceImport.objects.filter(pk=job_id, status="pending").update(status="running")
    job = TraceImport.objects.select_related("uploader", "region").get(pk=job_id)
    if not claimed:  # already run (a retried task): leave the outcome as it is
        return job.status
    try:
        status = _run(job)
    except Exception:
        logger.exception("trace import %s failed", job_id)
        fail_job(job, [{"row": None, "column": "", "message": "导入时发生系统错误，未导入任何数据；"
                                                          "请稍后重试或联系管理员"}])
        raise
    update_job(job, finished_at=timezone.now())
    return status


def _run(job: TraceImport) -> str:
    user = job.uploader
    if not (user.is_active and allowed(user, "trace.import")):
        return fail_job(job, [{"row": None, "column": "", "message": "您没有导入追溯平台数据的权限"}])
    try:
        with job.file.open("rb") as handle:
            rows = importing.read_rows(job.filename, handle, job.kind)
    except register_importing.FileError as exc:
        return fail_job(job, [exc.as_error()])
    update_job(job, total=len(rows.items), processed=0)
    clean, errors = importing.validate(rows, job.kind, progress=lambda n: update_job(job, processed=n))
    if errors:
        return fail_job(job, errors)
    decisions = decide(job.kind, clean, job.region)
    conflicts = [{"row": d.row.row, "column": rows.column(d.field), "message": d.reason}
                 for d in decisions if d.action == "error"]
    if conflicts:
        return fail_job(job, conflicts)
    try:
        with transaction.atomic():
            counts = _write(job, decisions)
            audit.record("trace.import", job, actor=user, region_code=job.region_id,
                         after=counts | {"kind": job.kind, "file": job.filename})
            update_job(job, status="done", **counts)
    except IntegrityError:
        # Someone imported the same certificate or code between the check and the write.
        return fail_job(job, [{"row": None, "column": "", "message":
                            "导入时发现编号与刚导入的数据重复，未导入任何数据；请重新上传"}])
    return job.status


# --- matching --------------------------------------------------------------------------


@dataclass
class Decision:
    row: importing.Row
    action: str  # create | update | skip | unmatched | error
    producer: Producer | None = None
    existing: object = None
    field: str = ""
    reason: str = ""


def _index(kind: str, rows: list, region) -> dict:
    """key -> {value: producer} for the codes the rows name, within `region` only."""
    register = within(Producer.objects.filter(active=True), region)
    found = {"uscc": {}, "id_number": {}, "code": {}}
    for key in ("uscc", "id_number"):
        values = {r.values.get(key) for r in rows}
        for chunk in register_importing._chunks(values):
            # Individuals first: a grower and the family farm he runs may share an ID.
            for producer in register.filter(**{f"{key}__in": chunk}).order_by("-kind", "pk"):
                found[key].setdefault(getattr(producer, key), producer)
    if "code" in importing.MATCH_KEYS[kind]:
        for chunk in register_importing._chunks({r.values.get("code") for r in rows}):
            for reg in TraceProducer.objects.filter(code__in=chunk,
                                                    producer__in=register).select_related(
                    "producer"):
                found["code"][reg.code] = reg.producer
    return found


def _match(row, kind: str, index: dict) -> Producer | None:
    for key in importing.MATCH_KEYS[kind]:
        value = row.values.get(key)
        if value and value in index[key]:
            return index[key][value]
    return None


def decide(kind: str, rows: list, region) -> list[Decision]:
    """What each valid row would do to the register of `region`; nothing is written."""
    index = _index(kind, rows, region)
    matches = [(row, _match(row, kind, index)) for row in rows]
    if kind == "certificates":
        return _decide_certificates(matches, region)
    return _decide_registrations(matches)


def _differences(existing, values: dict, producer) -> list[str]:
    changed = [FIELD_LABELS[f] for f in CERT_FIELDS if getattr(existing, f) != values[f]]
    if producer is None or existing.producer_id != producer.pk:
        changed.insert(0, FIELD_LABELS["producer"])
    return changed


def _decide_certificates(matches, region) -> list[Decision]:
    numbers = {row.values["cert_no"] for row, _ in matches}
    existing = {}
    for chunk in register_importing._chunks(numbers):
        existing.update((c.cert_no, c) for c in Certificate.objects.filter(cert_no__in=chunk))
    ours = set(within(Producer.objects.all(), region).filter(
        pk__in={c.producer_id for c in existing.values()}).values_list("pk", flat=True))
    decisions = []
    for row, producer in matches:
        found = existing.get(row.values["cert_no"])
        if found is None:
            decisions.append(Decision(row, "create" if producer else "unmatched", producer))
            continue
        if found.producer_id not in ours and producer is None:
            # Another district's certificate named by a producer not in ours: not found here.
            decisions.append(Decision(row, "unmatched"))
            continue
        if found.producer_id not in ours:
            decisions.append(Decision(row, "error", producer, field="cert_no",
                                      reason="该合格证编号已被其他主体的合格证使用"))
            continue
        changed = _differences(found, row.values, producer)
        if changed:
            decisions.append(Decision(row, "error", producer, found, "cert_no",
                                      "该合格证编号已导入，本次内容不同（" + "、".join(changed)
                                      + "）；更正请在追溯平台办理后联系管理员"))
        else:
            decisions.append(Decision(row, "skip", producer, found))
    return decisions


def _registration_values(values: dict, producer) -> dict:
    return {"code": values["code"], "registered_on": values.get("registered_on"),
            "platform_name": values["name"][:200], "platform_kind": values["platform_kind"],
            "industry": values["industry"], "area": values["area"],
            "address": values["address"], "legal_rep": values["legal_rep"],
            "phone": values["phone"], "name_differs": _name(values["name"]) != _name(
                producer.name)}


def _name(text: str) -> str:
    return "".join(str(text).split()).replace("（", "(").replace("）", ")")


def _decide_registrations(matches) -> list[Decision]:
    producers = {p.pk for _, p in matches if p}
    codes = {row.values["code"] for row, _ in matches}
    by_producer = {r.producer_id: r for r in TraceProducer.objects.filter(
        producer__in=producers)}
    by_code = {}
    for chunk in register_importing._chunks(codes):
        by_code.update((r.code, r) for r in TraceProducer.objects.filter(code__in=chunk))
    decisions, taken = [], {}
    for row, producer in matches:
        if producer is None:
            decisions.append(Decision(row, "unmatched"))
            continue
        other = by_code.get(row.values["code"])
        if other is not None and other.producer_id != producer.pk:
            decisions.append(Decision(row, "error", producer, field="code",
                                      reason="该主体身份码已对应另一生产主体"))
            continue
        if (first := taken.setdefault(producer.pk, row.row)) != row.row:
            decisions.append(Decision(row, "error", producer, field="name",
                                      reason=f"与第{first}行是名录中的同一主体"))
            continue
        current = by_producer.get(producer.pk)
        values = _registration_values(row.values, producer)
        if current is None:
            decisions.append(Decision(row, "create", producer))
        elif all(getattr(current, k) == v for k, v in values.items()):
            decisions.append(Decision(row, "skip", producer, current))
        else:
            decisions.append(Decision(row, "update", producer, current))
    return decisions


# --- writing ---------------------------------------------------------------------------


def _certificate(values: dict, producer, job) -> Certificate:
    return Certificate(cert_no=values["cert_no"], producer=producer, trace_import=job,
                       **{f: values[f] for f in CERT_FIELDS})


def _apply(job, decisions) -> dict:
    """Create and update what the decisions say (the caller holds the transaction)."""
    counts = {"matched": 0, "skipped": 0}
    new_certs, new_regs, changed = [], [], []
    for d in decisions:
        if d.action == "skip":
            counts["skipped"] += 1
        elif d.action in ("create", "update"):
            counts["matched"] += 1
            if job.kind == "certificates":
                new_certs.append(_certificate(d.row.values, d.producer, job))
            elif d.action == "create":
                new_regs.append(TraceProducer(producer=d.producer, trace_import=job,
                                              **_registration_values(d.row.values, d.producer)))
            else:
                for key, value in _registration_values(d.row.values, d.producer).items():
                    setattr(d.existing, key, value)
                d.existing.trace_import, d.existing.updated_at = job, timezone.now()
                changed.append(d.existing)
    Certificate.objects.bulk_create(new_certs, batch_size=BATCH)
    TraceProducer.objects.bulk_create(new_regs, batch_size=BATCH)
    if changed:
        TraceProducer.objects.bulk_update(
            changed, [*REGISTRATION_FIELDS, "name_differs", "trace_import", "updated_at"],
            batch_size=BATCH)
    return counts


def _write(job: TraceImport, decisions: list[Decision]) -> dict:
    counts = _apply(job, decisions)
    unmatched = [UnmatchedRow(trace_import=job, row=d.row.row, kind=job.kind,
                              uscc=d.row.values.get("uscc", ""),
                              id_number=d.row.values.get("id_number", ""),
                              name=d.row.values["name"][:200], data=d.row.data, note=NOT_FOUND)
                 for d in decisions if d.action == "unmatched"]
    UnmatchedRow.objects.bulk_create(unmatched, batch_size=BATCH)
    return counts | {"unmatched": len(unmatched)}


def _values(kind: str, data: dict) -> dict:
    """A kept row's data back into clean values (dates and quantities as such)."""
    values = dict(data)
    for key in ("issued_on", "registered_on"):
        if values.get(key):
            values[key] = dt.date.fromisoformat(values[key])
    if kind == "certificates":
        values["quantity"] = Decimal(values["quantity"])
    return values


def rematch(job: TraceImport, *, actor) -> dict:
    """重新匹配: the import's rows still unmatched, against the register of its region as
    it is now; those found are written as an import would (a row now in conflict with
    what was imported since stays unmatched, with the reason)."""
    require(actor, "trace.import")
    with transaction.atomic():
        job = TraceImport.objects.select_for_update().select_related("region").get(pk=job.pk)
        if job.status != "done":
            raise Conflict("导入尚未完成，不能重新匹配")
        pending = list(job.unmatched_rows.filter(matched_at=None).order_by("row"))
        rows = [importing.Row(u.row, _values(job.kind, u.data)) for u in pending]
        decisions = decide(job.kind, rows, job.region) if rows else []
        now, done = timezone.now(), []
        for kept, d in zip(pending, decisions, strict=True):
            if d.action == "error":
                kept.note = d.reason[:200]
            elif d.action != "unmatched":
                kept.matched_at, kept.producer, kept.note = now, d.producer, ""
                done.append(d)
        if pending:
            UnmatchedRow.objects.bulk_update(pending, ["matched_at", "producer", "note"],
                                             batch_size=BATCH)
        counts = _apply(job, done)
        before = {"matched": job.matched, "unmatched": job.unmatched, "skipped": job.skipped}
        after = {"matched": job.matched + counts["matched"],
                 "skipped": job.skipped + counts["skipped"],
                 "unmatched": job.unmatched - len(done)}
        TraceImport.objects.filter(pk=job.pk).update(**after)
        audit.record("trace.rematch", job, actor=actor, region_code=job.region_id,
                     before=before, after=after)
    return {"matched": len(done), "unmatched": after["unmatched"], **{
        "created": counts["matched"], "skipped": counts["skipped"]}}

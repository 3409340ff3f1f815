"""Bulk import (批量导入): one uploaded file is one job, validated whole in the background
worker, and imported whole — in one transaction, with one audit entry — or not at all."""

import logging
from functools import partial
from pathlib import PurePath

from django.db import IntegrityError, transaction
from shapely import STRtree
from shapely.geometry import box

from nongan.core import audit
from nongan.core.errors import FieldErrors
from nongan.core.geo import overlapping
from nongan.core.permissions import allowed, require
from nongan.regions.models import Grid

from . import importing, services
from .models import Certification, ImportJob, Plot, Producer

logger = logging.getLogger(__name__)
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
MAX_STORED_ERRORS = 5000  # the page and the report; past that the file needs fixing anyway
BATCH = 500
OVERLAP_TILE = 0.02  # degrees, about 2 km in Shanghai
AUDIT_ACTIONS = {"producers": "producer.import", "plots": "plot.import"}


def start_import(kind: str, uploaded_file, *, actor) -> ImportJob:
    """上传导入文件: store it, make the job, and queue the check once the job is committed."""
    require(actor, "register.import")
    errors = {}
    if kind not in dict(ImportJob.KINDS):
        errors["kind"] = "请选择导入生产主体还是地块"
    if uploaded_file is None:
        errors["file"] = "请选择要上传的文件"
    else:
        suffix = PurePath(uploaded_file.name or "").suffix.lower()
        accepted = importing.SPREADSHEETS + (importing.GEOJSON if kind == "plots" else ())
        if suffix not in accepted:
            errors["file"] = "文件格式应为 " + "、".join(accepted)
        elif uploaded_file.size > MAX_UPLOAD_BYTES:
            errors["file"] = f"文件不能超过 {MAX_UPLOAD_BYTES // 1024 // 1024} MB，请拆分后导入"
        elif error := importing.content_error(suffix, uploaded_file):
            errors["file"] = error
    if errors:
        raise FieldErrors(errors)
    from .tasks import import_register_file

    with transaction.atomic():
        job = ImportJob(kind=kind, filename=PurePath(uploaded_file.name).name[:200],
                        created_by=actor)
        job.file.save(f"{kind}{suffix}", uploaded_file, save=False)
        job.save()
        transaction.on_commit(partial(import_register_file.enqueue, job.pk))
    return job


def update_job(job: ImportJob, **fields) -> None:
    """Progress and outcome, written at once and outside any import transaction, so the
    page polling the job sees them while the work goes on. Any job model with these
    fields (traceability imports use it too)."""
    for name, value in fields.items():
        setattr(job, name, value)
    type(job).objects.filter(pk=job.pk).update(**fields)


def release_job(model, job_id: int, outcome: str) -> None:
    """The worker died in the middle of the job's task (core.workers). The import is one
    transaction, so nothing of it was written: the job waits for the task's next run, or
    has failed when the task is given up. A job past "running" is left as it is."""
    job = model.objects.filter(pk=job_id, status="running").first()
    if job is None:
        return
    if outcome == "failed":
        fail_job(job, [{"row": None, "column": "", "message": "导入时后台任务多次中断，未导入任何"
                                                          "数据；请稍后重新上传或联系管理员"}])
    else:
        update_job(job, status="pending", processed=0)


def fail_job(job: ImportJob, errors: list[dict]) -> str:
    if len(errors) > MAX_STORED_ERRORS:
        more = len(errors) - MAX_STORED_ERRORS
        errors = errors[:MAX_STORED_ERRORS] + [
            {"row": None, "column": "", "message": f"另有 {more} 处错误未列出，请先改正以上错误"}]
    update_job(job, status="failed", errors=errors)
    return job.status


def run_import(job_id: int) -> str:
    """Check every row of the job's file; import them all only when none has an error."""
    claimed = ImportJob.objects.filter(pk=job_id, status="pending").update(status="running")
    job = ImportJob.objects.select_related("created_by__region").get(pk=job_id)
    if not claimed:  # already run (a retried task): leave the outcome as it is
        return job.status
    try:
        return _run(job)
    except Exception:
        logger.exception("import job %s failed", job_id)
        fail_job(job, [{"row": None, "column": "", "message": "导入时发生系统错误，未导入任何数据；"
                                                          "请稍后重试或联系管理员"}])
        raise


def _run(job: ImportJob) -> str:
    user = job.created_by
    if not (user.is_active and allowed(user, "register.import")):
        return fail_job(job, [{"row": None, "column": "", "message": "您没有批量导入的权限"}])
    try:
        with job.file.open("rb") as handle:
            rows = importing.map_columns(importing.read(job.filename, handle, job.kind),
                                         job.kind)
    except importing.FileError as exc:
        return fail_job(job, [exc.as_error()])
    update_job(job, total=len(rows.items), processed=0)
    clean, errors = importing.VALIDATORS[job.kind](
        rows, user=user, progress=lambda n: update_job(job, processed=n))
    if errors:
        return fail_job(job, errors)
    try:
        with transaction.atomic():
            if job.kind == "producers":
                ids = _create_producers(clean)
            else:
                ids = _create_plots(clean)
            audit.record(AUDIT_ACTIONS[job.kind], actor=user,
                         object_type="producers.importjob", object_id=str(job.pk),
                         region_code=user.region_id,
                         after={"count": len(ids), "ids": ids, "file": job.filename})
            update_job(job, status="done", imported=len(ids))
    except IntegrityError:
        # Someone registered the same code between the check and the import.
        return fail_job(job, [{"row": None, "column": "", "message":
                            "导入时发现编码与刚登记的数据重复，未导入任何数据；请重新上传"}])
    return job.status


def _village_grids(codes) -> dict:
    """The grid each village's producers fall in, fetched once for the whole file."""
    grids = {}
    for grid in Grid.objects.filter(village_id__in=list(codes), kind="village",
                                    active=True).order_by("code"):
        grids.setdefault(grid.village_id, grid)
    return grids


def _create_producers(rows: list) -> list[int]:
    grids = _village_grids({r.values["village"].code for r in rows})
    producers = []
    for row in rows:
        # With its village's grid already in hand, services.fill_producer needs no query.
        producer = Producer(grid=grids.get(row.values["village"].code))
        services.fill_producer(producer, row.values)
        producers.append(producer)
    Producer.objects.bulk_create(producers, batch_size=BATCH)
    Certification.objects.bulk_create(
        [Certification(producer=p, **r.certification)
         for p, r in zip(producers, rows, strict=True) if r.certification],
        batch_size=BATCH)
    return [p.pk for p in producers]


def _number_plots(rows: list) -> list[str]:
    """A plot keeps the number the file gives it; the others take the next free numbers of
    their village (services.next_plot_numbers), skipping numbers the file itself uses."""
    given = {r.values["plot_no"] for r in rows if r.values.get("plot_no")}
    wanted = {}
    for row in rows:
        if not row.values.get("plot_no"):
            wanted.setdefault(row.values["village"].code, [row.values["village"], 0])[1] += 1
    free = {}
    for code, (village, count) in wanted.items():
        numbers = services.next_plot_numbers(village, count + len(given))
        free[code] = iter([n for n in numbers if n not in given][:count])
    return [r.values.get("plot_no") or next(free[r.values["village"].code]) for r in rows]


def _create_plots(rows: list) -> list[int]:
    grids = _village_grids({r.values["village"].code for r in rows})
    plots = [services.build_plot(r.values, r.producer, number, grids)
             for r, number in zip(rows, _number_plots(rows), strict=True)]
    changed = _flag_overlaps(plots, [r.values["geom"] for r in rows])
    Plot.objects.bulk_create(plots, batch_size=BATCH)
    Plot.objects.bulk_update(changed, ["overlaps"], batch_size=BATCH)
    return [p.pk for p in plots]


def _flag_overlaps(plots: list[Plot], geoms: list) -> list[Plot]:
    """services._flag_overlaps for a whole file: each new plot against the registered ones
    and against the file's other plots (other producers' only, as for a single plot).
    Registered plots are fetched by tile (services.candidates_near on the tight box around
    the file's plots in each ~2 km tile), so the queries follow the area the file covers,
    not its number of rows. Returns the registered plots whose overlap list grew."""
    by_tile, near = {}, {}
    for geom in geoms:
        minx, miny = geom.bounds[:2]
        by_tile.setdefault((int(minx // OVERLAP_TILE), int(miny // OVERLAP_TILE)), []).append(
            geom.bounds)
    for bounds in by_tile.values():
        window = box(min(b[0] for b in bounds), min(b[1] for b in bounds),
                     max(b[2] for b in bounds), max(b[3] for b in bounds))
        for other, shape in services.candidates_near(window):
            near.setdefault(other.pk, (other, shape))
    owner = {}  # candidates_near loads no producer: their owners, in one query per chunk
    for chunk in importing._chunks(near):
        owner.update(Plot.objects.filter(pk__in=chunk).values_list("pk", "producer_id"))
    everything = list(near.values()) + list(zip(plots, geoms, strict=True))
    tree = STRtree([shape for _, shape in everything])
    changed = {}
    for plot, geom in zip(plots, geoms, strict=True):
        pairs = [everything[i] for i in tree.query(geom)]
        hits = overlapping(geom, [(other, shape) for other, shape in pairs
                                  if plot.producer_id != (
                                      owner[other.pk] if other.pk else other.producer_id)])
        plot.overlaps = sorted(other.plot_no for other in hits)
        for other in hits:
            if other.pk and plot.plot_no not in other.overlaps:
                other.overlaps = sorted([*other.overlaps, plot.plot_no])
                changed[other.pk] = other
    return list(changed.values())

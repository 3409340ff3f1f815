"""A certificate import whose worker died in the middle is written by the next worker: the
job is released with its task (core.workers), not left "running" for ever."""

import datetime as dt

from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from nongan.core.models import WorkerBeat
from nongan.core.workers import requeue_abandoned
from nongan.testing import run_queued_tasks
from nongan.traceability import services
from nongan.traceability.models import Certificate, TraceImport
from nongan.traceability.tasks import import_trace_file

from .factories import CERT_HEADINGS, cert_row, xlsx


def test_the_next_worker_writes_an_import_cut_off_by_a_dead_worker(
        world, django_capture_on_commit_callbacks):
    side = world.pudong
    rows = [cert_row(side.the_producer, n) for n in (1, 2, 3)]
    with django_capture_on_commit_callbacks(execute=True):
        job = services.start_import("certificates", xlsx(CERT_HEADINGS, rows),
                                    actor=side.district_officer)
    # What a worker killed while checking the rows leaves behind.
    task = DBTaskResult.objects.get(task_path=import_trace_file.module_path)
    task.claim("killed")
    ago = timezone.now() - dt.timedelta(minutes=3)
    DBTaskResult.objects.filter(pk=task.pk).update(started_at=ago)
    WorkerBeat.objects.create(worker_id="killed", host="gone", pid=1, seen_at=ago)
    TraceImport.objects.filter(pk=job.pk).update(status="running", total=3, processed=1)

    assert requeue_abandoned() == {str(task.pk): "requeued"}
    run_queued_tasks("next")
    job.refresh_from_db()
    assert (job.status, job.matched) == ("done", 3), job.errors
    assert Certificate.objects.count() == 3

"""An import whose worker died in the middle is imported by the next worker: the job is
released with its task (core.workers), not left "running" for ever — and a task given up
after worker after worker died says so on the job."""

import datetime as dt

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from nongan.core.models import WorkerBeat
from nongan.core.workers import MAX_ATTEMPTS, requeue_abandoned
from nongan.producers.import_services import start_import
from nongan.producers.models import ImportJob, Producer
from nongan.producers.tasks import import_register_file
from nongan.testing import run_queued_tasks

from .test_import import PRODUCER_HEADINGS, csv_file, producer_row


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def cut_off(world, django_capture_on_commit_callbacks):
    """A job of three producers as a worker killed in the middle of it leaves it: the task
    claimed by `workers` (the last one now silent), the job "running", two rows checked."""

    def _cut_off(*workers):
        rows = [producer_row(n=n) for n in range(3)]
        with django_capture_on_commit_callbacks(execute=True):
            job = start_import("producers", csv_file(PRODUCER_HEADINGS, rows),
                               actor=world.pudong.district_officer)
        task = DBTaskResult.objects.get(task_path=import_register_file.module_path)
        for worker_id in workers:
            task.claim(worker_id)
        ago = timezone.now() - dt.timedelta(minutes=3)
        DBTaskResult.objects.filter(pk=task.pk).update(started_at=ago)
        WorkerBeat.objects.create(worker_id=workers[-1], host="gone", pid=1, seen_at=ago)
        ImportJob.objects.filter(pk=job.pk).update(status="running", total=3, processed=2)
        return job, task

    return _cut_off


def test_the_next_worker_imports_a_job_cut_off_by_a_dead_worker(cut_off):
    job, task = cut_off("killed")
    before = Producer.objects.count()

    assert requeue_abandoned() == {str(task.pk): "requeued"}
    job.refresh_from_db()
    assert (job.status, job.processed) == ("pending", 0)
    run_queued_tasks("next")
    job.refresh_from_db()
    assert (job.status, job.total, job.imported) == ("done", 3, 3), job.errors
    assert Producer.objects.count() == before + 3


def test_an_import_given_up_after_its_workers_died_fails_with_a_reason(cut_off):
    job, task = cut_off(*[f"w{n}" for n in range(MAX_ATTEMPTS)])
    before = Producer.objects.count()

    assert requeue_abandoned() == {str(task.pk): "failed"}
    job.refresh_from_db()
    assert job.status == "failed"
    assert "中断" in job.errors[0]["message"]
    assert Producer.objects.count() == before

"""Background work of the traceability import (run by `nongan worker`)."""

from django.dispatch import receiver
from django_tasks import task

from nongan.core.workers import abandoned
from nongan.producers.import_services import release_job

from .models import TraceImport
from .services import run_import


@task()
def import_trace_file(job_id: int) -> str:
    """追溯平台数据导入: check an uploaded export and write it whole, or report its errors."""
    return run_import(job_id)


@receiver(abandoned)
def _worker_died(sender, task, outcome, **kwargs):
    if task.task_path == import_trace_file.module_path:
        release_job(TraceImport, *task.args_kwargs["args"], outcome)

"""Background work of the producer register (run by `nongan worker`)."""

from django.dispatch import receiver
from django_tasks import task

from nongan.core.workers import abandoned

from .import_services import release_job, run_import
from .models import ImportJob


@task()
def import_register_file(job_id: int) -> str:
    """批量导入: check an uploaded register file and import it whole, or report its errors."""
    return run_import(job_id)


@receiver(abandoned)
def _worker_died(sender, task, outcome, **kwargs):
    if task.task_path == import_register_file.module_path:
        release_job(ImportJob, *task.args_kwargs["args"], outcome)

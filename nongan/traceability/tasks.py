"""Background work of the traceability import (run by `nongan worker`)."""

from django_tasks import task

from .services import run_import


@task()
def import_trace_file(job_id: int) -> str:
    """追溯平台数据导入: check an uploaded export and write it whole, or report its errors."""
    return run_import(job_id)

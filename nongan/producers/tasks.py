"""Background work of the producer register (run by `nongan worker`)."""

from django_tasks import task

from .import_services import run_import


@task()
def import_register_file(job_id: int) -> str:
    """批量导入: check an uploaded register file and import it whole, or report its errors."""
    return run_import(job_id)

"""The daily commitment check, queued by the worker's schedule (core.schedule)."""

from django_tasks import task

from .services import record_missed


@task()
def check_commitments() -> dict:
    return {"recorded": record_missed(None)}

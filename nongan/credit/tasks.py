"""The credit file's daily update, queued by the worker's schedule (core.schedule)."""

from django_tasks import task

from nongan.core.audit import jsonable

from .services import refresh


@task()
def refresh_credit() -> dict:
    return jsonable(refresh())

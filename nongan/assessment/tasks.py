"""The assessment's daily refresh, run by `nongan worker` (queue it daily from
core.schedule.DAILY): every district's scores of this year stored for the city table."""

from django_tasks import task

from nongan.core.audit import jsonable

from .services import refresh_scores as refresh


@task()
def refresh_scores(year: int | None = None) -> dict:
    return jsonable(refresh(year))

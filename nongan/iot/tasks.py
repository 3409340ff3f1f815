"""Background work of IoT monitoring (run by `nongan worker`): the daily job queued by the
worker's schedule (core.schedule). The consumer (`nongan iot`) checks silence every
minute; this daily run is the backstop of a deployment that takes readings over HTTP only
and runs no consumer, and it trims the log of rejected messages."""

from django_tasks import task


@task()
def daily_iot() -> dict:
    """每日物联网检查: silent sensors warned, rejected messages older than 90 days dropped."""
    from .ingest import check_silence, prune_rejected

    return {"silence": dict(check_silence()), "rejected_pruned": prune_rejected()}

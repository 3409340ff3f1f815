"""Background work of risk warnings (run by `nongan worker`): the nightly run, queued once a
day by the worker's schedule (core.schedule), and the recomputation after new results.

This module imports nothing of the other apps at the top: monitoring.services imports it
to queue the recomputation when results are recorded."""

from django.db import transaction
from django_tasks import task

PENDING = "risk_after_results"  # on the database connection: districts to recompute


@task()
def run_risk() -> dict:
    """每日预警计算: every method over the whole city (runner.run_all)."""
    from .runner import run_all

    return run_all()


@task()
def run_after_results(district_code: str, producer_ids: list[int] | None = None) -> dict:
    """What new results of one district can change (runner.run_after_results)."""
    from .runner import run_after_results as rerun

    return rerun(district_code, producer_ids or [])


def after_results(sample) -> None:
    """Queue `run_after_results` once the results of `sample` are committed. Results
    recorded together (a LIMS import of hundreds of samples, one transaction) queue one
    task per district: the first commit callback takes all the pending districts. The
    pending districts belong to the outermost transaction, so a rolled-back one leaves
    nothing for the next. Rapid tests are screening and in no series: they queue nothing."""
    if sample.kind == "rapid":
        return
    connection = transaction.get_connection()
    outer = connection.atomic_blocks[0] if connection.atomic_blocks else None
    held = connection.__dict__.get(PENDING)
    if held is None or held[0] is not outer:
        held = connection.__dict__[PENDING] = (outer, {})
    held[1].setdefault(sample.district_id, set()).add(sample.producer_id)
    transaction.on_commit(lambda: _queue(connection), robust=True)


def _queue(connection) -> None:
    _outer, pending = connection.__dict__.pop(PENDING, (None, {}))
    for district, producers in sorted(pending.items()):
        run_after_results.enqueue(district, sorted(producers))

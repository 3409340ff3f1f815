"""Tasks outlive the worker that ran them.

django-tasks' database backend marks a task RUNNING when a worker claims it, and nothing
looks at it again: a worker killed in the middle (SIGKILL, out of memory, a power cut)
would leave its task RUNNING for ever — the nightly risk run never done, an import never
finished. So every `nongan worker` beats: it writes the database's clock into its
`WorkerBeat` row every BEAT_S seconds, and a task running under a worker whose beat is
older than `dead_after()` goes back in the queue. (A worker whose database went away in
the middle of a task starts again under a new id: the task is given back the same way.)
A task already claimed MAX_ATTEMPTS times is failed instead: one that kills its worker
must not kill every worker in turn.

`abandoned` is sent for each such task, inside the transaction that gives it back, with the
task's module imported first, so a receiver beside the task (producers.tasks) hears it:
work the task had marked as begun (an import job "running") is released with it.

The database's clock, not the workers', so that workers on several machines agree.
Only a worker that has beaten without a gap for `dead_after()` requeues (worker.py): after
a database outage every live worker has beaten again before a task is taken from it.
"""

import datetime as dt
import logging
import os
import socket
from importlib import import_module

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models.functions import Now
from django.dispatch import Signal
from django.utils import timezone
from django.utils.crypto import get_random_string
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from nongan.core import audit

from .models import WorkerBeat

log = logging.getLogger(__name__)

BEAT_S = 5.0
MAX_ATTEMPTS = 3
FORGET_AFTER = dt.timedelta(days=1)  # a stopped worker's beat row, kept for the admin
# sender DBTaskResult; task (the DBTaskResult), outcome ("requeued" | "failed")
abandoned = Signal()


def dead_after() -> dt.timedelta:
    """Silence after which a worker is taken for dead: six missed beats by default."""
    return dt.timedelta(seconds=settings.NONGAN_WORKER_DEAD_AFTER_S)


class WorkerDied(Exception):
    """What a task that outlived MAX_ATTEMPTS workers is failed with."""


def new_worker_id() -> str:
    return f"{socket.gethostname()[:40]}-{os.getpid()}-{get_random_string(8)}"


def beat(worker_id: str) -> None:
    if WorkerBeat.objects.filter(worker_id=worker_id).update(seen_at=Now()):
        return
    try:
        with transaction.atomic():
            WorkerBeat.objects.create(worker_id=worker_id, host=socket.gethostname()[:255],
                                      pid=os.getpid(), seen_at=Now())
    except IntegrityError:  # the worker's other thread wrote the first beat meanwhile
        WorkerBeat.objects.filter(worker_id=worker_id).update(seen_at=Now())


def requeue_abandoned() -> dict:
    """Put back in the queue every task whose worker stopped beating (or, claimed
    MAX_ATTEMPTS times, fail it); answers {task id: "requeued" | "failed"}."""
    silent = Now() - dead_after()
    alive = set(WorkerBeat.objects.filter(seen_at__gte=silent)
                .values_list("worker_id", flat=True))
    outcome = {}
    with transaction.atomic():
        # Claimed a moment ago by a worker that never beat (a bare `db_worker`): not yet.
        running = (DBTaskResult.objects.running().filter(started_at__lt=silent)
                   .select_for_update(skip_locked=True))
        for task in running:
            last = task.worker_ids[-1] if task.worker_ids else ""
            if last in alive:
                continue
            outcome[str(task.id)] = _give_back(task, last)
        WorkerBeat.objects.filter(seen_at__lt=Now() - FORGET_AFTER).delete()
    return outcome


def _give_back(task: DBTaskResult, worker_id: str) -> str:
    attempts = len(task.worker_ids)
    if attempts >= MAX_ATTEMPTS:
        task.status = TaskResultStatus.FAILED
        task.finished_at = timezone.now()
        task.exception_class_path = f"{WorkerDied.__module__}.{WorkerDied.__qualname__}"
        task.traceback = (f"{WorkerDied.__qualname__}: the worker stopped in the middle of "
                          f"this task {attempts} times (last {worker_id})")
        task.save(update_fields=["status", "finished_at", "exception_class_path",
                                 "traceback"])
        outcome = "failed"
    else:
        task.status = TaskResultStatus.READY
        task.save(update_fields=["status"])
        outcome = "requeued"
    log.warning("task %s (%s) %s: its worker %s stopped", task.id, task.task_path, outcome,
                worker_id)
    try:
        import_module(task.task_path.rsplit(".", 1)[0])
    except ImportError:  # a task of an older release: nothing of ours listens for it
        pass
    abandoned.send(sender=DBTaskResult, task=task, outcome=outcome)
    audit.record(f"task.{outcome}", task, actor=None,
                 after={"task": task.task_path, "worker": worker_id, "attempts": attempts})
    return outcome

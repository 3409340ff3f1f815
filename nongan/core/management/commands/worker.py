import logging
import threading
import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import InterfaceError, OperationalError, close_old_connections, connections

from nongan.core import workers
from nongan.core.schedule import queue_due

log = logging.getLogger(__name__)
SCHEDULE_EVERY_S = 60.0
RECONNECT_S = 2.0


def _keep(stop: threading.Event, worker_id, schedule: bool) -> None:
    """Beside the task loop: the beat of `worker_id()` (database backend; None with RQ) and
    the rescue of dead workers' tasks, and the daily schedule (`schedule`)."""
    healthy_since = time.monotonic()
    next_schedule = 0.0
    while not stop.is_set():
        if worker_id():
            try:
                workers.beat(worker_id())
                if time.monotonic() - healthy_since >= workers.dead_after().total_seconds():
                    workers.requeue_abandoned()
            except Exception:  # the database is away: beat again when it is back
                log.exception("worker beat")
                healthy_since = time.monotonic()
        if schedule and time.monotonic() >= next_schedule:
            try:
                queue_due()
                next_schedule = time.monotonic() + SCHEDULE_EVERY_S
            except Exception:  # a failed round is retried at the next beat
                log.exception("daily schedule")
        close_old_connections()
        stop.wait(workers.BEAT_S)


class Command(BaseCommand):
    help = ("Run the background task worker (django-tasks database backend); it also queues "
            "the daily jobs (credit refresh, commitment check, risk run, reminders), so no "
            "cron is needed. A task whose worker died is run again by a living one, and the "
            "worker waits out a database restart.")

    def add_arguments(self, parser):
        parser.add_argument("--no-schedule", action="store_true",
                            help="only work the queue; another worker keeps the schedule")

    def handle(self, *args, no_schedule=False, **options):
        stop = threading.Event()
        rq = "django_rq" in settings.INSTALLED_APPS  # NONGAN_TASK_BACKEND is RQ (deploy.md)
        self.worker_id = None if rq else workers.new_worker_id()
        threading.Thread(target=_keep, args=(stop, lambda: self.worker_id, not no_schedule),
                         daemon=True, name="nongan-keeper").start()
        try:
            if rq:
                call_command("rqworker", *settings.RQ_QUEUES, job_class="django_tasks_rq.Job",
                             with_scheduler=True)
            else:
                self._work()
        finally:
            stop.set()

    def _work(self) -> None:
        """django-tasks' loop, started again whenever the database goes away under it —
        under a new worker id: the task the outage cut off stays claimed by the old one,
        whose beat has stopped, and is given back like any dead worker's."""
        while True:
            try:
                workers.beat(self.worker_id)  # before its first claim: a living worker beats
                call_command("db_worker", interval=1.0, worker_id=self.worker_id)
                return
            except (OperationalError, InterfaceError) as exc:
                log.warning("database unavailable (%s); the worker starts again in %s s",
                            str(exc).strip(), RECONNECT_S)
            connections.close_all()
            time.sleep(RECONNECT_S)
            self.worker_id = workers.new_worker_id()

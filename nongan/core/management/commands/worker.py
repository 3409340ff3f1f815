import logging
import threading

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import close_old_connections

from nongan.core.schedule import queue_due

log = logging.getLogger(__name__)


def _keep_schedule(stop: threading.Event, every: float) -> None:
    while not stop.is_set():
        try:
            queue_due()
        except Exception:  # a failed round is retried next minute; the worker goes on
            log.exception("daily schedule")
        finally:
            close_old_connections()
        stop.wait(every)


class Command(BaseCommand):
    help = ("Run the background task worker (django-tasks database backend); it also queues "
            "the daily jobs (credit refresh, commitment check, risk run, reminders), so no "
            "cron is needed.")

    def add_arguments(self, parser):
        parser.add_argument("--no-schedule", action="store_true",
                            help="only work the queue; another worker keeps the schedule")

    def handle(self, *args, no_schedule=False, **options):
        stop = threading.Event()
        if not no_schedule:
            threading.Thread(target=_keep_schedule, args=(stop, 60.0), daemon=True,
                             name="nongan-schedule").start()
        try:
            if "django_rq" in settings.INSTALLED_APPS:  # NONGAN_TASK_BACKEND is RQ (deploy.md)
                call_command("rqworker", *settings.RQ_QUEUES, job_class="django_tasks_rq.Job",
                             with_scheduler=True)
            else:
                call_command("db_worker", interval=1.0)
        finally:
            stop.set()

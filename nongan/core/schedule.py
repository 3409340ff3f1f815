"""Daily jobs the worker queues by itself, so a deployment needs no cron.

Each job runs once a Shanghai day, at or after its hour: a worker started late (or
restarted) catches up on the day's jobs at once, and a second worker finds the day's
`ScheduledRun` row already taken and queues nothing.
"""

import datetime as dt
from importlib import import_module
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.utils import timezone

from .models import ScheduledRun

SHANGHAI = ZoneInfo("Asia/Shanghai")

# (job, hour in Shanghai, task). Credit and commitments settle before the risk run reads
# grades and the district scores read both; reminders go out at the start of the working day.
DAILY = [
    ("credit-refresh", 1, "nongan.credit.tasks.refresh_credit"),
    ("commitments-check", 1, "nongan.commitments.tasks.check_commitments"),
    ("risk", 2, "nongan.risk.tasks.run_risk"),
    ("assessment", 3, "nongan.assessment.tasks.refresh_scores"),
    ("credit-publication", 4, "nongan.credit.tasks.publish_credit"),
    ("iot", 4, "nongan.iot.tasks.daily_iot"),
    ("photo-sweep", 5, "nongan.inspections.tasks.sweep_photos"),
    ("reminders", 7, "nongan.inspections.tasks.send_reminders"),
]


def _task(path: str):
    module, name = path.rsplit(".", 1)
    return getattr(import_module(module), name)


def queue_due(now: dt.datetime | None = None, jobs=DAILY) -> list[str]:
    """Queue every job whose hour has come today and that nobody has queued today."""
    local = timezone.localtime(now or timezone.now(), SHANGHAI)
    taken = set(ScheduledRun.objects.filter(day=local.date()).values_list("job", flat=True))
    queued = []
    for job, hour, path in jobs:
        if local.hour < hour or job in taken:
            continue
        try:
            with transaction.atomic():
                run = ScheduledRun.objects.create(job=job, day=local.date())
                run.task_id = str(_task(path).enqueue().id)
                run.save(update_fields=["task_id"])
        except IntegrityError:  # another worker queued it between our read and write
            continue
        queued.append(job)
    return queued

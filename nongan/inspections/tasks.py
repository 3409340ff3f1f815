"""Background work of field inspection (run by `nongan worker`)."""

import datetime as dt

from django_tasks import task

from nongan.people.models import User

from .notify import notify, told_on
from .schedules import SHANGHAI, reminders_for, shanghai_today
from .services import sweep_photo_files

REMINDED_ROLES = ("grid_worker", "town_officer")


@task()
def send_reminders() -> dict:
    """待办提醒: each grid person and town officer with due or overdue inspections, or open
    rectification orders past their deadline, is sent their to-do list (实施方案 四.(四).2)."""
    today = shanghai_today()
    summary = {"date": today.isoformat(), "users": 0, "with_items": 0, "items": 0,
               "sms": 0, "email": 0, "already_told": 0}
    told = told_on(dt.datetime.combine(today, dt.time.min, tzinfo=SHANGHAI))
    for user in (User.objects.filter(is_active=True, role__in=REMINDED_ROLES)
                 .select_related("region").order_by("pk").iterator(chunk_size=500)):
        summary["users"] += 1
        if user.pk in told:
            summary["already_told"] += 1
            continue
        items = reminders_for(user, today)
        if not items:
            continue
        summary["with_items"] += 1
        summary["items"] += len(items)
        sent = notify(user, items)
        summary["sms"] += sent["sms"]
        summary["email"] += sent["email"]
    return summary


@task()
def sweep_photos(older_than_minutes: int = 60) -> dict:
    """照片清理: photo files no record names (an upload cut off half-way), removed."""
    removed = sweep_photo_files(older_than=dt.timedelta(minutes=older_than_minutes))
    return {"removed": len(removed)}

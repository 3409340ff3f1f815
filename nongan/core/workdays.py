"""Working days (工作日) for legal time limits: Monday to Friday, except the State
Council's public holidays, plus the weekend days worked in exchange (调休).

The exceptions are data (`CalendarDay`), loaded from `data/holidays-cn.csv` by `nongan init`
(source: 国务院办公厅关于节假日安排的通知, 2024–2026 editions) and extended each year when the
next year's arrangement is published. A year without rows counts weekends only.
"""

import csv
import datetime as dt
from pathlib import Path

from django.db import transaction

from nongan.core import audit
from nongan.core.models import CalendarDay

SHIPPED_CALENDAR = Path(__file__).parent / "data" / "holidays-cn.csv"


def _exceptions(start: dt.date, end: dt.date) -> dict[dt.date, bool]:
    return dict(CalendarDay.objects.filter(date__range=(start, end))
                .values_list("date", "working"))


def is_working_day(day: dt.date, exceptions: dict | None = None) -> bool:
    if exceptions is None:
        exceptions = _exceptions(day, day)
    return exceptions.get(day, day.weekday() < 5)


def add_working_days(day: dt.date, n: int) -> dt.date:
    """The n-th working day after `day` (the day itself does not count: a limit of "5 working
    days from receipt" starts counting the next day)."""
    # The longest holiday (春节, 9 days) fits in the slack, whatever n is.
    exceptions = _exceptions(day, day + dt.timedelta(days=n * 2 + 30))
    current, left = day, n
    while left > 0:
        current += dt.timedelta(days=1)
        if is_working_day(current, exceptions):
            left -= 1
    return current


def calendar_covers(year: int) -> bool:
    return CalendarDay.objects.filter(date__year=year).exists()


@transaction.atomic
def load_calendar(path=SHIPPED_CALENDAR, *, actor=None, replace: bool = False) -> dict:
    """Add the days of a `date,working,name` CSV; days already present keep their (possibly
    edited) value unless `replace`."""
    with open(path, encoding="utf-8-sig", newline="") as handle:
        rows = [(dt.date.fromisoformat(r["date"]), r["working"].strip() == "1", r["name"].strip())
                for r in csv.DictReader(handle)]
    existing = set(CalendarDay.objects.filter(date__in=[r[0] for r in rows])
                   .values_list("date", flat=True))
    added = [CalendarDay(date=d, working=w, name=n) for d, w, n in rows if d not in existing]
    CalendarDay.objects.bulk_create(added)
    changed = 0
    if replace:
        for d, w, n in rows:
            if d in existing:
                changed += CalendarDay.objects.filter(date=d).exclude(working=w, name=n) \
                    .update(working=w, name=n)
    if added or changed:
        audit.record("calendar.load", None, actor=actor,
                     after={"file": Path(path).name, "added": len(added), "changed": changed})
    return {"added": len(added), "changed": changed}

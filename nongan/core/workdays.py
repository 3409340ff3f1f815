"""Working days (工作日) for legal time limits: Monday to Friday, except the State
Council's public holidays, plus the weekend days worked in exchange (调休).

The exceptions are data (`CalendarDay`), loaded by `nongan init` from the maintained
`chinesecalendar` package (which transcribes each 国务院办公厅关于节假日安排的通知, 2004
onwards) and editable: when a new year's arrangement is published before the package
follows, `nongan calendar load FILE.csv` adds it. A year without rows counts weekends only.
"""

import csv
import datetime as dt
from pathlib import Path

from django.db import transaction

from nongan.core import audit
from nongan.core.models import CalendarDay

HOLIDAY_NAMES = {
    "new_years_day": "元旦", "spring_festival": "春节", "tomb_sweeping_day": "清明节",
    "labour_day": "劳动节", "dragon_boat_festival": "端午节", "national_day": "国庆节",
    "mid_autumn_festival": "中秋节", "anti_fascist_70th_day": "抗战胜利70周年纪念日",
}


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
    return _add(day, n, _exceptions(day, _horizon(day, n)))


def add_working_days_to_each(days, n: int) -> dict[dt.date, dt.date]:
    """`add_working_days(day, n)` for each of `days`, reading the calendar once."""
    days = set(days)
    if not days:
        return {}
    exceptions = _exceptions(min(days), _horizon(max(days), n))
    return {day: _add(day, n, exceptions) for day in days}


def _horizon(day: dt.date, n: int) -> dt.date:
    # The longest holiday (春节, 9 days) fits in the slack, whatever n is.
    return day + dt.timedelta(days=n * 2 + 30)


def _add(day: dt.date, n: int, exceptions: dict) -> dt.date:
    current, left = day, n
    while left > 0:
        current += dt.timedelta(days=1)
        if is_working_day(current, exceptions):
            left -= 1
    return current


def calendar_covers(year: int) -> bool:
    return CalendarDay.objects.filter(date__year=year).exists()


def _published_days() -> list[tuple[dt.date, bool, str]]:
    from chinese_calendar import constants

    def name(holiday, working):
        label = HOLIDAY_NAMES.get(constants.Holiday(holiday).name, holiday)
        return f"{label}调休上班" if working else label

    return ([(d, False, name(h, False)) for d, h in constants.holidays.items()]
            + [(d, True, name(h, True)) for d, h in constants.workdays.items()])


@transaction.atomic
def load_calendar(path=None, *, actor=None, replace: bool = False) -> dict:
    """Add the published holidays and make-up working days (from `chinesecalendar`, or from a
    `date,working,name` CSV at `path`); days already present keep their (possibly edited)
    value unless `replace`."""
    if path is None:
        rows = _published_days()
    else:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            rows = [(dt.date.fromisoformat(r["date"]), r["working"].strip() == "1",
                     r["name"].strip()) for r in csv.DictReader(handle)]
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
        source = Path(path).name if path else "chinesecalendar"
        audit.record("calendar.load", None, actor=actor,
                     after={"source": source, "added": len(added), "changed": changed})
    return {"added": len(added), "changed": changed}

"""Lists of leads and case steps are ordered by the day received and their late rows found
by a filter on it (`first_on_time`): that needs add_working_days never to give a later day
an earlier due date, and the day `first_on_time` finds to split late from not late exactly.
Both are checked here over two years of the official calendar (春节, 国庆, 调休 included)."""

import datetime as dt

from nongan.core.workdays import add_working_days_to_each, load_calendar
from nongan.enforcement.case_rules import first_on_time

START = dt.date(2025, 1, 1)
DAYS = [START + dt.timedelta(days=n) for n in range(730)]


def test_a_later_day_never_gets_an_earlier_due_date(db):
    load_calendar()
    for working_days in (3, 5, 7):
        due = add_working_days_to_each(DAYS, working_days)
        assert all(due[a] <= due[b] for a, b in zip(DAYS, DAYS[1:], strict=False))
        assert any(due[a] == due[b] for a, b in zip(DAYS, DAYS[1:], strict=False))


def test_first_on_time_splits_late_from_not_late(db):
    load_calendar()
    for working_days in (5, 7):
        due = add_working_days_to_each(DAYS, working_days)
        for today in DAYS[90::3]:
            first = first_on_time(today, working_days)
            received = [day for day in DAYS if today - dt.timedelta(days=90) <= day <= today]
            assert [due[day] < today for day in received] == [day < first for day in received]

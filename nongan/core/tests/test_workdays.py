"""Working days follow China's official arrangement, holidays and make-up days alike
(国务院办公厅 notices for 2025 and 2026, as carried by the chinesecalendar package)."""

import datetime as dt

import pytest

from nongan.core.models import CalendarDay
from nongan.core.workdays import add_working_days, is_working_day, load_calendar

D = dt.date


@pytest.fixture
def calendar(db):
    load_calendar()


@pytest.mark.parametrize("start, n, expected", [
    # 2025 春节: 1-28 … 2-4 off; Sun 1-26 and Sat 2-8 worked.
    (D(2025, 1, 24), 1, D(2025, 1, 26)),
    (D(2025, 1, 27), 1, D(2025, 2, 5)),
    (D(2025, 2, 7), 1, D(2025, 2, 8)),
    # 2025 国庆·中秋: 10-1 … 10-8 off; Sun 9-28 and Sat 10-11 worked.
    (D(2025, 9, 26), 1, D(2025, 9, 28)),
    (D(2025, 9, 30), 1, D(2025, 10, 9)),
    (D(2025, 10, 10), 1, D(2025, 10, 11)),
    # 2026 春节: 2-15 … 2-23 off; Sat 2-14 and Sat 2-28 worked.
    (D(2026, 2, 13), 1, D(2026, 2, 14)),
    (D(2026, 2, 14), 1, D(2026, 2, 24)),
    (D(2026, 2, 27), 1, D(2026, 2, 28)),
    # 2026 国庆: 10-1 … 10-7 off; Sun 9-20 and Sat 10-10 worked.
    (D(2026, 9, 18), 1, D(2026, 9, 20)),
    (D(2026, 9, 30), 1, D(2026, 10, 8)),
    (D(2026, 10, 9), 1, D(2026, 10, 10)),
    # 20 working days from the Friday before National Day 2026 (a publication limit).
    (D(2026, 9, 25), 20, D(2026, 10, 29)),
])
def test_working_days_across_spring_festival_and_national_day(calendar, start, n, expected):
    assert add_working_days(start, n) == expected


def test_holidays_and_make_up_days_are_named(calendar):
    assert CalendarDay.objects.get(date=D(2026, 2, 17)).name == "春节"
    assert CalendarDay.objects.get(date=D(2026, 2, 14)).name == "春节调休上班"
    assert not is_working_day(D(2026, 10, 1))
    assert is_working_day(D(2026, 10, 10))


def test_an_edited_day_survives_reloading(calendar):
    assert CalendarDay.objects.filter(date=D(2026, 10, 10)).update(working=False, name="本地调整")
    assert load_calendar()["added"] == 0
    assert not is_working_day(D(2026, 10, 10))


def test_many_start_days_at_once_give_the_same_dates(calendar):
    from nongan.core.workdays import add_working_days_to_each

    days = [D(2025, 1, 20) + dt.timedelta(days=n) for n in range(0, 650, 7)]
    assert add_working_days_to_each(days, 7) == {d: add_working_days(d, 7) for d in days}
    assert add_working_days_to_each([], 7) == {}

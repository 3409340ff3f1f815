"""The monitoring time limits across month ends and holidays (实施方案 四.(四).3)."""

import datetime as dt

import pytest

from nongan.core.workdays import add_working_days, load_calendar
from nongan.monitoring import deadlines

SHANGHAI = dt.timezone(dt.timedelta(hours=8))


@pytest.mark.parametrize(("sampled", "due"), [
    (dt.datetime(2026, 1, 25, 9, tzinfo=SHANGHAI), dt.date(2026, 2, 4)),
    (dt.datetime(2026, 2, 20, 9, tzinfo=SHANGHAI), dt.date(2026, 3, 2)),   # February's end
    (dt.datetime(2024, 2, 20, 9, tzinfo=SHANGHAI), dt.date(2024, 3, 1)),   # leap year
    (dt.datetime(2026, 12, 25, 9, tzinfo=SHANGHAI), dt.date(2027, 1, 4)),  # year's end
    # 23:30 UTC on 31 Oct is 07:30 on 1 Nov in Shanghai: the Shanghai day counts.
    (dt.datetime(2026, 10, 31, 23, 30, tzinfo=dt.UTC), dt.date(2026, 11, 11)),
])
def test_results_are_due_ten_days_after_the_sampling_day(sampled, due):
    assert deadlines.results_due(sampled) == due


@pytest.mark.parametrize(("day", "month"), [
    (dt.date(2026, 3, 1), dt.date(2026, 3, 1)),
    (dt.date(2026, 3, 25), dt.date(2026, 3, 1)),
    (dt.date(2026, 3, 26), dt.date(2026, 4, 1)),
    (dt.date(2026, 12, 31), dt.date(2027, 1, 1)),
])
def test_results_after_the_25th_go_into_next_months_summary(day, month):
    assert deadlines.summary_month(day) == month
    start, end = deadlines.summary_window(month)
    assert start <= day <= end
    assert deadlines.summary_due(month) == end == month.replace(day=25)


def test_the_january_window_starts_on_the_26th_of_december():
    assert deadlines.summary_window(dt.date(2027, 1, 1)) == (dt.date(2026, 12, 26),
                                                              dt.date(2027, 1, 25))


@pytest.mark.django_db
def test_working_days_follow_the_holiday_calendar():
    load_calendar()
    # Spring Festival 2026: 15–23 Feb off, Saturday 14 Feb and 28 Feb worked.
    assert add_working_days(dt.date(2026, 2, 12), 1) == dt.date(2026, 2, 13)
    assert add_working_days(dt.date(2026, 2, 13), 1) == dt.date(2026, 2, 14)
    assert add_working_days(dt.date(2026, 2, 14), 1) == dt.date(2026, 2, 24)
    assert add_working_days(dt.date(2026, 2, 24), 4) == dt.date(2026, 2, 28)


@pytest.mark.django_db
def test_a_year_without_a_calendar_counts_weekends_only():
    assert add_working_days(dt.date(2030, 10, 4), 1) == dt.date(2030, 10, 7)

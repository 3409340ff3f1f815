"""The time limits of a penalty case (行政处罚法 2021, 农业行政处罚程序规定 2021), on the
official holiday calendar. Expected dates are counted by hand from the State Council's
arrangements (国办发明电): Spring Festival 2025 off 28 Jan–4 Feb, worked Sun 26 Jan and
Sat 8 Feb; Spring Festival 2026 off 15–23 Feb, worked Sat 14 Feb and Sat 28 Feb; National
Day 2025 off 1–8 Oct, worked Sun 28 Sep and Sat 11 Oct; Mid-Autumn 2026 off 25–27 Sep,
National Day 2026 off 1–7 Oct, worked Sun 20 Sep and Sat 10 Oct."""

import datetime as dt
from decimal import Decimal

import pytest

from nongan.core.workdays import load_calendar
from nongan.enforcement import case_rules as rules

D = dt.date


@pytest.fixture
def calendar(db):
    load_calendar()


def test_the_decision_is_due_90_days_after_opening_plus_30_per_extension():
    assert rules.decision_due(D(2026, 1, 10)) == D(2026, 4, 10)
    assert rules.decision_due(D(2026, 1, 10), 1) == D(2026, 5, 10)
    assert rules.decision_due(D(2026, 1, 10), 2) == D(2026, 6, 9)
    # Leap year: 2028 has a 29 February inside the 90 days.
    assert rules.decision_due(D(2027, 12, 15)) == D(2028, 3, 14)


def test_a_second_extension_needs_a_collective_decision_and_a_third_is_refused():
    assert rules.approval_refusal(0, "head") is None
    assert rules.approval_refusal(0, "collective") is None
    assert "集体讨论" in rules.approval_refusal(1, "head")
    assert rules.approval_refusal(1, "collective") is None
    assert rules.approval_refusal(0, "chief") is not None
    assert rules.extension_refusal(0) is None and rules.extension_refusal(1) is None
    assert "两次" in rules.extension_refusal(2)


@pytest.mark.parametrize(("notice_on", "ask_by"), [
    # Spring Festival 2025: Sun 26 Jan (worked), Mon 27 Jan, then 5, 6, 7 Feb.
    (D(2025, 1, 24), D(2025, 2, 7)),
    # 5, 6, 7 Feb, Sat 8 Feb (worked), Mon 10 Feb.
    (D(2025, 1, 27), D(2025, 2, 10)),
    # Spring Festival 2026: Fri 13 Feb, Sat 14 Feb (worked), then 24, 25, 26 Feb.
    (D(2026, 2, 12), D(2026, 2, 26)),
    # Sat 14 Feb (worked), then 24, 25, 26, 27 Feb.
    (D(2026, 2, 13), D(2026, 2, 27)),
    # 25, 26, 27 Feb, Sat 28 Feb (worked), Mon 2 Mar.
    (D(2026, 2, 24), D(2026, 3, 2)),
    # National Day 2025: Sun 28 Sep (worked), 29, 30 Sep, then 9, 10 Oct.
    (D(2025, 9, 26), D(2025, 10, 10)),
    # 30 Sep, 9, 10 Oct, Sat 11 Oct (worked), Mon 13 Oct.
    (D(2025, 9, 29), D(2025, 10, 13)),
    # Mid-Autumn and National Day 2026: 28, 29, 30 Sep, 8, 9 Oct.
    (D(2026, 9, 24), D(2026, 10, 9)),
    # 30 Sep, 8 Oct, 9 Oct, Sat 10 Oct (worked), Mon 12 Oct.
    (D(2026, 9, 29), D(2026, 10, 12)),
])
def test_the_hearing_window_is_five_working_days_across_the_holidays(calendar, notice_on,
                                                                       ask_by):
    assert rules.hearing_ask_by(notice_on) == ask_by


def test_without_the_calendar_only_weekends_would_count(db):
    # The same notice as above, counted without the holidays: 2026-10-06 — the calendar
    # is what makes the difference, not the weekend arithmetic.
    assert rules.hearing_ask_by(D(2026, 9, 29)) == D(2026, 10, 6)


def test_the_hearing_is_held_at_least_seven_days_after_its_notice():
    assert rules.hearing_earliest(D(2026, 3, 2)) == D(2026, 3, 9)


@pytest.mark.parametrize(("decided_on", "due"), [
    # 30 Sep, then 9, 10, Sat 11 (worked), 13, 14, 15 Oct 2025.
    (D(2025, 9, 29), D(2025, 10, 15)),
    # 8, 9, Sat 10 (worked), 12, 13, 14, 15 Oct 2026.
    (D(2026, 9, 30), D(2026, 10, 15)),
])
def test_the_notice_is_due_seven_working_days_after_a_decision_before_national_day(
        calendar, decided_on, due):
    assert rules.notice_due(decided_on) == due
    assert rules.service_due(decided_on) == due


def test_a_revoked_decision_is_withdrawn_within_three_working_days(calendar):
    # Thursday before Mid-Autumn 2026 (25–27 Sep off): Mon 28, Tue 29, Wed 30 Sep.
    assert rules.withdraw_due(D(2026, 9, 24)) == D(2026, 9, 30)
    # The day before National Day 2025: 9, 10, Sat 11 Oct (worked).
    assert rules.withdraw_due(D(2025, 9, 30)) == D(2025, 10, 11)


def test_a_fine_is_due_15_days_after_service():
    assert rules.payment_due(D(2026, 3, 2)) == D(2026, 3, 17)
    assert rules.payment_due(D(2026, 12, 20)) == D(2027, 1, 4)


@pytest.mark.parametrize(("fine", "paid_on", "surcharge"), [
    ("50000.00", D(2026, 3, 17), "0.00"),       # on the due day: nothing
    ("50000.00", D(2026, 3, 18), "1500.00"),    # one day: 3 %
    ("50000.00", D(2026, 3, 20), "4500.00"),    # three days: 9 %
    ("50000.00", D(2026, 4, 19), "49500.00"),   # 33 days: 99 %
    ("50000.00", D(2026, 4, 20), "50000.00"),   # 34 days would be 102 %: capped
    ("50000.00", D(2027, 3, 17), "50000.00"),
    ("333.33", D(2026, 3, 18), "10.00"),        # 9.9999 rounds to the fen
    ("100.01", D(2026, 3, 19), "6.00"),         # 6.0006
    ("0.10", D(2026, 3, 18), "0.00"),           # 0.003
])
def test_the_daily_surcharge_is_three_percent_capped_at_the_fine(fine, paid_on, surcharge):
    due = D(2026, 3, 17)
    owed = rules.surcharge(Decimal(fine), due, paid_on)
    assert isinstance(owed, Decimal) and owed == Decimal(surcharge)
    assert str(owed) == surcharge
    assert rules.amount_due(Decimal(fine), due, paid_on) == Decimal(fine) + Decimal(surcharge)


def test_no_fine_no_surcharge():
    assert rules.surcharge(None, D(2026, 3, 17), D(2026, 5, 1)) == Decimal("0.00")


@pytest.mark.parametrize(("serious", "low", "high"), [(False, 3, 12), (True, 6, 36)])
def test_display_periods_by_seriousness_default_to_the_longest(serious, low, high):
    assert rules.display_range(serious) == (low, high)
    assert rules.default_display_months(serious) == high


@pytest.mark.parametrize(("day", "months", "until"), [
    (D(2026, 1, 31), 1, D(2026, 2, 28)),
    (D(2026, 3, 15), 12, D(2027, 3, 15)),
    (D(2026, 11, 30), 36, D(2029, 11, 30)),
    (D(2027, 11, 30), 3, D(2028, 2, 29)),
])
def test_months_are_calendar_months(day, months, until):
    assert rules.add_months(day, months) == until


def test_the_time_bar_is_two_years_or_five_when_health_is_endangered():
    assert rules.time_bar(D(2024, 2, 29)) == D(2026, 2, 28)
    assert rules.time_bar(D(2024, 5, 6)) == D(2026, 5, 6)
    assert rules.time_bar(D(2024, 5, 6), health=True) == D(2029, 5, 6)

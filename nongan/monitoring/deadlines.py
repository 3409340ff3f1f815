"""Time limits of monitoring (监测时限), each from the text that sets it.

- 实施方案 四.(四).3: lab tests finished within 10 days of sampling, the report uploaded
  against the sample number; the month's results summarised by the 25th.
- 农产品质量安全法 Art. 51 / 监测管理办法: a re-test (复检) is asked within 5 working days
  of receiving the result (a rapid test: within 4 hours); the re-test lab reports within
  7 working days of receiving the sample.
- Local practice (RULES.md): the party is told of a non-compliant result within 24 hours.
"""

import datetime as dt

from django.utils import timezone

from nongan.core.workdays import add_working_days, add_working_days_to_each

RESULT_DAYS = 10
SUMMARY_DAY = 25
RETEST_ASK_WORKING_DAYS = 5
RAPID_RETEST_ASK = dt.timedelta(hours=4)
RETEST_REPORT_WORKING_DAYS = 7
NOTIFY_WITHIN = dt.timedelta(hours=24)


def local_date(moment: dt.datetime) -> dt.date:
    return timezone.localtime(moment).date()


def end_of(day: dt.date) -> dt.datetime:
    """The last moment of a day in Shanghai time: a limit "by the 25th" includes the 25th."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.max))


def results_due(sampled_at: dt.datetime) -> dt.date:
    """采样后10日内: the 10th calendar day after the sampling day."""
    return local_date(sampled_at) + dt.timedelta(days=RESULT_DAYS)


def summary_month(day: dt.date) -> dt.date:
    """The month whose summary covers `day`: results up to the 25th belong to that month's
    summary, results after it to the next one (the summary is due on the 25th)."""
    first = day.replace(day=1)
    if day.day <= SUMMARY_DAY:
        return first
    return (first + dt.timedelta(days=32)).replace(day=1)


def summary_window(month: dt.date) -> tuple[dt.date, dt.date]:
    """The days whose results go into `month`'s summary: the 26th of the month before to
    the 25th of the month."""
    previous = (month.replace(day=1) - dt.timedelta(days=1)).replace(day=SUMMARY_DAY + 1)
    return previous, month.replace(day=SUMMARY_DAY)


def summary_due(month: dt.date) -> dt.date:
    return month.replace(day=SUMMARY_DAY)


def retest_ask_by(sample, ends: dict | None = None) -> dt.datetime | None:
    """Until when the party may ask for a re-test, counted from being told of the result
    (`ends`: the last days already counted for a page of samples, by notification day)."""
    if sample.notified_at is None:
        return None
    if sample.kind == "rapid":
        return sample.notified_at + RAPID_RETEST_ASK
    day = local_date(sample.notified_at)
    return end_of(ends[day] if ends is not None
                  else add_working_days(day, RETEST_ASK_WORKING_DAYS))


def retest_ask_by_each(samples) -> dict[int, dt.datetime | None]:
    """`retest_ask_by` of each of `samples` (a page of them), reading the calendar once."""
    ends = add_working_days_to_each(
        {local_date(s.notified_at) for s in samples if s.notified_at and s.kind != "rapid"},
        RETEST_ASK_WORKING_DAYS)
    return {s.pk: retest_ask_by(s, ends) for s in samples}


def retest_report_by(received_at: dt.datetime) -> dt.date:
    return add_working_days(local_date(received_at), RETEST_REPORT_WORKING_DAYS)


def notify_by(sample) -> dt.datetime | None:
    return sample.completed_at + NOTIFY_WITHIN if sample.completed_at else None

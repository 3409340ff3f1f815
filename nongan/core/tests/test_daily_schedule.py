"""The worker queues each daily job once a Shanghai day, at or after its hour, whatever the
number of workers or restarts (core.schedule)."""

import datetime as dt

import pytest
from django_tasks_db.models import DBTaskResult

from nongan.core.models import ScheduledRun
from nongan.core.schedule import DAILY, SHANGHAI, queue_due

pytestmark = pytest.mark.django_db


def at(day, hour, minute=0):
    return dt.datetime(2026, 3, day, hour, minute, tzinfo=SHANGHAI)


def queued_tasks():
    return sorted(DBTaskResult.objects.values_list("task_path", flat=True))


def test_a_job_waits_for_its_hour():
    assert queue_due(at(10, 0, 30)) == []
    assert queue_due(at(10, 1, 5)) == ["credit-refresh", "commitments-check"]
    assert queue_due(at(10, 3, 0)) == ["risk", "assessment"]
    assert queued_tasks() == sorted(["nongan.credit.tasks.refresh_credit",
                                     "nongan.commitments.tasks.check_commitments",
                                     "nongan.risk.tasks.run_risk",
                                     "nongan.assessment.tasks.refresh_scores"])


def test_a_late_start_catches_up_once_and_a_second_worker_queues_nothing():
    assert queue_due(at(10, 9)) == [job for job, _, _ in DAILY]
    assert queue_due(at(10, 9, 1)) == []
    assert queue_due(at(10, 23, 59)) == []
    assert DBTaskResult.objects.count() == len(DAILY)
    assert set(ScheduledRun.objects.values_list("task_id", flat=True)) == {
        str(pk) for pk in DBTaskResult.objects.values_list("id", flat=True)}


def test_the_day_turns_at_midnight_in_shanghai():
    queue_due(at(10, 9))
    # 23:30 UTC on the 10th is 07:30 on the 11th in Shanghai: a new day's jobs are due.
    utc_late = dt.datetime(2026, 3, 10, 23, 30, tzinfo=dt.UTC)
    assert queue_due(utc_late) == [job for job, _, _ in DAILY]
    assert ScheduledRun.objects.filter(day=dt.date(2026, 3, 11)).count() == len(DAILY)

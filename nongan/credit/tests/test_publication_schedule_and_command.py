"""The worker generates yesterday's file every day; `nongan credit publish [--day]` does
the same by hand."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from nongan.core.schedule import DAILY
from nongan.credit.models import CreditPublication
from nongan.credit.tasks import publish_credit

from .publication_factories import generate


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def test_the_daily_schedule_publishes_after_the_grades_are_refreshed():
    jobs = {job: (hour, path) for job, hour, path in DAILY}
    assert jobs["credit-publication"] == (4, "nongan.credit.tasks.publish_credit")
    assert jobs["credit-refresh"][0] < 4


def test_the_task_generates_yesterdays_file(world):
    answer = publish_credit.call()
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    assert answer["day"] == yesterday.isoformat() and answer["created"]
    assert CreditPublication.objects.get().day == yesterday
    assert publish_credit.call()["created"] is False


def test_the_task_leaves_a_day_already_covered_by_a_later_file(world):
    generate()  # today, by hand
    answer = publish_credit.call()
    assert "已生成" in answer["skipped"]


def test_the_command_generates_a_day_and_does_not_rewrite_it(world):
    out = StringIO()
    day = timezone.localdate().isoformat()
    call_command("credit", "publish", "--day", day, stdout=out)
    text = out.getvalue()
    assert f"信用信息报送 {day}：已生成" in text and "penalties.csv  sha256 " in text
    out = StringIO()
    call_command("credit", "publish", "--day", day, stdout=out)
    assert "未重写" in out.getvalue()
    with pytest.raises(CommandError):
        call_command("credit", "publish", "--day", "2099-01-01", stdout=StringIO())

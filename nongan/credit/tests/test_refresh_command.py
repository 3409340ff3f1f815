"""`nongan credit refresh`, run daily: finds rectifications past their deadline, applies
decay and repair to every producer, and running it again changes nothing."""

import datetime as dt
from io import StringIO

from django.core.management import call_command
from django.utils import timezone

from nongan.core.models import AuditEntry
from nongan.credit.models import CreditEvent, GradeChange

from .factories import visit


def run(*args) -> str:
    out = StringIO()
    call_command("credit", "refresh", *args, stdout=out)
    return out.getvalue()


def test_refresh_finds_overdue_rectifications_once(world):
    visit(world.pudong, "rectify", days=20, deadline_in=5)
    visit(world.chongming, "rectify", days=2, deadline_in=5)  # not due yet
    first = run()
    assert "新增信用事件 1 条" in first
    event = CreditEvent.objects.get(kind="rectification_unfinished")
    assert event.producer == world.pudong.the_producer and event.settled_on is None
    changes = GradeChange.objects.count()
    second = run()
    assert "新增信用事件 0 条" in second and "等级变化 0 个" in second
    assert CreditEvent.objects.count() == 3 and GradeChange.objects.count() == changes
    assert AuditEntry.objects.filter(action="credit.refresh").count() == 2


def test_refresh_as_of_a_later_day_applies_decay(world):
    visit(world.pudong, "refer")
    run()
    producer = world.pudong.the_producer
    producer.refresh_from_db()
    assert producer.credit_grade == "B"
    later = timezone.localdate() + dt.timedelta(days=366)
    assert "等级变化 1 个" in run("--today", later.isoformat())
    producer.refresh_from_db()
    assert producer.credit_grade == "A"
    assert GradeChange.objects.filter(producer=producer).first().cause == "repair"
    assert "等级变化 0 个" in run("--today", later.isoformat())

"""待办提醒 reach each person once a day: the reminder is left among their notifications
with a link to the to-do list, and a second run on the same day (the worker died half-way
and the task was queued again) texts nobody twice; the next day reminds again."""

import datetime as dt

import pytest
from django.utils import timezone

from nongan.core.models import Notification
from nongan.inspections import tasks
from nongan.producers.models import Producer

pytestmark = pytest.mark.django_db

sent: list = []


def record_sms(phone, text):
    sent.append((phone, text))


@pytest.fixture
def reminded(world, templates, settings):
    sent.clear()
    settings.NONGAN_SMS_HOOK = "nongan.inspections.tests.test_reminders_once_a_day.record_sms"
    worker = world.pudong.grid_worker
    worker.phone = "13900000001"
    worker.save(update_fields=["phone"])
    Producer.objects.filter(pk=world.pudong.the_producer.pk).update(is_scale=True)
    return worker


def test_a_second_run_the_same_day_texts_nobody_again(reminded):
    first = tasks.send_reminders.call()
    assert first["sms"] == 1 and first["already_told"] == 0
    again = tasks.send_reminders.call()
    assert again["sms"] == 0 and again["already_told"] == first["with_items"] >= 1
    assert [phone for phone, _ in sent] == ["13900000001"]
    note = Notification.objects.get(recipient=reminded, kind="inspection_reminder")
    assert note.link == "/todo/" and "pudong合作社" in note.text


def test_yesterdays_reminder_does_not_silence_today(reminded):
    tasks.send_reminders.call()
    Notification.objects.filter(recipient=reminded).update(
        created_at=timezone.now() - dt.timedelta(days=1))
    assert tasks.send_reminders.call()["sms"] == 1
    assert len(sent) == 2

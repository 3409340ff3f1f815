"""A receiver that fails is tried again on the schedule (1 min, 5 min, 30 min, 2 h, 6 h,
then every 6 h) until it acknowledges; each attempt is in the delivery log; after three
days of failures the delivery is failed and the city administrators told; a redelivery
starts a new round under the same delivery id."""

import datetime as dt

import pytest
from django.db.models import F

from nongan.core.models import Notification
from nongan.exchange import services
from nongan.exchange.delivery import DEFAULT_RETRY, next_delay
from nongan.exchange.models import Delivery, DeliveryAttempt
from nongan.exchange.tasks import deliver

from .factories import CITY, agency, failed_sample, queued, subscription, when_due
from .receiver import Receiver

SECRET = "partner-secret-0123456789abcdef"


@pytest.fixture
def failing(world):
    def make(statuses):
        receiver = Receiver(SECRET, statuses)
        sub = subscription(world, agency(world), receiver.url, regions=[CITY], secret=SECRET)
        failed_sample(world, world.pudong)
        return receiver, Delivery.objects.get(subscription=sub)
    return make


def test_a_receiver_failing_twice_gets_the_event_on_the_third_attempt(world, failing):
    receiver, delivery = failing([500, 503])
    with receiver:
        assert deliver.call(delivery.pk) == "pending"
        assert when_due(delivery) == "pending"
        assert when_due(delivery) == "delivered"
    attempts = list(DeliveryAttempt.objects.filter(delivery=delivery).order_by("at", "pk"))
    assert [a.status_code for a in attempts] == [500, 503, 200]
    assert attempts[0].response_excerpt == "no" and attempts[2].response_excerpt == "收到"
    assert all(a.duration_ms < 10_000 for a in attempts)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status) == ("delivered", 3, 200)
    assert delivery.delivered_at and delivery.next_attempt_at is None
    # One delivery id across the attempts; the receiver acknowledged it once.
    assert {r["headers"]["X-Nongan-Delivery"] for r in receiver.received} == {str(delivery.uuid)}
    assert len(receiver.accepted) == 1 and all(r["verified"] for r in receiver.received)


def test_retries_are_queued_on_the_schedule(world, failing):
    receiver, delivery = failing([500, 500, 500])
    with receiver:
        deliver.call(delivery.pk)
        [first, second] = queued(delivery)
        attempt = DeliveryAttempt.objects.filter(delivery=delivery).latest("pk")
        assert second.run_after - attempt.at == dt.timedelta(minutes=1)
        when_due(delivery)
        third = queued(delivery)[-1]
        attempt = DeliveryAttempt.objects.filter(delivery=delivery).latest("pk")
        assert third.run_after - attempt.at == dt.timedelta(minutes=5)
        delivery.refresh_from_db()
        assert delivery.next_attempt_at == third.run_after
    assert [next_delay(n).total_seconds() for n in range(1, 9)] == [
        60, 300, 1800, 7200, 21600, 21600, 21600, 21600]


def test_a_task_run_before_its_time_sends_nothing(world, failing):
    receiver, delivery = failing([500])
    with receiver:
        deliver.call(delivery.pk)
        assert deliver.call(delivery.pk) == "not_due"
    assert len(receiver.received) == 1


def test_a_connection_refused_is_a_failed_attempt_too(world):
    sub = subscription(world, agency(world), "http://127.0.0.1:9/nobody", regions=[CITY])
    failed_sample(world, world.pudong)
    delivery = Delivery.objects.get(subscription=sub)
    assert deliver.call(delivery.pk) == "pending"
    attempt = DeliveryAttempt.objects.get(delivery=delivery)
    assert attempt.status_code is None and "连接失败" in attempt.error


def test_after_three_days_of_failures_it_is_failed_and_the_city_told(
        world, failing, django_capture_on_commit_callbacks):
    receiver, delivery = failing([500] * 20)
    with receiver:
        deliver.call(delivery.pk)
        # Three days, less the next wait, have gone by since the round started.
        Delivery.objects.filter(pk=delivery.pk).update(
            round_started_at=F("round_started_at")
            - dt.timedelta(seconds=DEFAULT_RETRY["give_up_after"] - 120))
        with django_capture_on_commit_callbacks(execute=True):
            assert when_due(delivery) == "failed"
    delivery.refresh_from_db()
    assert delivery.status == "failed" and delivery.next_attempt_at is None
    assert DeliveryAttempt.objects.filter(delivery=delivery).count() == 2
    told = Notification.objects.get(kind="exchange.delivery_failed")
    assert told.recipient == world.city_admin and str(delivery.uuid) in told.text
    assert len(queued(delivery)) == 2  # the first and the one retry; nothing after failing


def test_a_redelivery_starts_a_new_round_under_the_same_id(world, failing):
    receiver, delivery = failing([500])
    with receiver:
        deliver.call(delivery.pk)
        Delivery.objects.filter(pk=delivery.pk).update(status="failed", next_attempt_at=None)
        services.redeliver(delivery, actor=world.city_admin)
        delivery.refresh_from_db()
        assert (delivery.status, delivery.attempts) == ("pending", 0)
        assert deliver.call(delivery.pk) == "delivered"
    assert [r["headers"]["X-Nongan-Delivery"] for r in receiver.received] == [
        str(delivery.uuid)] * 2
    assert DeliveryAttempt.objects.filter(delivery=delivery).count() == 2


def test_only_a_failed_delivery_can_be_redelivered(world, failing):
    from nongan.core.errors import Conflict

    _receiver, delivery = failing([])
    with pytest.raises(Conflict):
        services.redeliver(delivery, actor=world.city_admin)

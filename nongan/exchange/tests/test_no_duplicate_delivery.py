"""A delivered event is never sent again: a second run of its task, or a task queued twice,
sends nothing more — the receiver counts one delivery."""

from nongan.exchange.delivery import attempt
from nongan.exchange.models import Delivery, DeliveryAttempt
from nongan.exchange.tasks import deliver

from .factories import CITY, agency, failed_sample, subscription
from .receiver import Receiver

SECRET = "partner-secret-0123456789abcdef"


def test_running_the_task_again_after_success_sends_nothing(world):
    with Receiver(SECRET) as receiver:
        sub = subscription(world, agency(world), receiver.url, regions=[CITY], secret=SECRET)
        failed_sample(world, world.pudong)
        delivery = Delivery.objects.get(subscription=sub)
        assert deliver.call(delivery.pk) == "delivered"
        assert deliver.call(delivery.pk) == "delivered"
        assert attempt(delivery.pk) == "delivered"
    assert len(receiver.received) == 1 and len(receiver.accepted) == 1
    assert DeliveryAttempt.objects.filter(delivery=delivery).count() == 1


def test_one_event_is_one_delivery_per_subscription(world):
    from nongan.monitoring.services import record_results

    with Receiver(SECRET) as receiver:
        sub = subscription(world, agency(world), receiver.url, regions=[CITY], secret=SECRET)
        sample = failed_sample(world, world.pudong)
        # A correction that keeps the sample non-compliant is not a new event.
        record_results(sample, [{"analyte": "毒死蜱", "value": "0.6"}], actor=world.lab,
                       reason="复核更正")
        for delivery in Delivery.objects.filter(subscription=sub):
            deliver.call(delivery.pk)
    assert Delivery.objects.filter(subscription=sub).count() == 1
    assert len(receiver.accepted) == 1

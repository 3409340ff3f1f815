"""Round trips through the machine's MQTT broker (Mosquitto at 127.0.0.1:1883; skipped with
a message when none answers): published readings are stored by the consumer, also those
published while it was down. The consumer writes in the test's thread, on the test's
database connection; each test uses its own topic root and client id, so a demo consumer
running on the same broker sees nothing of it."""

import uuid

import pytest
from django.utils import timezone

from nongan.iot.consumer import Consumer, forget_session
from nongan.iot.models import Reading, Rejected

from .factories import broker_or_skip, make_sensor, minutes_ago, publish_all, publisher


@pytest.fixture
def mqtt():
    host, port = broker_or_skip()
    root = f"nongan-test/{uuid.uuid4().hex[:8]}/iot/"
    client_id = f"nongan-test-{uuid.uuid4().hex[:8]}"
    made, pub = [], publisher(host, port)

    def consumer():
        c = Consumer(host=host, port=port, topic=root + "#", client_id=client_id,
                     flush_seconds=0.2)
        c.start()
        assert c.subscribed.wait(10), "the consumer did not subscribe"
        made.append(c)
        return c

    yield {"root": root, "consumer": consumer, "publish": lambda msgs: publish_all(pub, msgs)}
    for c in made:
        c.close()
    pub.disconnect()
    pub.loop_stop()
    forget_session(host, port, client_id)


def test_a_reading_published_to_the_broker_is_stored(world, mqtt):
    sensor, _ = make_sensor(world.pudong, kind="water_ph")
    consumer = mqtt["consumer"]()
    at = timezone.localtime(minutes_ago(1)).replace(microsecond=0)
    mqtt["publish"]([(mqtt["root"] + sensor.code, {"at": at.isoformat(), "value": 7.3}),
                     (mqtt["root"] + sensor.code, {"readings": [
                         {"at": minutes_ago(2).isoformat(), "value": 7.1},
                         {"at": minutes_ago(3).isoformat(), "value": 7.0}]}),
                     (mqtt["root"] + "NO-SUCH", {"at": at.isoformat(), "value": 7.0}),
                     (mqtt["root"] + sensor.code, b"\xff\xfe garbage")])
    totals = consumer.run(until=lambda c: c.totals.received >= 5, timeout=20)
    assert (totals.received, totals.stored) == (5, 3)
    assert dict(totals.rejected) == {"unknown_sensor": 1, "malformed": 1}
    assert Reading.objects.get(sensor=sensor, at=at).value == 7.3
    assert set(Rejected.objects.values_list("source", flat=True)) == {"mqtt"}


def test_readings_published_while_the_consumer_is_down_arrive_when_it_is_back(world, mqtt):
    sensor, _ = make_sensor(world.pudong, kind="storage_temp")
    first = mqtt["consumer"]()
    first.run(until=lambda c: True)
    first.close()  # down; the broker keeps its session
    times = [minutes_ago(m).replace(microsecond=0) for m in (15, 10, 5)]
    mqtt["publish"]([(mqtt["root"] + sensor.code, {"at": t.isoformat(), "value": 2.0})
                     for t in times])
    back = mqtt["consumer"]()
    totals = back.run(until=lambda c: c.totals.stored >= 3, timeout=20)
    assert totals.stored == 3
    assert set(Reading.objects.filter(sensor=sensor).values_list("at", flat=True)) == set(times)

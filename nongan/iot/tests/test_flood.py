"""A flood through the broker: 10,000 readings of which 1 % are bad (not JSON, an unknown
sensor, an impossible value, a clock far off) mixed among the good ones. Every good reading
is stored exactly once, every bad one is counted by its reason, and the consumer goes on
working afterwards. (About 10 s on a 2-core machine, so it goes through MQTT itself.)"""

import datetime as dt
import json
import random
import time
import uuid
from collections import Counter

import pytest
from django.utils import timezone

from nongan.iot.consumer import Consumer, forget_session
from nongan.iot.models import Reading, Rejected

from .factories import broker_or_skip, make_sensor, publish_all, publisher

TOTAL, BAD_SHARE, SENSORS = 10_000, 0.01, 10


@pytest.fixture
def broker():
    host, port = broker_or_skip()
    client_id = f"nongan-test-flood-{uuid.uuid4().hex[:8]}"
    yield host, port, client_id
    forget_session(host, port, client_id)


def flood(sensors, root: str, now) -> tuple[list, set, Counter]:
    """(topic, payload) pairs in a shuffled order, the good (sensor pk, time) pairs, and the
    bad messages by the reason they must be rejected for."""
    rng = random.Random(8)
    n_bad = int(TOTAL * BAD_SHARE)
    good, expected, messages = TOTAL - n_bad, set(), []
    for i in range(good):
        sensor = sensors[i % SENSORS]
        at = now - dt.timedelta(minutes=i // SENSORS + 1)
        expected.add((sensor.pk, at))
        messages.append((root + sensor.code, json.dumps(
            {"at": at.isoformat(), "value": round(rng.uniform(6.8, 7.6), 2)})))
    reasons = ["malformed", "unknown_sensor", "impossible_value", "clock_skew"]
    bad = Counter()
    for j in range(n_bad):
        reason, sensor = reasons[j % 4], sensors[j % SENSORS]
        at = (now - dt.timedelta(seconds=30 + j)).isoformat()
        if reason == "malformed":
            messages.append((root + sensor.code, '{"at": "' + at + '", "value": 7.'))
        elif reason == "unknown_sensor":
            messages.append((root + f"GHOST-{j}", json.dumps({"at": at, "value": 7.0})))
        elif reason == "impossible_value":
            messages.append((root + sensor.code, json.dumps({"at": at, "value": -3.5})))
        else:
            skewed = (now + dt.timedelta(hours=8, seconds=j)).isoformat()
            messages.append((root + sensor.code, json.dumps({"at": skewed, "value": 7.0})))
        bad[reason] += 1
    rng.shuffle(messages)
    return messages, expected, bad


def test_a_flood_with_one_percent_bad_messages_stores_every_good_one_once(world, broker):
    host, port, client_id = broker
    sensors = [make_sensor(world.pudong if i % 2 else world.chongming, kind="water_ph")[0]
               for i in range(SENSORS)]
    root = f"nongan-test/{uuid.uuid4().hex[:8]}/iot/"
    now = timezone.now().replace(microsecond=0)
    messages, expected, bad = flood(sensors, root, now)
    consumer = Consumer(host=host, port=port, topic=root + "#", client_id=client_id)
    pub = publisher(host, port)
    try:
        consumer.start()
        assert consumer.subscribed.wait(10)
        started = time.monotonic()
        publish_all(pub, messages)
        totals = consumer.run(until=lambda c: c.totals.received >= TOTAL, timeout=120)
        elapsed = time.monotonic() - started
        assert totals.received == TOTAL, f"only {totals.received} arrived in {elapsed:.0f} s"
        assert totals.stored == TOTAL - sum(bad.values()) and totals.duplicates == 0
        assert totals.rejected == bad
        stored = set(Reading.objects.filter(sensor__in=sensors).values_list("sensor_id", "at"))
        assert stored == expected
        assert Reading.objects.filter(sensor__in=sensors).count() == len(expected)
        assert Counter(Rejected.objects.values_list("reason", flat=True)) == bad
        # still at work: the next reading is stored
        publish_all(pub, [(root + sensors[0].code,
                           json.dumps({"at": now.isoformat(), "value": 7.2}))])
        consumer.run(until=lambda c: c.totals.received > TOTAL, timeout=20)
        assert Reading.objects.filter(sensor=sensors[0], at=now).exists()
        print(f"flood: {TOTAL} messages stored in {elapsed:.1f} s "
              f"({consumer.batches} batches)")
    finally:
        consumer.close()
        pub.disconnect()
        pub.loop_stop()

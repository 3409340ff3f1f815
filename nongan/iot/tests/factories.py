"""Factories of the IoT tests: sensors registered through the service, readings sent
through the real ingest path, and the MQTT broker of the machine (tests that need it skip
with a message when none answers)."""

import datetime as dt
import itertools
import json
import os
import socket
import uuid

import pytest
from django.utils import timezone

from nongan.iot.ingest import Message, ingest
from nongan.iot.services import register_sensor

_serial = itertools.count(1)
MQTT_HOST = os.environ.get("NONGAN_MQTT_HOST", "127.0.0.1")
MQTT_PORT = int(os.environ.get("NONGAN_MQTT_PORT", "1883"))


def make_sensor(side, *, kind="water_ph", code=None, actor=None, **fields):
    """A sensor of `side`'s producer (and plot when `plot=True`); answers (sensor, key)."""
    data = {"code": code or f"T{uuid.uuid4().hex[:10]}-{next(_serial)}",
            "producer": side.the_producer.pk, "kind": kind} | fields
    if data.pop("plot", None):
        data["plot"] = side.plot.pk
    return register_sensor(data, actor=actor or side.district_officer)


def minutes_ago(n: float) -> dt.datetime:
    return timezone.now() - dt.timedelta(minutes=n)


def send(sensor, values, *, every=10, end=None, source="http"):
    """`values` as readings of `sensor` `every` minutes apart, the last at `end` (now)."""
    end = end or timezone.now().replace(microsecond=0)
    n = len(values)
    messages = [Message(sensor.code, (end - dt.timedelta(minutes=every * (n - 1 - i))).isoformat(),
                        v) for i, v in enumerate(values)]
    return ingest(messages, source=source)


def access_targets(world, side) -> dict:
    """A sensor of `side`'s producer (the access matrix asks for it from another district),
    with a reading so its pages and exports have something to hide."""
    sensor, _ = make_sensor(side, actor=world.city_admin)
    send(sensor, [7.2])
    return {"sensor": sensor.pk}


def broker_or_skip(host=MQTT_HOST, port=MQTT_PORT) -> tuple[str, int]:
    try:
        with socket.create_connection((host, port), timeout=1):
            pass
    except OSError:
        pytest.skip(f"no MQTT broker answers at {host}:{port} (start Mosquitto, or set "
                    f"NONGAN_MQTT_HOST/NONGAN_MQTT_PORT) — the MQTT round trip is not tested")
    return host, port


def publisher(host: str, port: int):
    import paho.mqtt.client as mqtt

    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2,
                         client_id=f"nongan-test-pub-{uuid.uuid4().hex[:8]}")
    client.max_inflight_messages_set(2000)
    client.max_queued_messages_set(0)
    client.connect(host, port)
    client.loop_start()
    return client


def publish_all(client, messages, timeout=60) -> None:
    """Publish (topic, payload) pairs at QoS 1 and wait until the broker has them all."""
    infos = []
    for topic, payload in messages:
        body = payload if isinstance(payload, bytes | str) else json.dumps(payload)
        infos.append(client.publish(topic, body, qos=1))
    for info in infos:
        info.wait_for_publish(timeout)

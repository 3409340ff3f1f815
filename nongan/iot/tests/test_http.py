"""Readings over HTTP: the sensor's key (header X-Sensor-Key) names the sensor; the answer
counts what was stored, the duplicates, and each rejected reading by its index and reason.
The same ingest path as MQTT."""

import datetime as dt
import json

from django.test import Client
from django.utils import timezone

from nongan.iot.models import Reading, Rejected
from nongan.iot.services import reset_key
from nongan.risk.models import RiskWarning

from .factories import make_sensor, minutes_ago


def post(key, body, *, raw=False):
    data = body if raw else json.dumps(body)
    headers = {"X-Sensor-Key": key} if key is not None else {}
    return Client().post("/api/v1/iot/readings", data, content_type="application/json",
                         headers=headers)


def test_a_sensor_posts_its_readings_with_its_key(world):
    sensor, key = make_sensor(world.pudong, kind="storage_temp")
    times = [minutes_ago(m).replace(microsecond=0) for m in (10, 5)]
    answer = post(key, {"readings": [{"at": t.isoformat(), "value": 2.5} for t in times]})
    assert answer.status_code == 200
    assert answer.json() == {"stored": 2, "duplicates": 0, "rejected": []}
    assert set(Reading.objects.filter(sensor=sensor).values_list("at", flat=True)) == set(times)
    one = post(key, {"at": minutes_ago(1).isoformat(), "value": 2.6})
    assert one.json()["stored"] == 1


def test_bad_readings_are_answered_by_index_and_reason_and_the_good_ones_stored(world):
    sensor, key = make_sensor(world.pudong, kind="water_ph")
    now = timezone.now()
    answer = post(key, {"readings": [
        {"at": (now - dt.timedelta(minutes=3)).isoformat(), "value": 7.1},
        {"at": (now - dt.timedelta(minutes=2)).isoformat(), "value": 99},
        "7.2",
        {"at": (now + dt.timedelta(days=1)).isoformat(), "value": 7.0},
        {"at": (now - dt.timedelta(minutes=3)).isoformat(), "value": 7.1},
        {"at": "yesterday", "value": 7.0},
        {"sensor": "SOMEONE-ELSE", "at": now.isoformat(), "value": 7.0},
        {"at": (now - dt.timedelta(minutes=1)).isoformat(), "value": 9.3},
    ]})
    assert answer.status_code == 200
    body = answer.json()
    assert (body["stored"], body["duplicates"]) == (2, 1)
    assert [(r["index"], r["reason"]) for r in body["rejected"]] == [
        (1, "impossible_value"), (2, "malformed"), (3, "clock_skew"), (5, "malformed"),
        (6, "malformed")]
    assert "ISO 8601" in body["rejected"][3]["detail"]
    assert set(Rejected.objects.values_list("source", flat=True)) == {"http"}
    warning = RiskWarning.objects.get(key=f"iot:{sensor.code}:high")
    assert "9.30" in warning.explanation


def test_an_unknown_or_missing_key_is_401(world):
    make_sensor(world.pudong)
    reading = {"at": minutes_ago(1).isoformat(), "value": 7.0}
    assert post("nsk_not-a-key", reading).status_code == 401
    assert post(None, reading).status_code == 401
    assert not Reading.objects.exists()


def test_a_replaced_key_stops_working(world):
    sensor, old = make_sensor(world.pudong)
    new = reset_key(sensor, actor=world.pudong.town_officer)
    reading = {"at": minutes_ago(1).isoformat(), "value": 7.0}
    assert post(old, reading).status_code == 401
    assert post(new, reading).json()["stored"] == 1


def test_a_body_that_is_not_readings_is_422_and_recorded(world):
    sensor, key = make_sensor(world.pudong)
    answer = post(key, "{not json", raw=True)
    assert answer.status_code == 422
    assert answer.json()["detail"][0]["loc"] == ["body"]
    assert post(key, [1, 2]).status_code == 422
    assert list(Rejected.objects.values_list("reason", "sensor_id")) == [
        ("malformed", sensor.pk), ("malformed", sensor.pk)]
    too_many = {"readings": [{"at": minutes_ago(1).isoformat(), "value": 7}] * 5001}
    assert post(key, too_many).status_code == 422


def test_a_stopped_sensor_is_told_its_readings_are_refused(world, api):
    sensor, key = make_sensor(world.pudong)
    api(world.pudong.district_officer).patch(f"/sensors/{sensor.pk}", {"active": False})
    answer = post(key, {"at": minutes_ago(1).isoformat(), "value": 7.0})
    assert answer.json()["rejected"] == [{"index": 0, "reason": "inactive_sensor",
                                          "detail": "设备已停用"}]

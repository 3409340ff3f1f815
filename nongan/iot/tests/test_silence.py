"""A sensor silent for longer than its limit gets a blue warning; checking every minute
changes nothing while it stays silent."""

import datetime as dt

from django.utils import timezone

from nongan.iot.ingest import check_silence
from nongan.iot.services import update_sensor
from nongan.risk.models import RiskWarning

from .factories import make_sensor, send


def test_a_silent_sensor_gets_one_blue_warning(world):
    sensor, _ = make_sensor(world.pudong, kind="storage_temp", name="2号冷库")
    send(sensor, [2.0], end=timezone.now().replace(microsecond=0) - dt.timedelta(minutes=20))
    assert check_silence() == {}  # 20 minutes < its 30-minute limit
    later = timezone.now() + dt.timedelta(minutes=11)
    assert check_silence(later) == {"issued": 1}
    warning = RiskWarning.objects.get(key=f"iot:{sensor.code}:silent")
    assert (warning.kind, warning.level, warning.producer_id) == (
        "iot", "blue", world.pudong.the_producer.pk)
    assert "2号冷库" in warning.explanation and "30 分钟" in warning.explanation
    assert check_silence(later + dt.timedelta(minutes=1)) == {"unchanged": 1}
    assert check_silence(later + dt.timedelta(minutes=2)) == {"unchanged": 1}
    assert RiskWarning.objects.get(key=f"iot:{sensor.code}:silent").detections == 1


def test_a_sensor_that_never_reported_is_silent_after_its_limit(world):
    sensor, _ = make_sensor(world.pudong, kind="soil_ph")
    assert check_silence() == {}
    check_silence(timezone.now() + dt.timedelta(minutes=361))
    assert "从未上报" in RiskWarning.objects.get(key=f"iot:{sensor.code}:silent").explanation


def test_a_sensor_that_reports_again_and_falls_silent_again_updates_the_warning(world):
    sensor, _ = make_sensor(world.pudong, kind="storage_temp")
    now = timezone.now().replace(microsecond=0)
    send(sensor, [2.0], end=now - dt.timedelta(hours=2))
    check_silence(now)
    send(sensor, [2.1], end=now)
    assert check_silence(now + dt.timedelta(minutes=5)) == {}
    assert check_silence(now + dt.timedelta(minutes=45)) == {"updated": 1}
    warning = RiskWarning.objects.get(key=f"iot:{sensor.code}:silent")
    assert (warning.detections, warning.level) == (2, "blue")


def test_a_stopped_sensor_is_not_warned_and_a_longer_limit_is_respected(world):
    stopped, _ = make_sensor(world.pudong, kind="storage_temp")
    update_sensor(stopped, {"active": False}, actor=world.pudong.district_officer)
    patient, _ = make_sensor(world.pudong, kind="storage_temp", silence_minutes=240)
    assert check_silence(timezone.now() + dt.timedelta(minutes=60)) == {}
    assert check_silence(timezone.now() + dt.timedelta(minutes=241)) == {"issued": 1}
    assert RiskWarning.objects.get().key == f"iot:{patient.code}:silent"


def test_a_sensor_put_back_in_service_gets_a_full_silence_window(world):
    sensor, _ = make_sensor(world.pudong, kind="storage_temp")
    send(sensor, [2.0], end=timezone.now().replace(microsecond=0) - dt.timedelta(days=2))
    officer = world.pudong.district_officer
    update_sensor(sensor, {"active": False}, actor=officer)
    update_sensor(sensor, {"active": True}, actor=officer)
    assert check_silence() == {}
    assert check_silence(timezone.now() + dt.timedelta(minutes=31)) == {"issued": 1}

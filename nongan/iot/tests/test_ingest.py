"""Readings in: good ones stored once, each bad one rejected with its reason and never at the
expense of the good ones around it, one audit entry per batch."""

import datetime as dt
import logging

from django.utils import timezone

from nongan.core.models import AuditEntry
from nongan.iot.ingest import Message, ingest, mqtt_messages
from nongan.iot.models import Reading, Rejected, Sensor
from nongan.iot.services import update_sensor

from .factories import make_sensor, minutes_ago, send


def test_good_readings_are_stored_and_the_sensor_keeps_the_latest(world):
    sensor, _ = make_sensor(world.pudong, kind="storage_temp")
    counts = send(sensor, [2.0, 2.5, 3.1], every=5)
    assert (counts.stored, counts.duplicates, sum(counts.rejected.values())) == (3, 0, 0)
    sensor.refresh_from_db()
    assert sensor.last_value == 3.1
    assert sensor.expected_by == sensor.last_reading_at + dt.timedelta(minutes=30)
    assert list(Reading.objects.filter(sensor=sensor).order_by("at")
                .values_list("value", flat=True)) == [2.0, 2.5, 3.1]


def test_a_reading_sent_again_is_a_duplicate_not_an_error(world):
    sensor, _ = make_sensor(world.pudong)
    at = minutes_ago(3).isoformat()
    first = ingest([Message(sensor.code, at, 7.1), Message(sensor.code, at, 7.1)],
                   source="mqtt")
    again = ingest([Message(sensor.code, at, 7.1)], source="http")
    assert (first.stored, first.duplicates) == (1, 1)
    assert (again.stored, again.duplicates, dict(again.rejected)) == (0, 1, {})
    assert Reading.objects.filter(sensor=sensor).count() == 1
    assert not Rejected.objects.exists()


def test_the_same_instant_written_in_another_offset_is_the_same_reading(world):
    sensor, _ = make_sensor(world.pudong)
    local = timezone.localtime(minutes_ago(4)).replace(microsecond=0)
    utc = local.astimezone(dt.UTC)
    counts = ingest([Message(sensor.code, local.isoformat(), 7.0),
                     Message(sensor.code, utc.isoformat().replace("+00:00", "Z"), 7.0)],
                    source="mqtt")
    assert (counts.stored, counts.duplicates) == (1, 1)


def test_each_bad_message_is_rejected_with_its_reason_and_the_good_ones_are_kept(world, caplog):
    sensor, _ = make_sensor(world.pudong, kind="water_ph")
    off, _ = make_sensor(world.pudong, kind="water_ph")
    update_sensor(off, {"active": False}, actor=world.pudong.district_officer)
    now = timezone.now()
    ok = [Message(sensor.code, (now - dt.timedelta(minutes=m)).isoformat(), 7.0) for m in
          range(1, 6)]
    bad = [
        *mqtt_messages("nongan/iot/" + sensor.code, b"{not json", prefix="nongan/iot/"),
        *mqtt_messages("nongan/other/x", b'{"at": "x", "value": 1}', prefix="nongan/iot/"),
        Message("NO-SUCH-SENSOR", now.isoformat(), 7.0),
        Message(sensor.code, now.isoformat(), 15.2),  # pH beyond 14
        Message(sensor.code, (now + dt.timedelta(hours=8)).isoformat(), 7.0),  # time zone slip
        Message(sensor.code, (now - dt.timedelta(days=400)).isoformat(), 7.0),  # clock reset
        Message(sensor.code, "2026-06-01T08:00:00", 7.0),  # no offset
        Message(sensor.code, now.isoformat(), "7.0"),
        Message(sensor.code, now.isoformat(), True),
        Message(off.code, now.isoformat(), 7.0),
    ]
    mixed = [ok[0], *bad[:5], ok[1], ok[2], *bad[5:], ok[3], ok[4]]
    with caplog.at_level(logging.WARNING, logger="nongan.iot.ingest"):
        counts = ingest(mixed, source="mqtt", now=now)
    assert counts.stored == 5
    assert dict(counts.rejected) == {"malformed": 5, "unknown_sensor": 1,
                                     "impossible_value": 1, "clock_skew": 2,
                                     "inactive_sensor": 1}
    assert [r[0] for r in counts.rejections] == [1, 2, 3, 4, 5, 8, 9, 10, 11, 12]
    assert Reading.objects.filter(sensor=sensor).count() == 5
    assert Rejected.objects.count() == 10
    skew = Rejected.objects.filter(reason="clock_skew").order_by("pk").first()
    assert "晚 480 分钟" in skew.detail and skew.sensor == sensor
    assert Rejected.objects.get(reason="unknown_sensor").sensor_code == "NO-SUCH-SENSOR"
    assert sum("rejected" in r.getMessage() for r in caplog.records) == 10


def test_a_rejected_message_keeps_at_most_500_characters(world):
    ingest(mqtt_messages("nongan/iot/X1", b"[" * 5000, prefix="nongan/iot/"), source="mqtt")
    rejected = Rejected.objects.get()
    assert rejected.reason == "malformed" and len(rejected.raw) == 500


def test_a_batch_is_audited_once_whatever_its_size(world):
    sensor, _ = make_sensor(world.pudong, kind="storage_temp")
    before = AuditEntry.objects.filter(action="iot.ingest").count()
    send(sensor, [2.0] * 200, every=5)
    entries = AuditEntry.objects.filter(action="iot.ingest")
    assert entries.count() == before + 1
    entry = entries.latest("seq")
    assert entry.region_code == world.pudong.district
    assert entry.changes["after"]["stored"] == 200


def test_an_inactive_sensor_stores_nothing(world):
    sensor, _ = make_sensor(world.pudong)
    update_sensor(sensor, {"active": False}, actor=world.pudong.district_officer)
    counts = send(sensor, [7.0, 7.1])
    assert counts.stored == 0 and counts.rejected["inactive_sensor"] == 2
    assert Sensor.objects.get(pk=sensor.pk).last_reading_at is None


def test_times_at_the_edge_of_the_calendar_are_malformed_not_a_crash(world):
    sensor, _ = make_sensor(world.pudong)
    counts = ingest([Message(sensor.code, "0001-01-01T00:00:00+14:00", 7.0),
                     Message(sensor.code, "9999-12-31T23:59:59-14:00", 7.0),
                     Message(sensor.code, minutes_ago(1).isoformat(), float("nan")),
                     Message(sensor.code, minutes_ago(2).isoformat(), 10 ** 400),
                     Message(sensor.code, minutes_ago(1).isoformat(), 7.0)], source="http")
    assert counts.stored == 1 and counts.rejected == {"malformed": 4}

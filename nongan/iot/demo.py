"""Demo sensors for `nongan seed`: a fish pond in Pudong (pH, dissolved oxygen — on the demo
producer account's producer when there is one), a greenhouse in Chongming (soil moisture,
conductivity) and a cold store in Songjiang (temperature, humidity), each with 7 days of
readings at its interval. The history is written in bulk; the latest readings go through
`ingest` like a device's, so the pond's dissolved oxygen, falling below 5 mg/L at dawn,
raises its warning through the real evaluation. The cold store's humidity sensor fell
silent three hours ago (blue warning), and a few bad messages show on the rejected page."""

import datetime as dt
import logging
import math
import random
from zoneinfo import ZoneInfo

from django.utils import timezone

from nongan.people.models import User
from nongan.producers.models import Producer

from .ingest import Message, check_silence, ingest, mqtt_messages
from .models import Reading, Rejected, Sensor
from .services import register_sensor

SHANGHAI = ZoneInfo("Asia/Shanghai")
DAYS = 7
# (site, preferred district, sensors: (code, kind, name, curve))
SITES = [
    ("pond", "310115000000", [("POND1-PH", "water_ph", "1号鱼塘", "ph"),
                              ("POND1-DO", "dissolved_oxygen", "1号鱼塘", "oxygen")]),
    ("greenhouse", "310151000000", [("GH1-SM", "soil_moisture", "1号温室", "moisture"),
                                    ("GH1-EC", "soil_ec", "1号温室", "ec")]),
    ("cold", "310117000000", [("COLD1-T", "storage_temp", "1号冷库", "cold"),
                              ("COLD1-RH", "storage_humidity", "1号冷库", "humid")]),
]
SILENT = {"COLD1-RH": dt.timedelta(hours=3)}
FALLING = {"POND1-DO": [4.6, 4.3, 4.0, 3.7]}  # the last readings, sent through ingest


def _curve(name: str, at: dt.datetime, rng: random.Random) -> float:
    """A plausible value at `at`: daily cycles (oxygen and pH peak in the afternoon with
    photosynthesis), irrigation every other day, a cold store's defrost every 6 hours."""
    local = at.astimezone(SHANGHAI)
    hour = local.hour + local.minute / 60
    day = math.sin(2 * math.pi * (hour - 8) / 24)
    noise = rng.gauss(0, 1)
    if name == "ph":
        return round(7.6 + 0.35 * day + 0.04 * noise, 2)
    if name == "oxygen":
        return round(7.2 + 1.4 * day + 0.15 * noise, 2)
    if name == "moisture":
        since_water = (local.timetuple().tm_yday % 2) * 24 + hour
        return round(38 - since_water * 0.3 + 0.5 * noise, 1)
    if name == "ec":
        return round(0.9 + 0.1 * day + 0.03 * noise, 2)
    if name == "cold":
        defrost = 1.2 if local.hour % 6 == 0 and local.minute < 20 else 0.0
        return round(2.2 + defrost + 0.2 * noise, 1)
    return round(91 + 2 * day + 0.8 * noise)


def _producer(district: str, used: set) -> Producer | None:
    """The demo producer account's producer in Pudong, else the first producer with a plot
    of the district, else of any district."""
    account = User.objects.filter(username="producer", producer__district_id=district).first()
    if account and account.producer_id not in used:
        return account.producer
    with_plots = Producer.objects.filter(active=True, plots__isnull=False).exclude(pk__in=used)
    return (with_plots.filter(district_id=district).order_by("pk").first()
            or with_plots.order_by("district_id", "pk").first())


def _registrar(producer: Producer):
    return (User.objects.filter(role="district_officer", region_id=producer.district_id,
                                is_active=True).order_by("username").first()
            or User.objects.filter(role="city_admin").order_by("pk").first())


def _history(sensor: Sensor, curve: str, end: dt.datetime, rng) -> list[Reading]:
    step = dt.timedelta(minutes=sensor.interval_minutes)
    at, rows = end - dt.timedelta(days=DAYS), []
    while at <= end:
        rows.append(Reading(sensor=sensor, at=at, value=_curve(curve, at, rng),
                            received_at=at + dt.timedelta(seconds=3)))
        at += step
    return rows


def seed_iot(*, today: dt.date) -> dict:
    now = (timezone.now() if today == timezone.localdate()
           else dt.datetime.combine(today, dt.time(12), tzinfo=SHANGHAI))
    used, history, latest = set(), [], []
    for _, district, sensors in SITES:
        producer = _producer(district, used)
        if producer is None:
            break
        used.add(producer.pk)
        plot = producer.plots.filter(active=True).order_by("pk").first()
        actor = _registrar(producer)
        for code, kind, name, curve in sensors:
            sensor, _ = register_sensor({"code": code, "producer": producer.pk, "kind": kind,
                                         "name": name, "plot": plot.pk if plot else None},
                                        actor=actor)
            Sensor.objects.filter(pk=sensor.pk).update(created_at=now - dt.timedelta(days=30))
            rng = random.Random(f"nongan-iot:{code}")
            minutes = sensor.interval_minutes
            end = (now - SILENT.get(code, dt.timedelta())).replace(second=0, microsecond=0)
            end -= dt.timedelta(minutes=end.minute % minutes if minutes <= 60 else 0)
            rows = _history(sensor, curve, end, rng)
            falling = FALLING.get(code, [])
            for row, value in zip(rows[len(rows) - len(falling):], falling, strict=True):
                row.value = value
            keep = len(rows) - max(1, len(falling))
            history += rows[:keep]
            latest += [Message(code, r.at.isoformat(), r.value) for r in rows[keep:]]
    Reading.objects.bulk_create(history, batch_size=2000)
    counts = ingest(latest, source="mqtt", now=now)
    _bad_messages(now)
    silence = check_silence(now)
    return {"iot_sensors": Sensor.objects.count(), "iot_readings": Reading.objects.count(),
            "iot_warnings": sum(counts.warnings.values()) + sum(silence.values()),
            "iot_rejected": Rejected.objects.count()}


def _bad_messages(now) -> None:
    """What the rejected page shows: a device sending in UTC as if it were Beijing time, an
    unregistered device, a truncated message."""
    prefix = "nongan/iot/"
    ahead = (now + dt.timedelta(hours=8)).astimezone(dt.UTC).replace(tzinfo=None)
    messages = [
        Message("POND1-PH", ahead.isoformat() + "+00:00", 7.8),
        Message("POND9-DO", now.isoformat(), 6.4),
        *mqtt_messages(prefix + "GH1-SM", b'{"at": "2026-', prefix=prefix),
    ]
    if not Sensor.objects.filter(code="POND1-PH").exists():
        return
    quiet = logging.getLogger("nongan.iot.ingest")
    level = quiet.level
    quiet.setLevel(logging.ERROR)  # staged examples, not worth a warning line in the seed
    try:
        ingest(messages, source="mqtt", now=now)
    finally:
        quiet.setLevel(level)

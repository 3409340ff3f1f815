"""The demo sensors of `nongan seed`: three sites with 7 days of readings, the pond's falling
oxygen warned through the real evaluation, the cold store's silent humidity sensor warned
blue, a few rejected messages — in well under the 5 s the seed may spend on them."""

import time

from django.utils import timezone

from nongan.iot.demo import seed_iot
from nongan.iot.models import Reading, Rejected, Sensor
from nongan.risk.models import RiskWarning
from nongan.testing import make_plot, make_producer


def clear_iot() -> None:
    """Remove the seeded sensors (for core/tests/test_seed.py, after `clear_risk`: they point
    at the demo's producers and accounts)."""
    Reading.objects.all().delete()
    Rejected.objects.all().delete()
    Sensor.objects.all().delete()


def test_the_demo_sensors_have_a_week_of_readings_and_their_warnings(world):
    third = make_producer(world.pudong.village2, actor=world.city_admin, name="冷链合作社")
    make_plot(third, actor=world.city_admin)
    started = time.monotonic()
    counts = seed_iot(today=timezone.localdate())
    elapsed = time.monotonic() - started
    assert elapsed < 5, f"seed_iot took {elapsed:.1f} s"
    assert counts["iot_sensors"] == 6
    assert set(Sensor.objects.values_list("code", flat=True)) == {
        "POND1-PH", "POND1-DO", "GH1-SM", "GH1-EC", "COLD1-T", "COLD1-RH"}
    cold = Sensor.objects.get(code="COLD1-T")
    assert Reading.objects.filter(sensor=cold).count() == 7 * 24 * 12 + 1
    assert counts["iot_readings"] == Reading.objects.count() > 6000
    oxygen = RiskWarning.objects.get(key="iot:POND1-DO:low")
    assert oxygen.level == "yellow" and "3.70mg/L" in oxygen.explanation
    assert RiskWarning.objects.get(key="iot:COLD1-RH:silent").level == "blue"
    assert set(RiskWarning.objects.filter(kind="iot").values_list("key", flat=True)) == {
        "iot:POND1-DO:low", "iot:COLD1-RH:silent"}
    now = timezone.now()
    statuses = {s.code: s.status(now) for s in Sensor.objects.all()}
    assert statuses == {"POND1-PH": "normal", "POND1-DO": "out_of_range", "GH1-SM": "normal",
                        "GH1-EC": "normal", "COLD1-T": "normal", "COLD1-RH": "offline"}
    assert dict(Rejected.objects.values_list("reason", "sensor_code")) == {
        "clock_skew": "POND1-PH", "unknown_sensor": "POND9-DO", "malformed": "GH1-SM"}
    assert counts["iot_rejected"] == 3

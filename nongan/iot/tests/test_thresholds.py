"""Readings beyond a sensor's thresholds raise an iot warning through the risk lifecycle:
issued once, updated (never duplicated) by later batches, its level only rising."""

from django.utils import timezone

from nongan.iot.services import update_sensor
from nongan.risk.models import RiskWarning
from nongan.risk.services import acknowledge, close

from .factories import make_sensor, send


def iot_warnings(sensor):
    return RiskWarning.objects.filter(kind="iot", key__startswith=f"iot:{sensor.code}:")


def test_a_reading_out_of_range_issues_a_yellow_warning_with_the_numbers(world):
    sensor, _ = make_sensor(world.pudong, kind="water_ph", plot=True, name="1号鱼塘")
    end = timezone.now().replace(microsecond=0)
    counts = send(sensor, [7.2, 7.4, 8.9], end=end)
    assert counts.warnings == {"issued": 1}
    warning = iot_warnings(sensor).get()
    assert (warning.key, warning.level, warning.status) == (f"iot:{sensor.code}:high",
                                                            "yellow", "issued")
    assert warning.producer == world.pudong.the_producer
    assert (warning.region_id, warning.district_id, warning.town_id) == (
        world.pudong.village, world.pudong.district, world.pudong.town)
    text = warning.explanation
    assert sensor.code in text and "1号鱼塘" in text and world.pudong.plot.plot_no in text
    assert "8.90" in text and "上限 8.50" in text and "GB 11607-89" in text
    assert timezone.localtime(end).strftime("%Y-%m-%d %H:%M") in text
    assert warning.figures["worst"] == 8.9 and warning.figures["threshold"] == 8.5
    assert warning.assignees.filter(pk=world.pudong.district_officer.pk).exists()


def test_later_batches_update_the_same_warning_and_its_level_only_rises(world):
    sensor, _ = make_sensor(world.pudong, kind="dissolved_oxygen")
    start = timezone.now().replace(microsecond=0) - timezone.timedelta(hours=3)
    at = [start + timezone.timedelta(minutes=10 * i) for i in range(12)]
    send(sensor, [4.6], end=at[0])
    assert iot_warnings(sensor).get().level == "yellow"
    send(sensor, [2.5], end=at[1])  # below 5 − 2: the GB 11607-89 floor of 3 mg/L
    warning = iot_warnings(sensor).get()
    assert (warning.level, warning.detections) == ("orange", 2)
    assert "定为橙色" in warning.explanation
    send(sensor, [4.8], end=at[2])  # less bad: updated, the level stays
    warning = iot_warnings(sensor).get()
    assert (warning.level, warning.detections) == ("orange", 3)
    assert warning.figures["worst"] == 4.8
    send(sensor, [6.5], end=at[3])  # back in range: nothing new
    assert iot_warnings(sensor).get().detections == 3


def test_a_batch_is_judged_once_not_once_per_reading(world):
    sensor, _ = make_sensor(world.pudong, kind="storage_temp")
    counts = send(sensor, [5.0, 6.0, 5.5, 5.1, 4.0, 3.0], every=5)
    assert counts.warnings == {"issued": 1}
    warning = iot_warnings(sensor).get()
    assert (warning.detections, warning.figures["count"], warning.figures["worst"],
            warning.figures["run"]) == (1, 4, 6.0, 4)
    assert "本批 4 次超限" in warning.explanation and "连续 4 次超限" in warning.explanation


def test_six_consecutive_readings_out_of_range_make_it_orange(world):
    sensor, _ = make_sensor(world.pudong, kind="storage_temp")
    end = timezone.now().replace(microsecond=0)
    send(sensor, [5.0, 5.2, 5.1], every=5, end=end - timezone.timedelta(minutes=15))
    assert iot_warnings(sensor).get().level == "yellow"
    send(sensor, [5.3, 5.0, 5.4], every=5, end=end)  # the run now holds six
    warning = iot_warnings(sensor).get()
    assert (warning.level, warning.figures["run"]) == ("orange", 6)
    assert "连续 6 次以上超限" in warning.explanation


def test_an_excursion_inside_a_batch_is_caught_though_the_batch_ends_in_range(world):
    sensor, _ = make_sensor(world.pudong, kind="water_ph")
    send(sensor, [7.0, 5.9, 7.0])
    warning = iot_warnings(sensor).get()
    assert (warning.key, warning.level) == (f"iot:{sensor.code}:low", "orange")


def test_readings_in_range_warn_nobody(world):
    sensor, _ = make_sensor(world.pudong, kind="soil_moisture")
    counts = send(sensor, [20.0, 30.0, 44.9], every=30)
    assert counts.warnings == {} and not iot_warnings(sensor).exists()


def test_the_sensor_own_thresholds_apply(world):
    sensor, _ = make_sensor(world.pudong, kind="storage_temp")
    update_sensor(sensor, {"high": 8.0}, actor=world.pudong.town_officer)
    send(sensor, [7.5])
    assert not iot_warnings(sensor).exists()
    send(sensor, [8.5], end=timezone.now().replace(microsecond=0) + timezone.timedelta(seconds=1))
    warning = iot_warnings(sensor).get()
    assert "本设备自定阈值" in warning.explanation


def test_after_a_warning_is_closed_the_next_excursion_is_a_new_warning(world):
    sensor, _ = make_sensor(world.pudong, kind="water_ph")
    end = timezone.now().replace(microsecond=0)
    send(sensor, [9.0], end=end - timezone.timedelta(minutes=30))
    first = iot_warnings(sensor).get()
    officer = world.pudong.district_officer
    acknowledge(first, "已通知主体换水", actor=officer)
    close(first, "已换水，pH 恢复", actor=officer)
    send(sensor, [9.1], end=end)
    assert iot_warnings(sensor).count() == 2
    assert iot_warnings(sensor).exclude(pk=first.pk).get().status == "issued"


def test_the_warning_page_links_to_its_sensor(world, login):
    sensor, _ = make_sensor(world.pudong, kind="water_ph")
    send(sensor, [9.1])
    page = login(world.pudong.district_officer).get(
        f"/warnings/{iot_warnings(sensor).get().pk}/").content.decode()
    assert f'href="/iot/sensors/{sensor.pk}/"' in page

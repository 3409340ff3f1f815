"""Another district's sensor answers 404 everywhere — page, edit form, new key, chart JSON,
Excel, API — and stays out of lists, exports and the rejected messages."""

from io import BytesIO

import pytest
from openpyxl import load_workbook

from nongan.iot.ingest import Message, ingest

from .factories import make_sensor, minutes_ago, send


@pytest.fixture
def theirs(world):
    sensor, _ = make_sensor(world.chongming, kind="water_ph", code="CM-POND")
    send(sensor, [7.0, 7.2])
    ingest([Message("CM-POND", minutes_ago(1).isoformat(), 42.0),
            Message("NOBODY", minutes_ago(1).isoformat(), 7.0)], source="mqtt")
    return sensor


@pytest.mark.parametrize("role", ["district_officer", "town_officer", "grid_worker",
                                  "enforcement_officer", "producer"])
def test_another_districts_sensor_is_not_found_on_any_page(world, login, theirs, role):
    client = login(getattr(world.pudong, role))
    for path in (f"/iot/sensors/{theirs.pk}/", f"/iot/sensors/{theirs.pk}/edit/",
                 f"/iot/sensors/{theirs.pk}/readings.json",
                 f"/iot/sensors/{theirs.pk}/readings.xlsx?days=30"):
        assert client.get(path).status_code == 404, path
    assert client.post(f"/iot/sensors/{theirs.pk}/key/").status_code == 404
    assert client.post(f"/iot/sensors/{theirs.pk}/edit/", {"high": "9"}).status_code == 404


@pytest.mark.parametrize("role", ["district_officer", "town_officer", "producer"])
def test_another_districts_sensor_is_not_found_in_the_api(world, api, theirs, role):
    client = api(getattr(world.pudong, role))
    assert client.get(f"/sensors/{theirs.pk}").status_code == 404
    assert client.patch(f"/sensors/{theirs.pk}", {"high": 9}).status_code == 404
    assert client.post(f"/sensors/{theirs.pk}/key").status_code == 404
    assert client.get(f"/sensors/{theirs.pk}/readings").status_code == 404
    assert client.get(f"/sensors/{theirs.pk}/readings", format="xlsx").status_code == 404


def test_lists_and_exports_hold_only_the_callers_sensors(world, api, login, theirs):
    mine, _ = make_sensor(world.pudong, kind="water_ph", code="PD-POND")
    officer = api(world.pudong.district_officer)
    assert [s["code"] for s in officer.get("/sensors").json()["items"]] == ["PD-POND"]
    rows = list(load_workbook(BytesIO(officer.get("/sensors", format="xlsx").content))
                .active.iter_rows(values_only=True))
    assert [r[0] for r in rows[1:]] == ["PD-POND"]
    page = login(world.pudong.district_officer).get("/iot/sensors/")
    assert "PD-POND" in page.content.decode() and "CM-POND" not in page.content.decode()
    assert officer.get("/sensors", region=world.chongming.district).status_code == 404
    city = api(world.city_admin).get("/sensors").json()
    assert {s["code"] for s in city["items"]} == {"PD-POND", "CM-POND"}
    assert mine.pk in [s["id"] for s in api(world.pudong.producer).get("/sensors").json()["items"]]


def test_a_producer_sees_its_own_sensors_only(world, api, login, theirs):
    mine, _ = make_sensor(world.pudong, kind="storage_temp")
    producer = login(world.pudong.producer)
    assert producer.get(f"/iot/sensors/{mine.pk}/").status_code == 200
    assert producer.get(f"/iot/sensors/{mine.pk}/readings.json").status_code == 200
    assert producer.get(f"/iot/sensors/{mine.pk}/edit/").status_code == 403
    assert producer.get("/iot/rejected/").status_code == 403


def test_rejected_messages_are_read_by_the_city_and_by_the_sensors_district(world, login,
                                                                            api, theirs):
    city = login(world.city_admin).get("/iot/rejected/")
    assert city.context["total"] == 2
    chongming = login(world.chongming.district_officer).get("/iot/rejected/")
    assert chongming.context["total"] == 1
    assert [r.sensor_code for r in chongming.context["result"]["items"]] == ["CM-POND"]
    pudong = api(world.pudong.district_officer).get("/iot/rejected").json()
    assert pudong["count"] == 0 and pudong["by_reason"]["impossible_value"] == 0
    assert api(world.city_admin).get("/iot/rejected").json()["by_reason"] == {
        "malformed": 0, "unknown_sensor": 1, "impossible_value": 1, "clock_skew": 0,
        "inactive_sensor": 0}

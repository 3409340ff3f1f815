"""The sensor list (filters by region, kind and status, sorting, paging, Excel), one sensor
with its chart data and warnings, its readings in the API, and the producer page section."""

import datetime as dt
from io import BytesIO

from django.template import Context, Template
from django.test import RequestFactory
from django.utils import timezone
from openpyxl import load_workbook

from nongan.iot import queries
from nongan.iot.services import update_sensor
from nongan.risk.models import RiskWarning

from .factories import make_sensor, send


def scene(world):
    """Four sensors of Pudong, one per status."""
    now = timezone.now().replace(microsecond=0)
    normal, _ = make_sensor(world.pudong, kind="water_ph", code="A-NORMAL")
    send(normal, [7.0, 7.1])
    beyond, _ = make_sensor(world.pudong, kind="storage_temp", code="B-BEYOND")
    send(beyond, [6.5], every=5)
    silent, _ = make_sensor(world.pudong, kind="storage_temp", code="C-SILENT")
    send(silent, [2.0], end=now - dt.timedelta(hours=2))
    stopped, _ = make_sensor(world.pudong, kind="soil_ph", code="D-STOPPED")
    update_sensor(stopped, {"active": False}, actor=world.pudong.district_officer)
    return normal, beyond, silent, stopped


def codes(answer) -> list[str]:
    return [s["code"] for s in answer.json()["items"]]


def test_the_list_filters_by_status_kind_and_region_and_sorts(world, api):
    scene(world)
    client = api(world.pudong.district_officer)
    assert codes(client.get("/sensors", status="normal")) == ["A-NORMAL"]
    assert codes(client.get("/sensors", status="out_of_range")) == ["B-BEYOND"]
    assert codes(client.get("/sensors", status="offline")) == ["C-SILENT"]
    assert codes(client.get("/sensors", status="inactive")) == ["D-STOPPED"]
    assert codes(client.get("/sensors", kind="storage_temp")) == ["B-BEYOND", "C-SILENT"]
    assert codes(client.get("/sensors", region=world.pudong.town)) == [
        "A-NORMAL", "B-BEYOND", "C-SILENT", "D-STOPPED"]
    assert codes(client.get("/sensors", sort="-code", page_size=2)) == ["D-STOPPED", "C-SILENT"]
    second = client.get("/sensors", sort="-code", page_size=2, page=2).json()
    assert second["count"] == 4 and [s["code"] for s in second["items"]] == [
        "B-BEYOND", "A-NORMAL"]
    assert client.get("/sensors", status="broken").status_code == 422
    statuses = {s["code"]: s["status"] for s in client.get("/sensors").json()["items"]}
    assert statuses == {"A-NORMAL": "normal", "B-BEYOND": "out_of_range",
                        "C-SILENT": "offline", "D-STOPPED": "inactive"}


def test_the_list_page_filters_pages_and_exports(world, login):
    scene(world)
    client = login(world.pudong.town_officer)
    page = client.get("/iot/sensors/", {"status": "out_of_range"})
    assert page.status_code == 200
    assert [r["sensor"].code for r in page.context["rows"]] == ["B-BEYOND"]
    assert "超限" in page.content.decode()
    export = client.get("/iot/sensors/", {"format": "xlsx", "sort": "-last_reading_at"})
    rows = list(load_workbook(BytesIO(export.content)).active.iter_rows(values_only=True))
    assert rows[0][0] == "设备编号" and len(rows) == 5
    assert {r[13] for r in rows[1:]} == {"正常", "超限", "离线", "停用"}


def test_the_sensor_page_shows_its_warnings_and_chart(world, login):
    _, beyond, _, _ = scene(world)
    client = login(world.pudong.district_officer)
    page = client.get(f"/iot/sensors/{beyond.pk}/")
    html = page.content.decode()
    warning = RiskWarning.objects.get(key=f"iot:{beyond.code}:high")
    assert f"/warnings/{warning.pk}/" in html
    assert f"/iot/sensors/{beyond.pk}/readings.json?days=7" in html
    month = client.get(f"/iot/sensors/{beyond.pk}/", {"days": "30"}).content.decode()
    assert "readings.json?days=30" in month
    chart = client.get(f"/iot/sensors/{beyond.pk}/readings.json").json()
    assert (chart["low"], chart["high"], chart["unit"], chart["days"]) == (0, 4, "°C", 7)
    assert [p[1] for p in chart["points"]] == [6.5]


def test_a_long_series_is_thinned_for_the_chart_keeping_its_extremes(world, login):
    sensor, _ = make_sensor(world.pudong, kind="storage_temp")
    values = [2.0 + (i % 7) * 0.1 for i in range(3000)]
    values[1234] = 9.9
    send(sensor, values, every=1)
    chart = login(world.pudong.district_officer).get(
        f"/iot/sensors/{sensor.pk}/readings.json", {"days": "7"}).json()
    assert chart["thinned"] and len(chart["points"]) <= queries.CHART_POINTS + 2
    assert max(p[1] for p in chart["points"]) == 9.9
    times = [p[0] for p in chart["points"]]
    assert times == sorted(times)


def test_readings_in_the_api_are_paged_by_time_and_exported(world, api):
    sensor, _ = make_sensor(world.pudong, kind="water_ph")
    end = timezone.now().replace(microsecond=0)
    send(sensor, [7.0 + i / 100 for i in range(30)], every=60, end=end)
    client = api(world.pudong.district_officer)
    everything = client.get(f"/sensors/{sensor.pk}/readings", page_size=10).json()
    assert everything["count"] == 30 and everything["items"][0]["value"] == 7.0
    since = (end - dt.timedelta(hours=4)).isoformat()
    recent = client.get(f"/sensors/{sensor.pk}/readings", start=since).json()
    assert [r["value"] for r in recent["items"]] == [7.25, 7.26, 7.27, 7.28, 7.29]
    day = timezone.localdate(end).isoformat()
    assert client.get(f"/sensors/{sensor.pk}/readings", start="2020-01-01",
                      end=day).json()["count"] == 30
    assert client.get(f"/sensors/{sensor.pk}/readings", start="soon").status_code == 422
    book = load_workbook(BytesIO(client.get(f"/sensors/{sensor.pk}/readings",
                                            format="xlsx").content))
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[0] == ("设备编号", "监测项目", "测量时间", "读数", "单位", "接收时间")
    assert len(rows) == 31 and rows[1][0] == sensor.code and rows[1][3] == 7.0


def test_the_producer_page_section_shows_the_producers_sensors(world):
    sensor, _ = make_sensor(world.pudong, kind="dissolved_oxygen", name="1号鱼塘")
    make_sensor(world.chongming, kind="water_ph")
    request = RequestFactory().get("/")
    request.user = world.pudong.district_officer
    html = Template("{% load iot_tags %}{% sensor_charts producer %}").render(
        Context({"request": request, "producer": world.pudong.the_producer}))
    assert f'data-url="/iot/sensors/{sensor.pk}/readings.json?days=7"' in html
    assert "1号鱼塘" in html and "echarts.min.js" in html
    assert f"/iot/sensors/new/?producer={world.pudong.the_producer.pk}" in html
    request.user = world.chongming.district_officer
    hidden = Template("{% load iot_tags %}{% sensor_charts producer %}").render(
        Context({"request": request, "producer": world.pudong.the_producer}))
    assert sensor.code not in hidden

"""Registering a sensor (iot.manage): its key shown once and only its hash kept, the kind's
defaults, the checks named field by field, and the edits of thresholds and silence."""

import hashlib

from nongan.core.models import AuditEntry
from nongan.iot.models import Sensor

from .factories import make_sensor


def test_an_officer_registers_a_sensor_on_the_page_and_sees_its_key_once(world, login):
    client = login(world.pudong.town_officer)
    producer = world.pudong.the_producer
    form = client.get(f"/iot/sensors/new/?producer={producer.pk}")
    assert form.status_code == 200 and producer.name in form.content.decode()
    answer = client.post(f"/iot/sensors/new/?producer={producer.pk}", {
        "code": "PD-POND-01", "producer": str(producer.pk), "kind": "dissolved_oxygen",
        "plot": world.pudong.plot.plot_no, "name": "1号鱼塘"})
    assert answer.status_code == 201
    assert answer["Cache-Control"] == "no-store"
    key = answer.context["key"]
    assert key in answer.content.decode() and "nongan/iot/PD-POND-01" in answer.content.decode()
    sensor = Sensor.objects.get(code="PD-POND-01")
    assert sensor.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert (sensor.low, sensor.high, sensor.interval_minutes, sensor.silence_minutes) == (
        5, None, 10, 60)
    assert (sensor.district_id, sensor.village_id, sensor.plot) == (
        world.pudong.district, world.pudong.village, world.pudong.plot)
    assert key not in client.get(f"/iot/sensors/{sensor.pk}/").content.decode()
    entry = AuditEntry.objects.filter(action="sensor.register").latest("seq")
    assert entry.region_code == world.pudong.village and key not in str(entry.changes)


def test_the_register_form_names_each_problem(world, login):
    make_sensor(world.pudong, code="TAKEN")
    client = login(world.pudong.district_officer)
    answer = client.post("/iot/sensors/new/", {
        "code": "TAKEN", "producer": str(world.chongming.the_producer.pk), "kind": "water_ph"})
    assert answer.status_code == 422
    errors = answer.context["form"].errors
    assert errors["code"] == ["该设备编号已登记"]
    assert errors["producer"] == ["生产主体不存在或不在辖区内"]


def test_the_api_registers_a_sensor_with_201_and_its_key(world, api):
    client = api(world.pudong.district_officer)
    answer = client.post("/sensors", {"code": "PD_COLD-7", "producer":
                                      world.pudong.the_producer.pk, "kind": "storage_temp",
                                      "high": 5, "silence_minutes": 15})
    assert answer.status_code == 201
    body = answer.json()
    assert body["key"].startswith("nsk_") and body["status"] == "normal"
    assert (body["low"], body["high"], body["silence_minutes"]) == (0, 5, 15)
    assert "key" not in client.get(f"/sensors/{body['id']}").json()


def test_bad_fields_answer_422_naming_every_one(world, api):
    answer = api(world.pudong.district_officer).post("/sensors", {
        "code": "bad code!", "producer": world.pudong.the_producer.pk, "kind": "water_ph",
        "plot": world.chongming.plot.pk, "low": 9, "high": 7, "silence_minutes": 0})
    assert answer.status_code == 422
    fields = {tuple(d["loc"]) for d in answer.json()["detail"]}
    assert fields == {("body", "code"), ("body", "plot"), ("body", "high"),
                      ("body", "silence_minutes")}
    outside = api(world.pudong.district_officer).post("/sensors", {
        "code": "X1", "producer": world.pudong.the_producer.pk, "kind": "water_ph", "low": -1})
    assert outside.json()["detail"] == [{"loc": ["body", "low"], "msg": "应在物理范围 0–14 之内"}]
    assert api(world.pudong.district_officer).post(
        "/sensors", {"code": "X2", "producer": world.pudong.the_producer.pk,
                     "kind": "radiation"}).status_code == 422


def test_roles_that_may_not_register_get_403(world, api, login):
    body = {"code": "G1", "producer": world.pudong.the_producer.pk, "kind": "water_ph"}
    assert api(world.pudong.grid_worker).post("/sensors", body).status_code == 403
    assert api(world.pudong.producer).post("/sensors", body).status_code == 403
    assert login(world.pudong.enforcement_officer).get("/iot/sensors/new/").status_code == 403


def test_thresholds_silence_and_state_are_edited_and_audited(world, api, login):
    sensor, _ = make_sensor(world.pudong, kind="storage_temp")
    client = api(world.pudong.district_officer)
    answer = client.patch(f"/sensors/{sensor.pk}", {"low": None, "high": 6.5,
                                                    "silence_minutes": 45})
    assert answer.status_code == 200
    assert (answer.json()["low"], answer.json()["high"]) == (None, 6.5)
    entry = AuditEntry.objects.filter(action="sensor.update").latest("seq")
    assert entry.changes == {"before": {"low": "0.0", "high": "4.0", "silence_minutes": 30},
                             "after": {"low": None, "high": "6.5", "silence_minutes": 45}}
    bad = client.patch(f"/sensors/{sensor.pk}", {"high": "hot", "active": "yes", "code": "X"})
    assert {d["loc"][-1] for d in bad.json()["detail"]} == {"high", "active", "code"}
    page = login(world.pudong.town_officer).post(f"/iot/sensors/{sensor.pk}/edit/", {
        "low": "-1", "high": "3", "interval_minutes": "5", "silence_minutes": "2",
        "name": "冷库A"})
    assert page.status_code == 422
    assert page.context["form"].errors["silence_minutes"] == ["离线判定时长不应短于上报间隔"]
    ok = login(world.pudong.town_officer).post(f"/iot/sensors/{sensor.pk}/edit/", {
        "low": "-1", "high": "3", "interval_minutes": "5", "silence_minutes": "20",
        "name": "冷库A", "active": "on"})
    assert ok.status_code == 302
    sensor.refresh_from_db()
    assert (sensor.low, sensor.high, sensor.silence_minutes, sensor.name, sensor.active) == (
        -1, 3, 20, "冷库A", True)

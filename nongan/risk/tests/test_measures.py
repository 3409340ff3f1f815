"""Measures are created from the warning and linked to it: a targeted-sampling plan of kind
risk, inspections of named producers (on the to-do list of their grid and town until an
inspection is recorded), a spot check limited to the warning's area. Each puts the warning
in 处置中; the other apps' rules still hold (a town officer commissions no plan)."""

import datetime as dt

from django.utils import timezone

from nongan.enforcement.models import SpotCheck
from nongan.enforcement.tests.spot_check_factories import matter
from nongan.inspections.schedules import shanghai_today
from nongan.monitoring.models import MonitoringPlan
from nongan.regions.services import assign_grid_member, grid_for_village
from nongan.risk import todo
from nongan.risk.models import Measure
from nongan.testing import make_inspection, make_template

from .factories import a_warning


def _act(api, user, warning, measure):
    return api(user).post(f"/warnings/{warning.pk}/transitions", {"to": "acting",
                                                                  "measure": measure})


def test_targeted_sampling_is_a_risk_plan_for_the_warnings_district(world, api):
    warning = a_warning(world.pudong)
    warning.category, warning.pesticide = "蔬菜", "毒死蜱"
    warning.save()
    officer = world.pudong.district_officer

    missing = _act(api, officer, warning, {"kind": "sampling"})
    assert missing.status_code == 422
    assert ["body", "measure", "lab"] in [d["loc"] for d in missing.json()["detail"]]

    answer = _act(api, officer, warning, {"kind": "sampling", "lab": world.lab.org.pk,
                                          "count": 6})
    assert answer.status_code == 200 and answer.json()["status"] == "acting"
    plan = MonitoringPlan.objects.get(kind="risk")
    assert plan.analytes == ["毒死蜱"] and plan.lab == world.lab.org
    assert [(q.district_id, q.category, q.count) for q in plan.quotas.all()] == [
        (world.pudong.district, "蔬菜", 6)]
    assert f"风险预警#{warning.pk}" in plan.name
    assert answer.json()["measures"][0]["plan"] == plan.pk
    assert _act(api, world.pudong.town_officer, warning,
                {"kind": "sampling", "lab": world.lab.org.pk}).status_code == 403


def test_inspections_are_on_the_todo_list_until_done(world, api, login):
    producer = world.pudong.the_producer
    assign_grid_member(grid_for_village(producer.village), name="网格员", duty="网格监管",
                       user=world.pudong.grid_worker, actor=world.city_admin)
    warning = a_warning(world.pudong)
    answer = _act(api, world.pudong.town_officer, warning, {"kind": "inspection"})
    assert answer.status_code == 200
    measure = Measure.objects.get()
    assert list(measure.producers.all()) == [producer]
    assert measure.due_on == shanghai_today() + dt.timedelta(days=10)

    grid = world.pudong.grid_worker
    items = todo.items(grid)
    assert [(i["text"], i["label"]) for i in items] == [
        (f"风险预警 #{warning.pk} 巡查核查", producer.name)]
    assert producer.name in login(grid).get("/todo/").content.decode()
    assert todo.items(world.chongming.grid_worker) == []

    make_template()
    Measure.objects.update(created_at=timezone.now() - dt.timedelta(hours=1))  # taken earlier
    inspection = make_inspection(producer, actor=grid)
    assert todo.items(grid) == []
    shown = api(world.pudong.district_officer).get(f"/warnings/{warning.pk}").json()
    assert shown["measures"][0]["producers"] == [
        {"id": producer.pk, "name": producer.name, "inspection": inspection.pk}]
    assert shown["measures"][0]["done"] is True


def test_inspections_of_another_districts_producer_are_refused(world, api):
    warning = a_warning(world.pudong)
    answer = _act(api, world.pudong.district_officer, warning,
                  {"kind": "inspection", "producers": [world.chongming.the_producer.pk]})
    assert answer.status_code == 422
    assert answer.json()["detail"][0]["loc"] == ["body", "measure", "producers"]


def test_a_spot_check_is_planned_over_the_warnings_area(world, api):
    warning = a_warning(world.pudong)
    own = matter(region=world.pudong.district)
    answer = _act(api, world.pudong.enforcement_officer, warning,
                  {"kind": "spot_check", "matter": own.pk, "count": 1})
    assert answer.status_code == 200, answer.json()
    check = SpotCheck.objects.get()
    assert check.population["region"] == warning.town_id
    assert check.state == "planned" and f"风险预警#{warning.pk}" in check.title
    assert answer.json()["measures"][0]["spot_check"] == check.pk


def test_the_warnings_page_shows_its_measures_and_their_links(world, login):
    warning = a_warning(world.pudong)
    client = login(world.pudong.district_officer)
    page = client.post(f"/warnings/{warning.pk}/measures/", {
        "kind": "sampling", "sampling-lab": world.lab.org.pk, "sampling-analytes": "毒死蜱、啶虫脒",
        "sampling-count": "4"})
    assert page.status_code == 302
    plan = MonitoringPlan.objects.get(kind="risk")
    assert plan.analytes == ["毒死蜱", "啶虫脒"]
    detail = client.get(f"/warnings/{warning.pk}/").content.decode()
    assert f"/plans/{plan.pk}/" in detail and plan.name in detail

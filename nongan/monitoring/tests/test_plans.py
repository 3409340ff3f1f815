"""Monitoring plans (监测任务): who sets them, for where, and progress against quotas."""

import pytest

from nongan.core.errors import FieldErrors
from nongan.monitoring import queries, services
from nongan.testing import PLACES, make_plan, make_sample

from .helpers import small_standard


def test_a_district_plan_sets_quotas_only_for_its_district(world):
    with pytest.raises(FieldErrors) as exc:
        make_plan(actor=world.pudong.district_officer, lab=world.lab.org,
                  quotas=[{"district": PLACES["chongming"][0], "category": "蔬菜",
                           "count": 3}])
    assert exc.value.by_field()["quotas.0.district"] == "只能为本区下达任务量"
    plan = make_plan(actor=world.pudong.district_officer, lab=world.lab.org)
    assert plan.level == "district" and plan.region_id == PLACES["pudong"][0]


def test_bad_plans_name_every_field(world):
    with pytest.raises(FieldErrors) as exc:
        services.create_plan({"name": "", "kind": "x", "starts_on": None, "ends_on": None,
                              "analytes": [], "lab": None, "quotas": [
                                  {"district": "310115000000", "category": "", "count": 0}]},
                             actor=world.city_admin)
    assert set(exc.value.by_field()) >= {"name", "kind", "starts_on", "ends_on", "analytes",
                                         "lab", "quotas.0.category", "quotas.0.count"}


def test_progress_counts_samples_by_district_and_category(world):
    small_standard()
    plan = make_plan(actor=world.city_admin, lab=world.lab.org, quotas=[
        {"district": PLACES["pudong"][0], "category": "蔬菜", "count": 4},
        {"district": PLACES["chongming"][0], "category": "蔬菜", "count": 2}])
    for _ in range(3):
        make_sample(world.pudong.the_producer, actor=world.lab, plan=plan.pk)
    make_sample(world.chongming.the_producer, actor=world.lab, plan=plan.pk)
    city = {r["district"].code: r for r in queries.plan_progress(plan, world.city_admin)}
    assert (city[PLACES["pudong"][0]]["taken"], city[PLACES["chongming"][0]]["taken"]) == (3, 1)
    assert queries.progress_totals(city.values()) == {"quota": 6, "taken": 4,
                                                      "share": 4 / 6}
    district = queries.plan_progress(plan, world.pudong.district_officer)
    assert [r["district"].code for r in district] == [PLACES["pudong"][0]]


def test_a_district_plan_is_not_seen_by_another_district(world, api):
    plan = make_plan(actor=world.pudong.district_officer, lab=world.lab.org)
    city_plan = make_plan(actor=world.city_admin, lab=world.lab.org)
    assert api(world.chongming.district_officer).get(
        f"/monitoring-plans/{plan.pk}").status_code == 404
    assert api(world.chongming.town_officer).get(
        f"/monitoring-plans/{city_plan.pk}").status_code == 200
    assert api(world.pudong.town_officer).get(f"/monitoring-plans/{plan.pk}").status_code == 200
    assert api(world.lab2).get(f"/monitoring-plans/{plan.pk}").status_code == 404
    assert api(world.pudong.producer).get(f"/monitoring-plans/{plan.pk}").status_code == 404

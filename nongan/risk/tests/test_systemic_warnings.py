"""Systemic warnings: the same pesticide failing in the same product in two districts is an
orange city-wide warning, in three a red one; a banned pesticide detected anywhere is a red
warning for its district — from results recorded through the monitoring services, which
queue the recomputation of the district."""

import datetime as dt

from django_tasks_db.models import DBTaskResult

from nongan.regions.models import Region
from nongan.risk.models import RiskWarning
from nongan.risk.runner import run_all
from nongan.risk.tasks import run_after_results

from .factories import CITY, add_samples, judged_sample, producers, standard

TODAY = dt.date(2026, 6, 15)
DAY = dt.date(2026, 5, 20)


def _fail_in(world, village: str, n=1):
    producer = producers(village, 1)[0]
    add_samples(world, producer, DAY, [("啶虫脒", "over_limit")], n=n, product="豇豆")


def test_the_same_pesticide_failing_in_two_districts_is_one_city_warning(world):
    _fail_in(world, world.pudong.village, n=2)
    _fail_in(world, world.chongming.village)

    run_all(TODAY, replications=99)

    warning = RiskWarning.objects.get(kind="systemic")
    assert warning.region_id == CITY and warning.district_id is None
    assert (warning.product, warning.pesticide, warning.level) == ("豇豆", "啶虫脒", "orange")
    assert warning.figures["by_district"] == [[world.pudong.district, 2],
                                              [world.chongming.district, 1]]
    assert "2个区" in warning.explanation and "浦东新区2批" in warning.explanation
    assigned = set(warning.assignees.values_list("username", flat=True))
    assert {"city-admin", "pudong-district", "chongming-district"} <= assigned


def test_a_third_district_makes_it_red_and_updates_the_open_warning(world):
    _fail_in(world, world.pudong.village)
    _fail_in(world, world.chongming.village)
    run_all(TODAY, replications=99)
    third = Region.objects.filter(level="village", district_id="310117000000").first()
    _fail_in(world, third.code)

    run_all(TODAY, replications=99)

    warning = RiskWarning.objects.get(kind="systemic")
    assert warning.level == "red" and warning.detections == 2
    assert list(warning.events.values_list("kind", flat=True)) == ["issued", "updated"]


def test_one_district_alone_is_not_systemic(world):
    _fail_in(world, world.pudong.village, n=3)
    run_all(TODAY, replications=99)
    assert not RiskWarning.objects.filter(kind="systemic").exists()


def test_a_banned_pesticide_is_a_red_warning_for_its_district(
        world, django_capture_on_commit_callbacks):
    standard()
    with django_capture_on_commit_callbacks(execute=True):
        sample = judged_sample(world, world.pudong.the_producer,
                               [{"analyte": "毒死蜱", "value": "0.05"},
                                {"analyte": "啶虫脒", "value": None}])
    assert sample.verdict == "non_compliant"
    queued = DBTaskResult.objects.get(task_path="nongan.risk.tasks.run_after_results")
    assert queued.args_kwargs["args"] == [world.pudong.district,
                                          [world.pudong.the_producer.pk]]

    run_after_results.call(world.pudong.district, [world.pudong.the_producer.pk])

    warning = RiskWarning.objects.get(kind="systemic")
    assert (warning.level, warning.pesticide, warning.district_id) == (
        "red", "毒死蜱", world.pudong.district)
    assert sample.sample_no in warning.explanation
    assert list(warning.samples.all()) == [sample]
    assert warning.assignees.filter(pk=world.city_admin.pk).exists()
    assert warning.assignees.filter(pk=world.pudong.town_officer.pk).exists()


def test_results_recorded_together_queue_one_recomputation_per_district(
        world, django_capture_on_commit_callbacks):
    standard()
    other = producers(world.pudong.village2, 1)[0]
    with django_capture_on_commit_callbacks(execute=True):
        for producer in (world.pudong.the_producer, other):
            judged_sample(world, producer, [{"analyte": "啶虫脒", "value": "0.1"},
                                            {"analyte": "毒死蜱", "value": None}])
    queued = DBTaskResult.objects.get(task_path="nongan.risk.tasks.run_after_results")
    assert queued.args_kwargs["args"] == [world.pudong.district,
                                          sorted([world.pudong.the_producer.pk, other.pk])]

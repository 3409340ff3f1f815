"""Producer warnings by empirical Bayes: one failure in one sample flags nobody, four in six
does (yellow); repeated near misses (residues above half the limit) warn in blue before any
failure, assigned to the producer's grid person."""

import datetime as dt

from nongan.regions.services import assign_grid_member, grid_for_village
from nongan.risk.models import RiskWarning
from nongan.risk.runner import run_all

from .factories import add_samples, producers

TODAY = dt.date(2026, 6, 15)
DAY = dt.date(2026, 3, 10)
CLEAN = [("啶虫脒", "not_detected")]
FAILED = [("啶虫脒", "over_limit", "1.8", "1")]
NEAR = [("啶虫脒", "compliant", "0.8", "1")]
LOW = [("啶虫脒", "compliant", "0.2", "1")]


def _population(world, village, *, failing=4, near=0):
    """40 producers with 5 samples each; `failing` of them failed once, `near` others had
    one near miss."""
    for i, producer in enumerate(producers(village, 40)):
        special = FAILED if i < failing else NEAR if i < failing + near else LOW
        add_samples(world, producer, DAY, special)
        add_samples(world, producer, DAY, CLEAN, n=4)


def test_one_failure_in_one_sample_is_not_flagged_but_four_in_six_is(world):
    _population(world, world.pudong.village)
    once, often = producers(world.pudong.village2, 2)
    add_samples(world, once, DAY, FAILED)
    add_samples(world, often, DAY, FAILED, n=4)
    add_samples(world, often, DAY, CLEAN, n=2)

    run_all(TODAY, replications=99)

    flagged = RiskWarning.objects.filter(kind="producer")
    assert [(w.producer_id, w.level) for w in flagged] == [(often.pk, "yellow")]
    warning = flagged.get()
    assert warning.key == f"producer:{often.pk}:fail"
    assert (warning.figures["y"], warning.figures["n"]) == (4, 6)
    assert warning.figures["exceedance"] >= 0.95
    assert warning.region_id == often.town_id and warning.district_id == often.district_id
    assert "抽检6批，不合格4批" in warning.explanation
    assert warning.samples.count() == 4


def test_repeated_near_misses_warn_in_blue_before_a_failure(world):
    _population(world, world.pudong.village, near=3)
    producer = world.pudong.the_producer
    assign_grid_member(grid_for_village(producer.village), name="网格员", duty="网格监管",
                       user=world.pudong.grid_worker, actor=world.city_admin)
    add_samples(world, producer, DAY, NEAR, n=5)
    add_samples(world, producer, DAY, LOW)

    run_all(TODAY, replications=99)

    warning = RiskWarning.objects.get(kind="producer", producer=producer)
    assert (warning.level, warning.key) == ("blue", f"producer:{producer.pk}:near")
    assert (warning.figures["y"], warning.figures["n"]) == (5, 6)
    assert "临界" in warning.explanation and "尚未超标" in warning.explanation
    assert warning.samples.count() == 5
    assert warning.assignees.filter(pk=world.pudong.grid_worker.pk).exists()
    assert warning.assignees.filter(pk=world.pudong.town_officer.pk).exists()


def test_residues_in_micrograms_count_against_a_limit_in_milligrams(world):
    _population(world, world.pudong.village)
    producer = producers(world.pudong.village2, 1)[0]
    samples = add_samples(world, producer, DAY, [("啶虫脒", "compliant", "800", "1")], n=5)
    samples[0].results.update(unit="μg/kg")
    for s in samples[1:]:
        s.results.update(unit="μg/kg", value="300")

    run_all(TODAY, replications=99)

    assert not RiskWarning.objects.filter(kind="producer", producer=producer).exists()

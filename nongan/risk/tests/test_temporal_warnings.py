"""Temporal warnings from the records: a planted jump in a district's monthly series of one
pesticide makes one warning (not three: the city's series and the all-pesticides series
carry the same failing samples), a flat series nothing, and a short series is judged by
EARS."""

import datetime as dt

from nongan.risk.models import RiskWarning
from nongan.risk.runner import run_after_results, run_all

from .factories import monthly_series, producers

TODAY = dt.date(2026, 6, 15)
LAST = dt.date(2026, 5, 1)  # the latest complete month


def test_a_planted_jump_raises_one_warning_with_its_numbers(world, login):
    producer = producers(world.pudong.village, 1)[0]
    history = [0, 1, 0, 1, 1, 0, 1, 0, 0, 1, 1, 0] * 3 + [1, 0, 1, 0, 9]
    monthly_series(world, producer, history, last=LAST)

    run = run_all(TODAY, replications=99)

    warning = RiskWarning.objects.get(kind="temporal")
    assert (warning.region_id, warning.category, warning.pesticide) == (
        world.pudong.district, "蔬菜", "毒死蜱")
    assert warning.figures["method"] == "farrington"
    assert warning.figures["observed"] == 9 and warning.figures["tested"] == 20
    assert warning.figures["upper"] < 9
    assert "2026年5月" in warning.explanation and "不合格9批" in warning.explanation
    assert warning.samples.count() == 9
    assert warning.assignees.filter(pk=world.pudong.district_officer.pk).exists()
    assert not warning.assignees.filter(pk=world.chongming.district_officer.pk).exists()
    assert run["findings"] == {"temporal": 1}
    page = login(world.pudong.district_officer).get(f"/warnings/{warning.pk}/").content.decode()
    assert 'id="history-data"' in page and "2026-05" in page


def test_a_flat_series_raises_nothing(world):
    producer = producers(world.pudong.village, 1)[0]
    monthly_series(world, producer, [2] * 41, last=LAST)

    run = run_all(TODAY, replications=99)

    assert run["series_evaluated"] > 0
    assert not RiskWarning.objects.filter(kind="temporal").exists()


def test_a_short_series_is_judged_by_ears(world):
    producer = producers(world.chongming.village, 1)[0]
    monthly_series(world, producer, [0, 1, 0, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0, 8], last=LAST)

    run_all(TODAY, replications=99)

    warning = RiskWarning.objects.get(kind="temporal")
    assert warning.figures["method"] == "ears-c3"
    assert warning.region_id == world.chongming.district
    assert "EARS" in warning.explanation


def test_after_new_results_only_the_districts_series_are_recomputed(world):
    producer = producers(world.pudong.village, 1)[0]
    monthly_series(world, producer, [0, 1, 0, 1] * 9 + [1, 0, 1, 0, 9], last=LAST)

    assert run_after_results(world.chongming.district, [], TODAY)["findings"] == {}
    outcome = run_after_results(world.pudong.district, [], TODAY)

    assert outcome["findings"] == {"temporal": 1} and outcome["issued"] == 1
    assert RiskWarning.objects.get().region_id == world.pudong.district

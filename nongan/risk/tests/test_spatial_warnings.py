"""Spatial warnings: a planted cluster of failing towns is found by the scan over the city's
towns and becomes one warning naming its towns and their counts; evenly spread failures
raise none. Towns without a centroid are placed at their samples' mean position. Found in one category and over all products,
the same towns are one warning (the category's)."""

import datetime as dt

from nongan.regions.models import Region
from nongan.risk.models import RiskWarning
from nongan.risk.runner import run_all

from .factories import add_samples, producers

TODAY = dt.date(2026, 6, 15)
DAY = dt.date(2026, 5, 20)


def _towns(world, failures: list[int]):
    """Towns of Pudong on a west–east line 5 km apart, 20 samples each, `failures[i]` of
    them failing; the last two towns have no centroid, only positioned samples."""
    towns = list(Region.objects.filter(district_id=world.pudong.district, level="town",
                                       active=True).order_by("code")[:len(failures)])
    for i, (town, failed) in enumerate(zip(towns, failures, strict=True)):
        lon, lat = 121.50 + 0.05 * i, 31.20
        positioned = i >= len(failures) - 2
        if not positioned:
            Region.objects.filter(code=town.code).update(centroid_lon=lon, centroid_lat=lat)
        village = Region.objects.filter(town=town, level="village").first()
        producer = producers(village.code, 1)[0]
        where = {"lon": lon, "lat": lat} if positioned else {}
        add_samples(world, producer, DAY, [("毒死蜱", "over_limit")], n=failed, **where)
        add_samples(world, producer, DAY, [("毒死蜱", "not_detected")], n=20 - failed, **where)
    return towns


def test_a_planted_cluster_of_towns_is_found_with_its_members(world, login):
    towns = _towns(world, [8, 9, 8, 0, 1, 0, 0, 1, 0, 0])

    run_all(TODAY, replications=199)

    warning = RiskWarning.objects.get(kind="spatial")
    members = {m["town"]: m for m in warning.figures["members"]}
    assert set(members) == {t.code for t in towns[:3]}
    assert members[towns[1].code]["cases"] == 9 and members[towns[1].code]["total"] == 20
    assert warning.figures["p_value"] < 0.05
    assert warning.category == "蔬菜"  # the one category found: the same towns overall
    assert warning.region_id == world.pudong.district
    assert warning.level == "orange"  # p = 1/200 < 0.01
    assert warning.samples.count() == 25
    assert towns[0].name in warning.explanation and "p=" in warning.explanation
    assert warning.assignees.filter(pk=world.pudong.district_officer.pk).exists()
    page = login(world.pudong.district_officer).get(f"/warnings/{warning.pk}/").content.decode()
    assert 'class="map warning-map"' in page and towns[2].name in page


def test_evenly_spread_failures_raise_no_spatial_warning(world):
    _towns(world, [2, 2, 2, 2, 2, 2, 2, 2, 2, 2])

    run_all(TODAY, replications=199)

    assert not RiskWarning.objects.filter(kind="spatial").exists()

"""巡查频次达标率: the schedule's obligations of the windows that have ended."""

from nongan.producers.services import add_certification
from nongan.testing import make_producer

from .factories import LAST_YEAR, day, inspected, measure, moment


def test_quarterly_obligations_of_scale_producers(world):
    pudong = world.pudong
    visited = make_producer(pudong.village, name="巡查过的合作社")
    inspected(visited, pudong.grid_worker, moment(5, 12))
    make_producer(pudong.village, kind="grower", name="小农户", area_mu="3")  # owes nothing

    found = measure("inspection_frequency", pudong.district)

    # two scale producers × four quarters; one visit in Q2
    assert (found.numerator, found.denominator) == (1, 8)
    first = [m for m in found.misses if m.pk == str(pudong.the_producer.pk)]
    assert [m.reason for m in first] == [f"季度巡查（{LAST_YEAR}-Q{q}）应1次，实0次"
                                         for q in (1, 2, 3, 4)]
    assert first[0].url == f"/producers/{pudong.the_producer.pk}/"


def test_monthly_obligations_of_certified_producers(world):
    pudong = world.pudong
    grower = make_producer(pudong.village, kind="grower", name="绿色种植户", area_mu="3")
    add_certification(grower, {"kind": "gi", "cert_no": "AGI-TEST-1", "products": "青菜",
                               "valid_from": day(1, 1), "valid_to": day(12, 31)},
                      actor=world.city_admin)
    for month in range(1, 13):
        if month != 7:
            inspected(grower, pudong.grid_worker, moment(month, 15))

    found = measure("inspection_frequency", pudong.district, obligations=["monthly"])

    assert (found.numerator, found.denominator) == (11, 12)
    assert found.misses[0].reason == f"月度巡查（{LAST_YEAR}-07）应1次，实0次"


def test_an_open_window_costs_nothing_until_it_ends(world):
    pudong = world.pudong
    mid_may = day(5, 15)
    assert measure("inspection_frequency", pudong.district, today=day(3, 31)).denominator == 0
    found = measure("inspection_frequency", pudong.district, today=mid_may)
    assert (found.numerator, found.denominator) == (0, 1)  # Q1 only
    inspected(pudong.the_producer, pudong.grid_worker, moment(5, 2))
    found = measure("inspection_frequency", pudong.district, today=mid_may)
    assert (found.numerator, found.denominator) == (1, 2)  # Q2 met early counts

"""The misses an indicator counts in the database are read a page at a time: every page,
put together, is the whole list in its order — across the runs of misses of one indicator
(producers, then plots, then villages), across the producers read with the counts and
those read later, and across the indicators of the API's list."""

from nongan.assessment.measurement import Miss, Misses
from nongan.producers.models import Plot, Producer
from nongan.testing import make_plot, make_producer

from .factories import LAST_YEAR, measure

PUDONG = "310115000000"


def _pages(misses, size):
    pages = [misses.page(n, size) for n in range(1, misses.page(1, size)["pages"] + 1)]
    assert {p["count"] for p in pages} == {len(misses)}
    return [miss for p in pages for miss in p["items"]]


def test_runs_of_misses_are_sliced_across_their_bounds():
    made = [Miss(f"m{n}", "", "", "x", str(n)) for n in range(9)]
    misses = Misses()
    misses.append(made[0])
    misses.stored(5, lambda offset, limit: made[1:6][offset:None if limit is None
                                                      else offset + limit])
    misses.stored(0, None)  # nothing missed: no run
    misses.append(made[6])
    misses.append(made[7])
    misses.stored(1, lambda offset, limit: made[8:9][offset:])
    assert len(misses) == 9 and list(misses) == made
    assert [misses[n] for n in range(9)] == made and misses[-1] == made[8]
    for start in range(10):
        for stop in range(start, 11):
            assert misses[start:stop] == made[start:stop]
    assert _pages(misses, 4) == made


def test_the_first_slice_reads_every_run_ahead_and_later_ones_only_past_it():
    made = [Miss(f"m{n}", "", "", "x", str(n)) for n in range(5)]
    asked = []

    def fetch(offset, limit):
        asked.append((offset, limit))
        return made[offset:None if limit is None else offset + limit]

    misses = Misses(ahead=3)
    misses.stored(5, fetch)
    assert len(misses) == 5 and asked == []  # counted, not read
    assert misses[0:3] == made[:3] and misses[1] == made[1] and asked == [(0, 3)]
    assert misses[2:5] == made[2:] and asked == [(0, 3), (2, 3)]


def test_producers_plots_and_villages_outside_grids_page_in_order(world):
    pudong = world.pudong
    outside = [make_producer(pudong.village2, name=f"网格外{n:02d}") for n in range(23)]
    plots = [make_plot(p) for p in outside[:17]]
    Producer.objects.filter(pk__in=[p.pk for p in outside]).update(grid=None)
    Plot.objects.filter(pk__in=[p.pk for p in plots]).update(grid=None)

    found = measure("grid_coverage", pudong.district)

    whole = list(found.misses)
    assert [(m.model, m.pk) for m in whole] == (
        [("producers.producer", str(p.pk)) for p in outside]
        + [("producers.plot", str(p.pk)) for p in plots]
        + [("regions.region", v) for v in sorted({pudong.village, pudong.village2})])
    assert whole[23].label == f"{plots[0].plot_no}（{outside[0].name}）"
    assert whole[23].url == f"/plots/{plots[0].pk}/"
    assert len(found.misses) == found.denominator - found.numerator == 42
    assert _pages(found.misses, 20) == _pages(found.misses, 7) == whole


def test_producers_behind_their_inspections_page_past_those_read_first(world):
    pudong = world.pudong
    for n in range(54):
        make_producer(pudong.village, name=f"未巡查{n:02d}")

    found = measure("inspection_frequency", pudong.district)

    # 55 scale producers, four quarters each, none visited: more producers than are read
    # with the counts, so the last pages read the statuses again.
    producers = sorted(Producer.objects.filter(district=PUDONG), key=lambda p: (p.name, p.pk))
    expected = [(str(p.pk), f"季度巡查（{LAST_YEAR}-Q{q}）应1次，实0次")
                for p in producers for q in (1, 2, 3, 4)]
    assert len(found.misses) == len(expected) == 220
    assert [(m.pk, m.reason) for m in found.misses] == expected
    assert [(m.pk, m.reason) for m in _pages(found.misses, 20)] == expected
    assert [(m.pk, m.reason) for m in found.misses[205:215]] == expected[205:215]


def test_the_api_pages_the_misses_of_every_indicator_as_the_export_lists_them(world, api):
    pudong = world.pudong
    for n in range(6):
        make_producer(pudong.village2, name=f"缺电话{n}")
    Producer.objects.filter(district=PUDONG).update(phone="", grid=None)
    client = api(pudong.district_officer)

    whole = client.get("/assessment/misses", year=LAST_YEAR, page_size=200).json()
    paged = [client.get("/assessment/misses", year=LAST_YEAR, page_size=5, page=n).json()
             for n in range(1, -(-whole["count"] // 5) + 1)]

    assert whole["count"] > 15 and {p["count"] for p in paged} == {whole["count"]}
    assert [item for p in paged for item in p["items"]] == whole["items"]
    indicators = [item["indicator"] for item in whole["items"]]
    assert indicators[:8] == ["register_complete"] * 7 + ["grid_coverage"]

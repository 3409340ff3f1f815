"""The dashboard counts the register and its coverage in one grouped pass per table
(`figures.register.census`); for the city, a district and a town it says what the register
and coverage pages count one query at a time (`regions.queries`), gaps included."""

import pytest
from django.http import QueryDict

from nongan.analysis.figures import register
from nongan.analysis.scope import parse
from nongan.producers.models import Plot, Producer
from nongan.regions import queries as rq
from nongan.regions.models import Grid


def scope_of(user, code: str):
    return parse(user, QueryDict(f"region={code}"))


def by_hand(user, region) -> dict:
    """The figures as the register and coverage pages count them."""
    counts = rq.summary(user, region)
    villages = register.villages_with_producers(user, region).count()
    uncovered = register.uncovered_villages(user, region).count()
    manned = register.manned_grids(user, region).values("pk")
    return counts | {
        "plots_area_mu": float(sum(p.area_mu for p in rq.plots(user, region))),
        "kinds": rq.counts_by(rq.producers(user, region), "kind"),
        "villages": villages, "villages_uncovered": uncovered,
        "producers_in_manned_grid": rq.producers(user, region).filter(grid__in=manned).count(),
        "areas": [(r["region"].code, r["producers_total"], r["plots_total"], r["grids_total"],
                   r["producers"], r["plots"], r["grids"])
                  for r in rq.gaps_by_area(user, region)]}


def by_census(scope) -> dict:
    found = register.census(scope)
    figures, coverage = register.register(found), register.coverage(found)
    return {key: figures[key] for key in ("producers", "scale", "certified", "plots",
                                          "plots_area_mu")} | {
        key: coverage[key] for key in ("grids", "grids_without_person",
                                       "producers_without_grid", "plots_without_grid",
                                       "villages", "villages_uncovered",
                                       "producers_in_manned_grid")} | {
        "kinds": {k["kind"]: k["count"] for k in figures["by_kind"] if k["count"]},
        "areas": [(a["code"], a["producers"], a["plots"], a["grids"],
                   a["producers_without_grid"], a["plots_without_grid"],
                   a["grids_without_person"]) for a in register.areas(found)]}


@pytest.mark.parametrize("level", ["city", "district", "town"])
def test_one_pass_counts_what_the_register_pages_count(world, made, level):
    pudong = world.pudong
    # Gaps of every kind: a producer and a plot with no grid, a closed grid.
    Producer.objects.filter(pk=made.grower.pk).update(grid=None)
    Plot.objects.filter(pk=made.plots[0].pk).update(grid=None)
    Grid.objects.filter(village=world.chongming.village).update(active=False)
    code = {"city": "310000000000", "district": pudong.district, "town": pudong.town}[level]
    scope = scope_of(world.city_admin, code)
    expected = by_hand(world.city_admin, scope.region)
    assert expected["producers_without_grid"] and expected["plots_without_grid"]
    assert by_census(scope) == {key: expected[key] for key in by_census(scope)}


def test_new_registrations_are_those_of_the_period(world, made):
    scope = scope_of(world.pudong.district_officer, world.pudong.district)
    found = register.register(register.census(scope))
    producers = rq.producers(scope.user, scope.region)
    plots = rq.plots(scope.user, scope.region)
    assert (found["new_producers"], found["new_plots"]) == (
        register.registered_in(producers, scope).count(),
        register.registered_in(plots, scope).count())
    past = parse(scope.user, QueryDict(f"region={scope.region.code}&from=2021-01-01"
                                       "&to=2021-12-31"))
    assert register.register(register.census(past))["new_producers"] == 0

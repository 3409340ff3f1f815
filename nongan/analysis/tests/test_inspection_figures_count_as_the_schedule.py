"""The dashboard counts inspection obligations in the database (`figures.inspections.tally`);
for the city, a district and a town, over this year and over two, it says what the rows of
the schedule (`schedules.schedule_between`, the record list's rows) say: per status, per
obligation and per area, with the producers behind."""

import datetime as dt
from collections import Counter

import pytest
from django.http import QueryDict

from nongan.analysis.figures import inspections
from nongan.analysis.scope import parse
from nongan.inspections.defaults import load_defaults
from nongan.inspections.models import ChecklistTemplate
from nongan.inspections.schedules import SHANGHAI, STATUSES, shanghai_today, summarise
from nongan.inspections.tests.test_schedules import certify, scale, small, visit
from nongan.producers.models import Producer
from nongan.testing import make_producer


def at(day: dt.date, hour=10) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=SHANGHAI)


@pytest.fixture
def owed(world):
    """Producers owing every kind of obligation, some visited, in two districts."""
    load_defaults()
    kinds = {t.kind: t for t in ChecklistTemplate.objects.filter(active=True)}
    pudong, admin = world.pudong, world.city_admin
    today = shanghai_today()
    last_year = dt.date(today.year - 1, 3, 15)
    worker = pudong.grid_worker

    def producer(name, village=pudong.village, **fields):
        return make_producer(village, actor=admin, name=name, **fields)

    big = scale(producer("浦东规模"))
    visit(big, kinds["daily"], at(today.replace(month=1, day=20)), worker)
    visit(big, kinds["daily"], at(last_year), worker)
    green = small(producer("浦东绿色", kind="grower", area_mu="3"))
    certify(green, valid_from=dt.date(today.year - 1, 6, 1))
    visit(green, kinds["daily"], at(today.replace(day=1)), worker)
    both = scale(producer("浦东绿色有机", village=pudong.village2))
    certify(both, "green")
    certify(both, "organic")
    visit(both, kinds["organic_annual"], at(today.replace(month=1, day=5)), worker)
    for grade, name in (("C", "浦东信用C"), ("D", "浦东信用D")):
        graded = small(producer(name, village=pudong.village2, kind="grower", area_mu="2"))
        Producer.objects.filter(pk=graded.pk).update(credit_grade=grade)
    Producer.objects.filter(pk=both.pk).update(grid=None)
    far = small(producer("崇明有机", village=world.chongming.village, kind="grower",
                         area_mu="2"))
    certify(far, "organic", valid_from=dt.date(today.year - 1, 1, 1))


def from_rows(scope) -> dict:
    """The figure as the schedule's rows give it."""
    rows = inspections.obligations(scope)
    statuses = Counter(r["status"] for r in rows)
    kinds = Counter((r["obligation"], r["status"]) for r in rows)
    areas = summarise(rows, by=inspections.SUMMARY_BY[scope.region.level])
    return {"statuses": {s: statuses[s] for s in STATUSES}, "total": len(rows),
            "kinds": {k: {s: kinds[k, s] for s in STATUSES}
                      for k in {r["obligation"] for r in rows}},
            "areas": [{k: a[k] for k in ("area", "name", "due", "done", "overdue", "total",
                                         "producers_behind")} for a in areas]}


def from_figure(scope) -> dict:
    found = inspections.inspections(scope)
    return {"statuses": {s: found[s] for s in STATUSES}, "total": found["total"],
            "kinds": {k["obligation"]: {s: k[s] for s in STATUSES}
                      for k in found["by_obligation"]},
            "areas": [{k: a[k] for k in ("area", "name", "due", "done", "overdue", "total",
                                         "producers_behind")} for a in found["areas"]]}


@pytest.mark.parametrize("years", [1, 2])
@pytest.mark.parametrize("level", ["city", "district", "town"])
def test_the_figure_counts_what_the_schedule_rows_say(world, owed, level, years):
    today = shanghai_today()
    code = {"city": "310000000000", "district": world.pudong.district,
            "town": world.pudong.town}[level]
    start = dt.date(today.year - years + 1, 1, 1)
    scope = parse(world.city_admin, QueryDict(f"region={code}&from={start}&to={today}"))
    expected = from_rows(scope)
    assert expected["total"] and expected["statuses"]["done"]
    assert from_figure(scope) == expected


def test_nothing_owed_counts_nothing(world):
    scope = parse(world.city_admin, QueryDict("from=2021-01-01&to=2021-12-31"))
    small(world.pudong.the_producer)
    small(world.chongming.the_producer)
    found = inspections.inspections(scope)
    assert (found["total"], found["done_rate"], found["areas"], found["by_obligation"]) == (
        0, None, [], [])

"""The 巡查频次 records (`/analysis/records/obligations/`) read one page at a time from the
database (`Standing.owed`) and say what the schedule's rows (`inspections.obligations`,
filtered and sorted in Python) say: the same rows — of each status, of an obligation, of a
grid or of none — in the same order for each sort either way round, page after page, and
all of them in the export."""

import datetime as dt
from io import BytesIO

import pytest
from openpyxl import load_workbook

from nongan.analysis.figures import inspections
from nongan.analysis.records import FIGURES
from nongan.analysis.scope import parse
from nongan.analysis.tables import plain
from nongan.inspections.defaults import load_defaults
from nongan.inspections.models import ChecklistTemplate
from nongan.inspections.schedules import SHANGHAI, STATUS_ORDER, shanghai_today
from nongan.inspections.tests.test_schedules import certify, scale, small, visit
from nongan.producers.models import Producer
from nongan.testing import make_producer

PATH = "/analysis/records/obligations/"
# The sorts as the list sorted the rows in Python (stable: ties keep the rows' order).
KEYS = {"status": lambda r: STATUS_ORDER[r["status"]],
        "producer": lambda r: r["producer"].name, "window": lambda r: r["window"]}
SORTS = ["", *KEYS, *(f"-{key}" for key in KEYS)]


def at(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(10), tzinfo=SHANGHAI)


@pytest.fixture
def period(world) -> dict:
    """Since last New Year (whose windows are all past) in 浦东: scale producers of one
    name, visited and not, a certified grower, a producer of two certificates and no grid,
    a D-grade one; the world's own cooperative besides."""
    load_defaults()
    templates = {t.kind: t for t in ChecklistTemplate.objects.filter(active=True)}
    side, admin, worker = world.pudong, world.city_admin, world.pudong.grid_worker
    today = shanghai_today()
    first = dt.date(today.year - 1, 1, 1)
    until = today + dt.timedelta(days=730)

    def producer(name, village=side.village, **fields):
        return make_producer(village, actor=admin, name=name, **fields)

    visited = scale(producer("浦东甲"))
    visit(visited, templates["daily"], at(dt.date(today.year - 1, 3, 15)), worker)
    visit(visited, templates["daily"], at(today.replace(day=1)), worker)
    scale(producer("浦东甲", village=side.village2))
    grower = small(producer("浦东乙", kind="grower", area_mu="3"))
    certify(grower, valid_from=dt.date(today.year - 1, 6, 1), valid_to=until)
    visit(grower, templates["daily"], at(today.replace(day=1)), worker)
    both = scale(producer("浦东丙", village=side.village2))
    certify(both, "green", valid_from=first, valid_to=until)
    certify(both, "organic", valid_from=first, valid_to=until)
    visit(both, templates["organic_annual"], at(today.replace(month=1, day=5)), worker)
    Producer.objects.filter(pk=both.pk).update(grid=None)
    graded = small(producer("浦东丁", village=side.village2, kind="grower", area_mu="2"))
    Producer.objects.filter(pk=graded.pk).update(credit_grade="D")
    return {"region": side.district, "from": first.isoformat(), "to": today.isoformat()}


def expected(world, query: dict) -> list[dict]:
    """The rows as the list gave them before: every row in Python, filtered and sorted."""
    scope = parse(world.pudong.district_officer, query)
    sort = query.get("sort") or "-status"
    grid = query.get("grid", "")
    rows = [r for r in inspections.obligations(scope)
            if r["status"] == query.get("status", r["status"])
            and r["obligation"] == query.get("obligation", r["obligation"])
            and (not grid or str(r["producer"].grid_id or "none") == grid)]
    return sorted(rows, key=KEYS[sort.lstrip("-")], reverse=sort.startswith("-"))


def facts(rows) -> list[tuple]:
    return [(r["producer"].pk, r["obligation"], r["window"], r["certification"],
             r["required"], r["done"], r["status"]) for r in rows]


def listed(page, query: dict, size: int) -> list[dict]:
    """Every row of the list, read page by page; each page knows the whole count."""
    rows, number = [], 1
    while True:
        result = page.get(PATH, query | {"page": number, "page_size": size}).context["result"]
        rows += result["items"]
        if not result["has_next"]:
            break
        number += 1
    assert result["count"] == len(rows)
    beyond = page.get(PATH, query | {"page": number + 1, "page_size": size}).context["result"]
    assert (beyond["items"], beyond["count"]) == ([], len(rows))
    return rows


FILTERS = [{}, {"status": "done"}, {"status": "due"}, {"status": "overdue"},
           {"obligation": "monthly"}, {"obligation": "annual"}, {"grid": "none"},
           {"grid": "mine"}, {"grid": "mine", "status": "overdue"}]


@pytest.mark.parametrize("filters", FILTERS, ids=lambda f: "&".join(
    f"{k}={v}" for k, v in f.items()) or "all")
def test_each_sort_pages_the_rows_the_schedule_gives(world, period, login, filters):
    page = login(world.pudong.district_officer)
    if filters.get("grid") == "mine":
        filters = filters | {"grid": str(world.pudong.the_producer.grid_id)}
    for sort in SORTS:
        query = period | filters | ({"sort": sort} if sort else {})
        rows = expected(world, query)
        assert rows, query
        assert facts(listed(page, query, size=4)) == facts(rows), query


def test_the_rows_hold_every_status_and_ties_of_name(world, period):
    rows = expected(world, period)
    assert {r["status"] for r in rows} == set(STATUS_ORDER)
    twins = {r["producer"].pk for r in rows if r["producer"].name == "浦东甲"}
    assert len(twins) == 2


def test_the_export_holds_every_row_in_the_lists_order(world, period, login):
    page = login(world.pudong.district_officer)
    query = period | {"sort": "-window"}
    response = page.get(PATH, query | {"format": "xlsx"})
    sheet = load_workbook(BytesIO(response.content)).active.iter_rows(values_only=True)
    next(sheet)
    row = FIGURES["obligations"].row
    # An empty cell (no grid) reads back as None.
    assert [["" if cell is None else cell for cell in cells] for cells in sheet] == [
        list(plain(row(r))) for r in expected(world, query)]

"""Signing rates by district, town and grid on a seeded city campaign: 10 letters (an inactive
producer gets none), signatures on time, late and changed, counted at any date — on the
campaign page, in the API and in the Excel export."""

import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from nongan.commitments import queries
from nongan.testing import make_plot, make_producer

from .factories import city_campaign, sign, this_year

GAOQIAO_VILLAGE = "310115104002"  # 高桥镇, a second town of Pudong


@pytest.fixture
def seeded(world):
    """Pudong: 川沙新镇 village 201 (4 producers), village 202 (2), 高桥镇 (2); Chongming (2).
    Last year's campaign (deadline 31 March, passed)."""
    p, c = world.pudong, world.chongming
    admin = world.city_admin
    v201 = [p.the_producer] + [make_producer(p.village, actor=admin) for _ in range(3)]
    v202 = [make_producer(p.village2, actor=admin) for _ in range(2)]
    gaoqiao = [make_producer(GAOQIAO_VILLAGE, actor=admin) for _ in range(2)]
    chongming = [c.the_producer, make_producer(c.village, actor=admin)]
    gone = make_producer(p.village, actor=admin)  # struck off the register: no letter
    gone.active = False
    gone.save(update_fields=["active"])
    for producer in v201 + v202 + gaoqiao + chongming:
        if not producer.plots.exists():
            make_plot(producer, actor=admin)
    year = this_year() - 1
    campaign = city_campaign(admin, year=year)
    deadline = campaign.deadline
    on_time, late = deadline - dt.timedelta(days=10), deadline + dt.timedelta(days=5)
    officer = p.district_officer
    sign(officer, v201[0], signed_on=on_time, year=year)
    first = sign(officer, v201[1], signed_on=on_time, year=year)
    sign(officer, v201[2], signed_on=late, year=year)
    # a change is a new version of the same commitment, not a second signature
    sign(officer, v201[1], signed_on=late, year=year, supersedes=first.pk, reason="面积调整",
         area_mu="30")
    sign(officer, gaoqiao[0], signed_on=on_time, year=year)
    for producer in chongming:
        sign(c.district_officer, producer, signed_on=on_time, year=year)
    return campaign


def table(rows):
    return {r["code"]: (r["letters"], r["signed"], r["on_time"], r["rate"]) for r in rows}


def test_rates_by_district_town_and_grid(world, seeded):
    admin = world.city_admin
    assert table(queries.signing_rates(seeded, admin, "district")) == {
        "310115000000": (8, 4, 3, 50.0), "310151000000": (2, 2, 2, 100.0)}
    assert table(queries.signing_rates(seeded, admin, "town")) == {
        "310115103000": (6, 3, 2, 50.0), "310115104000": (2, 1, 1, 50.0),
        "310151101000": (2, 2, 2, 100.0)}
    assert table(queries.signing_rates(seeded, admin, "grid")) == {
        "G310115103201": (4, 3, 2, 75.0), "G310115103202": (2, 0, 0, 0.0),
        "G310115104002": (2, 1, 1, 50.0), "G310151101201": (2, 2, 2, 100.0)}


def test_rates_at_an_earlier_date_count_what_was_signed_by_then(world, seeded):
    rows = queries.signing_rates(seeded, world.city_admin, "district", as_of=seeded.deadline)
    assert table(rows) == {"310115000000": (8, 3, 3, 37.5), "310151000000": (2, 2, 2, 100.0)}
    before = seeded.deadline - dt.timedelta(days=30)
    assert queries.totals(queries.signing_rates(seeded, world.city_admin, "town", before)) == {
        "letters": 10, "signed": 0, "on_time": 0, "unsigned": 10, "rate": 0.0}


def test_each_officer_counts_its_own_area(world, seeded):
    town = queries.signing_rates(seeded, world.pudong.town_officer, "town")
    assert table(town) == {"310115103000": (6, 3, 2, 50.0)}
    grid = queries.signing_rates(seeded, world.pudong.grid_worker, "grid")
    assert table(grid) == {"G310115103201": (4, 3, 2, 75.0)}
    assert table(queries.signing_rates(seeded, world.chongming.district_officer, "district")) \
        == {"310151000000": (2, 2, 2, 100.0)}


def test_the_api_answers_the_rates_at_every_level(world, api, seeded):
    found = api(world.city_admin).get(f"/commitment-campaigns/{seeded.pk}").json()
    assert found["totals"] == {"letters": 10, "signed": 6, "on_time": 5, "unsigned": 4,
                               "rate": 60.0}
    assert table(found["rates"]["grid"])["G310115103202"] == (2, 0, 0, 0.0)
    assert table(found["rates"]["town"])["310115104000"] == (2, 1, 1, 50.0)
    earlier = api(world.city_admin).get(f"/commitment-campaigns/{seeded.pk}",
                                        as_of=seeded.deadline.isoformat()).json()
    assert earlier["totals"]["signed"] == 5
    mine = api(world.pudong.district_officer).get(f"/commitment-campaigns/{seeded.pk}").json()
    assert mine["totals"]["letters"] == 8 and len(mine["rates"]["district"]) == 1


def test_the_unsigned_producers_are_listed(world, api, login, seeded):
    unsigned = api(world.pudong.district_officer).get(
        f"/commitment-campaigns/{seeded.pk}/unsigned").json()
    assert unsigned["count"] == 4
    page = login(world.pudong.district_officer).get(f"/commitments/campaigns/{seeded.pk}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "未签订的生产主体" in text and "75.0%" in text and "50.0%" in text


def test_the_rates_export_to_excel(world, login, seeded):
    response = login(world.city_admin).get(f"/commitments/campaigns/{seeded.pk}/",
                                           {"format": "xlsx"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[0][0] == "层级"
    assert ["网格", "G310115103201"] == rows[[r[1] for r in rows].index("G310115103201")][:2]
    district = next(r for r in rows if r[1] == "310115000000")
    assert district[3:] == [8, 4, 3, 4, 50]

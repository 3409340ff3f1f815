"""A bad region code, date, `by` or `top` answers 422 naming each field (the page shows the
message beside the field); never a 500."""

import pytest


def fields(response) -> set[str]:
    assert response.status_code == 422, response.content
    return {d["loc"][-1] for d in response.json()["detail"]}


@pytest.mark.parametrize("params, named", [
    ({"region": "abc"}, {"region"}),
    ({"region": "3101150000001"}, {"region"}),
    ({"from": "2026-13-01"}, {"from"}),
    ({"to": "yesterday", "from": "x"}, {"from", "to"}),
    ({"from": "2026-05-01", "to": "2026-04-30"}, {"to"}),
    ({"from": "2019-01-01", "to": "2026-12-31"}, {"from"}),
    ({"region": "abc", "from": "2026-05-01", "to": "2026-04-30"}, {"region", "to"}),
])
def test_the_overview_names_the_bad_field(world, api, params, named):
    assert fields(api(world.city_admin).get("/stats/overview", **params)) == named


def test_series_name_a_bad_by_and_top_with_a_bad_date(world, api):
    city = api(world.city_admin)
    assert fields(city.get("/stats/samples", by="week", top="0", to="2026-02-30")) == {
        "by", "top", "to"}
    assert fields(city.get("/stats/samples", by="product", top="x")) == {"top"}
    assert city.get("/stats/samples", by="product", top="50").status_code == 200


def test_a_village_is_below_what_the_dashboard_breaks_down(world, api):
    response = api(world.city_admin).get("/stats/overview", region=world.pudong.village)
    assert fields(response) == {"region"}


def test_an_unknown_region_is_not_found(world, api):
    assert api(world.city_admin).get("/stats/overview",
                                     region="310199999999").status_code == 404


def test_the_page_shows_the_message_beside_the_field(world, login):
    page = login(world.pudong.district_officer)
    response = page.get("/analysis/", {"from": "2026-05-01", "to": "2026-04-01"})
    assert response.status_code == 422
    assert "截止日期不能早于起始日期" in response.content.decode()
    assert page.get("/analysis/", {"format": "xlsx", "table": "nope"}).status_code == 404


def test_a_drill_down_names_a_bad_filter(world, login):
    page = login(world.pudong.district_officer)
    for path, params in (("/analysis/records/samples/", {"verdict": "bad"}),
                         ("/analysis/records/obligations/", {"status": "late"}),
                         ("/analysis/records/obligations/", {"grid": "x"}),
                         ("/analysis/records/letters/", {"status": "maybe"}),
                         ("/analysis/records/producers/", {"new": "yes"}),
                         ("/analysis/records/warnings/", {"level": "purple"})):
        response = page.get(path, params)
        assert response.status_code == 422, path
        assert "取值无效" in response.content.decode() or "网格不存在" in (
            response.content.decode())

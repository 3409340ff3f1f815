"""A district officer sees its district's warnings and the city-wide ones, never another
district's — in the list page, the detail page, the API list and detail, and the Excel
export; laboratories and producers see no warning at all."""

from io import BytesIO

import pytest
from openpyxl import load_workbook

from .factories import a_warning


@pytest.fixture
def warnings(world):
    return {"own": a_warning(world.pudong), "other": a_warning(world.chongming),
            "city": a_warning(world.pudong, city=True, kind="systemic")}


def test_lists_hold_the_own_district_and_the_city(world, api, login, warnings):
    officer = world.pudong.district_officer
    expected = {warnings["own"].pk, warnings["city"].pk}
    listed = api(officer).get("/warnings").json()
    assert {w["id"] for w in listed["items"]} == expected and listed["count"] == 2
    page = login(officer).get("/warnings/").content.decode()
    assert f'href="/warnings/{warnings["own"].pk}/"' in page
    assert f'href="/warnings/{warnings["other"].pk}/"' not in page
    export = api(officer).get("/warnings", format="xlsx")
    rows = list(load_workbook(BytesIO(export.content)).active.iter_rows(values_only=True))
    assert {r[0] for r in rows[1:]} == expected


def test_details_of_another_district_are_not_found(world, api, login, warnings):
    for role in ("district_officer", "town_officer", "grid_worker", "enforcement_officer"):
        user = getattr(world.pudong, role)
        assert api(user).get(f"/warnings/{warnings['other'].pk}").status_code == 404
        assert login(user).get(f"/warnings/{warnings['other'].pk}/").status_code == 404
        assert login(user).get(f"/warnings/{warnings['own'].pk}/").status_code == 200
    city = api(world.chongming.district_officer).get(f"/warnings/{warnings['city'].pk}")
    assert city.status_code == 200


def test_the_city_sees_every_warning_and_filters_by_region(world, api, warnings):
    admin = api(world.city_admin)
    assert admin.get("/warnings").json()["count"] == 3
    chongming = admin.get("/warnings", region=world.chongming.district).json()["items"]
    assert [w["id"] for w in chongming] == [warnings["other"].pk]
    assert api(world.pudong.district_officer).get(
        "/warnings", region=world.chongming.district).status_code == 404


@pytest.mark.parametrize("who", ["lab", "producer"])
def test_labs_and_producers_see_no_warnings(world, api, warnings, who):
    user = world.lab if who == "lab" else world.pudong.producer
    assert api(user).get("/warnings").json()["count"] == 0
    assert api(user).get(f"/warnings/{warnings['own'].pk}").status_code == 404


def test_bad_filters_and_settings_are_named(world, api):
    answer = api(world.city_admin).get("/warnings", level="purple", sort="colour")
    assert answer.status_code == 422
    assert sorted(d["loc"] for d in answer.json()["detail"]) == [["query", "level"],
                                                                 ["query", "sort"]]
    settings = api(world.city_admin).get("/risk/settings").json()
    assert settings["temporal"]["min_cases"] == 5
    bad = api(world.city_admin).client.put(
        "/api/v1/risk/settings", {"spatial": {"alpha": 2}}, content_type="application/json",
        headers=api(world.city_admin).headers)
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["loc"] == ["body", "spatial", "alpha"]
    assert api(world.pudong.district_officer).client.put(
        "/api/v1/risk/settings", {}, content_type="application/json",
        headers=api(world.pudong.district_officer).headers).status_code == 403

"""The limit standards in the API: import (201, 422 row by row, 403, 401), editions, and the
limit search with the row a food would be judged by."""

import pytest

from nongan.monitoring.models import Standard

from .test_limits_matching import LIMITS, edition, foods_csv, limits_csv


def post_import(api, user, **files):
    client = api(user)
    return client.client.post("/api/v1/standards/mrl/import", files, headers=client.headers)


def test_the_city_administrator_imports_a_table(world, api):
    response = post_import(api, world.city_admin, limits=limits_csv(LIMITS), foods=foods_csv())
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["standard"], body["version"], body["limits"]) == (
        "GB 2763-2021", "2021", len(LIMITS))
    assert body["effective_from"] == "2021-09-03" and body["warning_count"] == 1  # 马兰头 is not classified


def test_a_bad_row_answers_422_naming_file_row_and_column(world, api):
    rows = [*LIMITS[:5], ("毒死蜱", "chlorpyrifos", "青菜", "abc", "0", "0")]
    response = post_import(api, world.city_admin, limits=limits_csv(rows), foods=foods_csv())
    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert error["loc"] == ["limits", 7, "mrl"] and "第7行" in error["msg"]
    assert not Standard.objects.exists()


def test_an_unknown_edition_without_a_date_answers_422_on_the_date(world, api):
    response = post_import(api, world.city_admin, limits=limits_csv(LIMITS, version="2030"))
    assert response.status_code == 422
    assert [e["loc"] for e in response.json()["detail"]] == [["effective_from"]]
    client = api(world.city_admin)
    response = client.client.post("/api/v1/standards/mrl/import",
                                  {"limits": limits_csv(LIMITS, version="2030"),
                                   "effective_from": "2030-07-01"}, headers=client.headers)
    assert response.status_code == 201 and response.json()["effective_from"] == "2030-07-01"


def test_an_import_without_its_table_answers_422(world, api):
    response = post_import(api, world.city_admin, foods=foods_csv())
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["limits"]


@pytest.mark.parametrize("role", ["district_officer", "lab_staff", "enforcement_officer"])
def test_other_roles_may_not_import(world, api, role):
    user = world.lab if role == "lab_staff" else getattr(world.pudong, role)
    response = post_import(api, user, limits=limits_csv(LIMITS))
    assert response.status_code == 403
    assert not Standard.objects.exists()


def test_import_and_search_need_a_login(world, api):
    assert post_import(api, None, limits=limits_csv(LIMITS)).status_code == 401
    assert api().get("/standards/mrl").status_code == 401
    assert api().get("/standards").status_code == 401


def test_editions_are_listed_with_the_one_in_force(world, api):
    edition("2021")
    edition("2026")
    body = api(world.pudong.grid_worker).get("/standards").json()
    assert body["count"] == 2
    in_force = {e["label"]: e["in_force"] for e in body["items"]}
    assert in_force == {"GB 2763-2021": False, "GB 2763-2026": True}


def test_the_search_shows_rows_and_how_a_food_would_be_judged(world, api):
    edition("2021")
    body = api(world.lab).get("/standards/mrl", pesticide="啶虫脒", food="青菜",
                              version="2021").json()
    assert body["standard"]["label"] == "GB 2763-2021"
    assert [(r["food"], r["mrl"], r["used"]) for r in body["items"]] == [
        ("叶菜类蔬菜", "1", True)]
    match = body["match"]
    assert (match["matched_food"], match["mrl"]) == ("叶菜类蔬菜", "1")
    assert "本食品无单独限量，适用所属类别" in match["basis"]["rule"]


def test_the_search_pages_and_filters(world, api):
    edition("2021")
    client = api(world.pudong.district_officer)
    body = client.get("/standards/mrl", on="2026-01-01", page_size=2, page=2)
    assert body.json()["count"] == len(LIMITS) and len(body.json()["items"]) == 2
    assert body.json()["match"] is None
    assert client.get("/standards/mrl", pesticide="carbofuran").json()["items"][0]["banned"]
    before = client.get("/standards/mrl", on="2020-01-01").json()
    assert (before["count"], before["standard"]) == (0, None)
    assert client.get("/standards/mrl", version="2030").status_code == 404

"""Who reads which district's scores: the city administrator every district, a district
office (district officer, enforcement officer) its own only — another district is a 404
on every path (page, API, misses, Excel) — and other roles none (403)."""

import pytest

from nongan.producers.models import Producer

from .factories import LAST_YEAR

PUDONG, CHONGMING = "310115000000", "310151000000"


@pytest.fixture
def gap(world):
    """A Pudong producer missing its phone: one lost point to trace."""
    Producer.objects.filter(pk=world.pudong.the_producer.pk).update(phone="")


@pytest.mark.parametrize("role", ["district_officer", "enforcement_officer"])
def test_a_district_office_reads_its_own_district_only(world, api, login, gap, role):
    user = getattr(world.pudong, role)
    client = api(user)
    mine = client.get("/assessment", year=LAST_YEAR).json()
    assert [d["code"] for d in mine["items"]] == [PUDONG]
    assert client.get("/assessment", district=PUDONG).status_code == 200
    for path, params in (("/assessment", {}), ("/assessment/misses", {}),
                         ("/assessment", {"format": "xlsx"}),
                         ("/assessment/misses", {"format": "xlsx"})):
        assert client.get(path, district=CHONGMING, **params).status_code == 404, path
    misses = client.get("/assessment/misses", year=LAST_YEAR, indicator="register_complete")
    assert [m["district"] for m in misses.json()["items"]] == [PUDONG]
    everything = client.get("/assessment/misses", year=LAST_YEAR, page_size=200).json()
    assert {m["district"] for m in everything["items"]} == {PUDONG}

    browser = login(user)
    assert browser.get("/assessment/").url == f"/assessment/{PUDONG}/?year={LAST_YEAR + 1}"
    assert browser.get(f"/assessment/{PUDONG}/").status_code == 200
    for path in (f"/assessment/{CHONGMING}/", f"/assessment/{CHONGMING}/?format=xlsx",
                 f"/assessment/{CHONGMING}/?format=xlsx&what=misses", "/assessment/310199999999/"):
        assert browser.get(path).status_code == 404, path


def test_the_city_administrator_reads_every_district_ranked(world, api, login, gap):
    client = api(world.city_admin)
    answer = client.get("/assessment", year=LAST_YEAR).json()
    assert answer["count"] == 16
    ranks = {d["code"]: d["rank"] for d in answer["items"]}
    totals = {d["code"]: d["total"] for d in answer["items"]}
    # fourteen districts without producers owe nothing; Pudong lost its register points
    assert sorted(ranks.values()) == [1] * 14 + [15, 16]
    assert (ranks[CHONGMING], ranks[PUDONG]) == (15, 16)
    assert totals[CHONGMING] - totals[PUDONG] == 10.0
    assert client.get("/assessment", district=CHONGMING).json()["count"] == 1
    misses = client.get("/assessment/misses", year=LAST_YEAR, indicator="register_complete")
    assert [m["district"] for m in misses.json()["items"]] == [PUDONG]
    page = login(world.city_admin).get(f"/assessment/?year={LAST_YEAR}")
    assert page.status_code == 200
    html = page.content.decode()
    assert "浦东新区" in html and "崇明区" in html and f"/assessment/{PUDONG}/?year=" in html


@pytest.mark.parametrize("role", ["town_officer", "grid_worker", "producer"])
def test_other_roles_read_no_scores(world, api, login, role):
    user = getattr(world.pudong, role)
    client = api(user)
    assert client.get("/assessment").status_code == 403
    assert client.get("/assessment/misses").status_code == 403
    assert client.get("/assessment", district=CHONGMING).status_code == 404
    browser = login(user)
    assert browser.get("/assessment/").status_code == 403
    assert browser.get(f"/assessment/{CHONGMING}/").status_code == 404
    own = browser.get(f"/assessment/{PUDONG}/").status_code
    assert own == (404 if role == "producer" else 403)
    assert "工作考核" not in browser.get("/").content.decode()


def test_lab_staff_read_no_scores(world, api):
    assert api(world.lab).get("/assessment").status_code == 403


def test_bad_year_district_and_indicator_are_named(world, api):
    client = api(world.city_admin)
    for params, field in (({"year": "20x5"}, "year"), ({"year": "1999"}, "year"),
                          ({"year": LAST_YEAR + 5}, "year"),
                          ({"district": "310115103000"}, "district"),
                          ({"district": "abc"}, "district")):
        answer = client.get("/assessment", **params)
        assert answer.status_code == 422, params
        assert answer.json()["detail"][0]["loc"] == ["query", field]
    answer = client.get("/assessment/misses", indicator="no_such")
    assert answer.status_code == 422
    assert answer.json()["detail"][0]["loc"] == ["query", "indicator"]
    assert client.get("/assessment/misses", page="x").status_code == 422
    page = api(world.pudong.district_officer)
    assert page.get("/assessment", year="abc").status_code == 422

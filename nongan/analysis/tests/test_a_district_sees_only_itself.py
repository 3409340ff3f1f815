"""A district officer's dashboard, its drill-downs and its exports hold its district only;
another district's region code, or the city's, is a 404 on every path."""

from io import BytesIO

from openpyxl import load_workbook

CITY = "310000000000"


def rows_of(response) -> list[tuple]:
    assert response.status_code == 200, response.content[:300]
    return list(load_workbook(BytesIO(response.content)).active.iter_rows(values_only=True))


def test_another_districts_code_is_not_found_anywhere(world, made, api, login):
    chongming = world.chongming.district
    officer, page = api(world.pudong.district_officer), login(world.pudong.district_officer)
    for path in ("/stats/overview", "/stats/samples", "/stats/warnings", "/stats/cases",
                 "/stats/register", "/stats/coverage", "/stats/commitments",
                 "/stats/inspections"):
        assert officer.get(path, region=chongming).status_code == 404, path
        assert officer.get(path, region=CITY).status_code == 404, path
    assert page.get("/analysis/", {"region": chongming}).status_code == 404
    assert page.get("/analysis/", {"region": chongming, "format": "xlsx",
                                   "table": "sample_months"}).status_code == 404
    for figure in ("samples", "producers", "plots", "villages", "letters", "obligations",
                   "warnings"):
        path = f"/analysis/records/{figure}/"
        assert page.get(path, {"region": chongming}).status_code == 404, path
        assert page.get(path, {"region": chongming, "format": "xlsx"}).status_code == 404


def test_a_town_officer_reads_its_town_and_not_its_district(world, made, api):
    town = api(world.pudong.town_officer)
    assert town.get("/stats/overview", region=world.pudong.district).status_code == 404
    found = town.get("/stats/overview").json()
    assert found["region"]["code"] == world.pudong.town
    assert found["samples"]["total"] == 4


def test_the_page_the_lists_and_the_exports_hold_the_district_only(world, made, login):
    page = login(world.pudong.district_officer)
    response = page.get("/analysis/")
    assert response.status_code == 200
    assert response.context["data"]["samples"]["total"] == 4
    assert "崇明" not in response.content.decode()
    listed = page.get("/analysis/records/samples/")
    numbers = {row[0]["value"] for row in listed.context["table"].cells()}
    mine = {made.samples.passed.sample_no, made.samples.banned.sample_no,
            made.samples.over.sample_no, made.samples.waiting.sample_no}
    assert numbers == mine
    exported = rows_of(page.get("/analysis/records/samples/", {"format": "xlsx"}))
    assert {row[0] for row in exported[1:]} == mine
    areas = rows_of(page.get("/analysis/", {"format": "xlsx", "table": "sample_areas"}))
    assert [row[:2] for row in areas[1:]] == [("川沙新镇", 4)]
    producers = rows_of(page.get("/analysis/records/producers/", {"format": "xlsx"}))
    assert "chongming合作社" not in {row[0] for row in producers}


def test_another_districts_grid_reads_as_no_grid(world, made, login):
    page = login(world.pudong.district_officer)
    theirs = world.chongming.the_producer.grid_id
    answer = page.get("/analysis/records/obligations/", {"grid": theirs})
    missing = page.get("/analysis/records/obligations/", {"grid": 987654321})
    assert answer.status_code == missing.status_code == 422
    assert answer.context["errors"] == missing.context["errors"]

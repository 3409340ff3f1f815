"""Every headline figure equals a count made by hand on the small world of `scene`:
Pudong's officer counts Pudong only, the city administrator both districts."""

from nongan.inspections.schedules import shanghai_today
from nongan.regions.models import Grid


def overview(api, user, **params):
    response = api(user).get("/stats/overview", **params)
    assert response.status_code == 200, response.content
    return response.json()


def test_the_register_and_its_coverage(world, made, api):
    found = overview(api, world.pudong.district_officer)
    assert found["region"] == {"code": world.pudong.district, "name": "浦东新区",
                               "level": "district"}
    register = found["register"]
    assert (register["producers"], register["scale"], register["certified"]) == (3, 2, 0)
    assert register["plots"] == 3 and register["new_producers"] == 3
    assert {k["kind"]: k["count"] for k in register["by_kind"]} == {
        "enterprise": 1, "cooperative": 1, "family_farm": 0, "grower": 1}
    coverage = found["coverage"]
    # Two villages have producers; only the first has a grid with a person in it.
    assert (coverage["villages"], coverage["villages_covered"], coverage["village_rate"]) == (
        2, 1, 50.0)
    assert coverage["producers_in_manned_grid"] == 1 and coverage["producer_rate"] == 33.3
    grids = Grid.objects.filter(district=world.pudong.district, active=True).count()
    assert (coverage["grids"], coverage["grids_without_person"]) == (grids, grids - 1)
    assert coverage["producers_without_grid"] == coverage["plots_without_grid"] == 0


def test_commitments_inspections_and_cases(world, made, api):
    found = overview(api, world.pudong.district_officer)
    signing = found["commitments"]
    assert signing["year"] == shanghai_today().year
    assert (signing["letters"], signing["signed"], signing["unsigned"], signing["rate"]) == (
        3, 1, 2, 33.3)
    # Two scale producers owe a visit each quarter; none was made.
    quarter = (shanghai_today().month - 1) // 3 + 1
    inspections = found["inspections"]
    assert (inspections["done"], inspections["due"], inspections["overdue"]) == (
        0, 2, 2 * (quarter - 1))
    assert [a["name"] for a in inspections["areas"]] == ["川沙新镇"]
    assert found["cases"]["total"] == 1 and found["cases"]["stages"][0] == {
        "stage": "registered", "name": "立案", "count": 1,
        "records": found["cases"]["stages"][0]["records"]}


def test_samples_by_verdict_product_and_pesticide(world, made, api):
    officer = api(world.pudong.district_officer)
    totals = overview(api, world.pudong.district_officer)["samples"]
    assert {k: totals[k] for k in ("total", "compliant", "non_compliant", "incomplete")} == {
        "total": 4, "compliant": 1, "non_compliant": 2, "incomplete": 1}
    assert totals["rate"] == 66.67  # 2 of 3 judged; the waiting sample is not counted
    products = officer.get("/stats/samples", by="product").json()["items"]
    assert [(p["product"], p["total"], p["non_compliant"]) for p in products] == [
        ("青菜", 3, 1), ("菠菜", 1, 1)]
    pesticides = officer.get("/stats/samples", by="pesticide").json()["items"]
    assert sorted((p["analyte"], p["failed"], p["tested"]) for p in pesticides) == [
        ("啶虫脒", 1, 3), ("毒死蜱", 1, 3)]
    towns = officer.get("/stats/samples", by="town").json()["items"]
    assert [(t["name"], t["total"]) for t in towns] == [("川沙新镇", 4)]


def test_open_warnings_by_town_with_a_place_on_the_map(world, made, api):
    found = overview(api, world.pudong.district_officer)["warnings"]
    assert found["total"] == 3 and found["counts"] == {"red": 0, "orange": 1, "yellow": 1,
                                                       "blue": 1}
    assert found["issued_in_period"] == 4  # the closed one too
    [town] = found["towns"]
    assert (town["town"], town["total"], town["highest"]) == (world.pudong.town, 2, "orange")
    # The divisions carry no centroid here: the town sits amid its plots.
    assert 121.6 < town["lon"] < 121.8 and 31.1 < town["lat"] < 31.3
    assert found["without_town"]["counts"]["blue"] == 1


def test_the_city_counts_both_districts(world, made, api, login):
    found = overview(api, world.city_admin)
    page = login(world.city_admin).get("/analysis/")
    assert page.status_code == 200 and page.context["data"]["samples"]["total"] == 5
    assert [r[0][0] for r in page.context["tables"]["sample_areas"].rows] == [
        "浦东新区", "崇明区"]
    assert found["register"]["producers"] == 4
    assert found["samples"]["total"] == 5 and found["samples"]["non_compliant"] == 3
    assert found["warnings"]["total"] == 4
    districts = api(world.city_admin).get("/stats/samples", by="district").json()["items"]
    assert [(d["name"], d["total"]) for d in districts] == [("浦东新区", 4), ("崇明区", 1)]


def test_each_series_endpoint_answers_the_overviews_figures(world, made, api):
    officer = api(world.pudong.district_officer)
    found = overview(api, world.pudong.district_officer)
    for path, key, field in (("/stats/register", "register", "producers"),
                             ("/stats/coverage", "coverage", "villages_uncovered"),
                             ("/stats/commitments", "commitments", "signed"),
                             ("/stats/inspections", "inspections", "overdue"),
                             ("/stats/warnings", "warnings", "total"),
                             ("/stats/cases", "cases", "total")):
        answer = officer.get(path).json()
        assert answer["region"]["code"] == world.pudong.district, path
        assert answer[field] == found[key][field], path
    areas = officer.get("/stats/register").json()["areas"]
    assert sum(a["producers"] for a in areas) == 3

import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext

from nongan.producers import services
from nongan.testing import PLACES, make_producer

VILLAGE, VILLAGE2 = PLACES["pudong"][2], PLACES["pudong"][3]


def certify(producer, kind, actor):
    today = dt.date.today()
    return services.add_certification(producer, {
        "kind": kind, "cert_no": f"{kind}-{producer.pk}", "products": "青菜",
        "valid_from": today - dt.timedelta(days=100), "valid_to": today + dt.timedelta(days=200),
    }, actor=actor)


def names(response):
    assert response.status_code == 200, response.content
    return [p["name"] for p in response.json()["items"]]


def test_filters_and_sorting(world, api):
    admin = world.city_admin
    small = make_producer(VILLAGE2, actor=admin, kind="grower", name="甲种植户", area_mu="4")
    big = make_producer(VILLAGE2, actor=admin, kind="grower", name="乙种植户", area_mu="12")
    farm = make_producer(VILLAGE2, actor=admin, kind="family_farm", name="丙家庭农场",
                         area_mu="3")
    certify(farm, "green", admin)
    officer = api(world.pudong.district_officer)

    by_name = names(officer.get("/producers", region=VILLAGE2, sort="name"))
    assert by_name == sorted(by_name) or by_name == names(
        officer.get("/producers", region=VILLAGE2, sort="-name"))[::-1]
    assert set(names(officer.get("/producers", region=VILLAGE2, scale="1"))) == {
        "乙种植户", "丙家庭农场"}
    assert names(officer.get("/producers", region=VILLAGE2, scale="0")) == ["甲种植户"]
    assert names(officer.get("/producers", certification="green")) == ["丙家庭农场"]
    assert names(officer.get("/producers", certification="organic")) == []
    assert set(names(officer.get("/producers", kind="grower"))) == {"甲种植户", "乙种植户"}
    by_area = names(officer.get("/producers", region=VILLAGE2, sort="-area"))
    assert by_area == ["乙种植户", "甲种植户", "丙家庭农场"]
    assert names(officer.get("/producers", uscc=world.pudong.the_producer.uscc)) == [
        "pudong合作社"]
    assert small.is_scale is False and big.is_scale is True and farm.is_scale is True


def test_paging_caps_the_page_size(world, api):
    for n in range(3):
        make_producer(VILLAGE, actor=world.city_admin, name=f"分页{n}")
    officer = api(world.pudong.district_officer)
    first = officer.get("/producers", page_size=2).json()
    assert first["count"] == 4 and len(first["items"]) == 2
    assert len(officer.get("/producers", page_size=5000).json()["items"]) == 4


def test_id_numbers_are_masked_outside_the_producers_district(world, api):
    grower = make_producer(VILLAGE, actor=world.city_admin, kind="grower")
    full = grower.id_number
    assert api(world.pudong.district_officer).get(
        f"/producers/{grower.pk}").json()["id_number"] == full
    masked = api(world.city_admin).get(f"/producers/{grower.pk}").json()["id_number"]
    assert masked != full and "*" in masked
    assert api(world.lab).get(f"/producers/{grower.pk}").json()["id_number"] == masked


def test_the_list_costs_the_same_queries_for_any_page_size(world, api):
    admin = world.city_admin
    for n in range(12):
        producer = make_producer(VILLAGE, actor=admin, name=f"查询{n}")
        certify(producer, "green", admin)
    officer = api(world.pudong.district_officer)

    def queries(size):
        with CaptureQueriesContext(connection) as ctx:
            assert officer.get("/producers", page_size=size).status_code == 200
        return len(ctx.captured_queries)

    assert queries(2) == queries(12)

"""A district's page: every indicator with its points, the bar, the lost points and the
records that cost them (linked, paged), for the year picked."""

from nongan.producers.models import Producer
from nongan.testing import make_producer

from .factories import LAST_YEAR

PUDONG = "310115000000"


def test_each_indicator_shows_its_points_and_the_records_behind_the_loss(world, login):
    for n in range(24):
        make_producer(world.pudong.village, name=f"缺电话合作社{n:02d}")
    Producer.objects.filter(district=PUDONG).update(phone="")
    client = login(world.pudong.district_officer)

    page = client.get(f"/assessment/{PUDONG}/?year={LAST_YEAR}")

    assert page.status_code == 200
    html = page.content.decode()
    assert html.count('<section class="card" id="') == 12
    assert f"浦东新区 {LAST_YEAR} 年度工作考核" in html
    assert 'id="register_complete"' in html and "失 10.0 分" in html
    assert "失分记录 25 条" in html
    assert html.count("名录信息不全，缺少：联系电话") == 20  # the first page of misses
    assert '<a href="/producers/' in html and "依据：实施方案 四.(二)、四.(四).1" in html
    assert f'href="?year={LAST_YEAR}&amp;p-register_complete=2#register_complete"' in html

    second = client.get(f"/assessment/{PUDONG}/?year={LAST_YEAR}&p-register_complete=2")
    html = second.content.decode()
    assert html.count("名录信息不全，缺少：联系电话") == 5
    assert '<details open>' in html


def test_a_bad_year_is_told_beside_the_picker(world, login):
    page = login(world.pudong.district_officer).get(f"/assessment/{PUDONG}/?year=abc")
    assert page.status_code == 200
    assert 'class="field-error" id="a-year-error" role="alert">年度应为' in page.content.decode()


def test_the_table_of_indicators_is_read_by_the_district_and_edited_by_the_city(world, login):
    officer = login(world.pudong.district_officer).get("/assessment/indicators/")
    assert officer.status_code == 200
    assert 'name="rows-0-code"' not in officer.content.decode()
    assert "inspection_frequency" in officer.content.decode()
    admin = login(world.city_admin).get("/assessment/indicators/")
    assert 'name="rows-0-code"' in admin.content.decode()
    csv = login(world.city_admin).get("/assessment/indicators/?format=csv")
    assert csv.content.decode("utf-8-sig").startswith(
        "code,name,weight,method,target,params,clause,order,active\nregister_complete,")
    assert login(world.pudong.town_officer).get("/assessment/indicators/").status_code == 403

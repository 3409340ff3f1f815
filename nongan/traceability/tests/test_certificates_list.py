"""The list of 承诺达标合格证: scoped to the reader's region (a producer sees its own),
filtered, sorted, paged and exported; another district's never appear."""

from io import BytesIO

from openpyxl import load_workbook

from nongan.testing import make_producer

from .factories import cert_row, certificates_of


def numbers(answer) -> set:
    return {c["cert_no"] for c in answer.json()["items"]}


def two_districts(world):
    side = world.pudong
    other = make_producer(side.village, name="浦东菜园合作社")
    certificates_of(side, [
        cert_row(side.the_producer, 1, 产品名称="青菜", 开具日期="2026-01-05", 承诺依据="自我检测"),
        cert_row(side.the_producer, 2, 产品名称="番茄", 开具日期="2026-02-05", 承诺依据="委托检测",
                 数量="300"),
        cert_row(other, 3, 产品名称="青菜", 开具日期="2026-03-05", 承诺依据="内部质量控制、自我承诺")])
    certificates_of(world.chongming, [cert_row(world.chongming.the_producer, 4)])
    return other


def test_the_list_is_scoped_filtered_and_sorted(world, api):
    other = two_districts(world)
    p = world.pudong.the_producer
    officer = api(world.pudong.district_officer)
    everything = officer.get("/certificates")
    assert everything.json()["count"] == 3
    assert all(c["producer_name"].startswith("浦东") or c["producer_name"] == "pudong合作社"
               for c in everything.json()["items"])
    assert numbers(officer.get("/certificates", producer=p.pk)) == {
        cert_row(p, 1)["合格证编号"], cert_row(p, 2)["合格证编号"]}
    assert numbers(officer.get("/certificates", product="番")) == {cert_row(p, 2)["合格证编号"]}
    assert numbers(officer.get("/certificates", basis="self_commitment")) == {
        cert_row(other, 3)["合格证编号"]}
    window = officer.get("/certificates", date_from="2026-01-10", date_to="2026-02-28")
    assert numbers(window) == {cert_row(p, 2)["合格证编号"]}
    assert numbers(officer.get("/certificates", producer_name="菜园")) == {
        cert_row(other, 3)["合格证编号"]}
    by_quantity = officer.get("/certificates", sort="-quantity").json()["items"]
    assert by_quantity[0]["quantity"] == "300"
    first = officer.get("/certificates", sort="issued_on", page_size=1, page=2).json()
    assert first["count"] == 3 and first["items"][0]["issued_on"] == "2026-02-05"
    item = officer.get("/certificates", basis="self_commitment").json()["items"][0]
    assert item["basis"] == ["internal_control", "self_commitment"]


def test_bad_filters_are_named(world, api):
    answer = api(world.pudong.district_officer).get("/certificates", date_from="5 January",
                                                    basis="oral", sort="colour")
    assert answer.status_code == 422
    assert {tuple(d["loc"]) for d in answer.json()["detail"]} == {
        ("query", "date_from"), ("query", "basis"), ("query", "sort")}


def test_a_producer_sees_its_own_and_a_lab_none(world, api):
    two_districts(world)
    own = api(world.pudong.producer).get("/certificates").json()
    assert own["count"] == 2 and {c["producer"] for c in own["items"]} == {
        world.pudong.the_producer.pk}
    assert api(world.lab).get("/certificates").json()["count"] == 0
    assert api(world.city_admin).get("/certificates").json()["count"] == 4


def test_the_export_and_the_page_hold_no_other_district(world, api, login):
    two_districts(world)
    export = api(world.chongming.district_officer).get("/certificates", format="xlsx")
    rows = list(load_workbook(BytesIO(export.content)).active.iter_rows(values_only=True))
    assert rows[0][0] == "合格证编号" and len(rows) == 2
    assert rows[1][1] == "chongming合作社"
    page = login(world.chongming.district_officer).get("/certificates/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "chongming合作社" in text and "pudong合作社" not in text
    sheet = login(world.pudong.town_officer).get("/certificates/", {"format": "xlsx",
                                                                     "product": "青菜"})
    rows = list(load_workbook(BytesIO(sheet.content)).active.iter_rows(values_only=True))
    assert {r[3] for r in rows[1:]} == {"青菜"} and len(rows) == 3

"""The assessment as Excel carries the same numbers as the API."""

from io import BytesIO

from openpyxl import load_workbook

from nongan.producers.models import Producer

from .factories import LAST_YEAR

PUDONG = "310115000000"


def _book(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return load_workbook(BytesIO(response.content))


def test_the_table_has_districts_indicators_totals_and_ranks(world, api):
    Producer.objects.filter(pk=world.pudong.the_producer.pk).update(phone="")
    client = api(world.city_admin)
    answer = client.get("/assessment", year=LAST_YEAR).json()["items"]
    book = _book(client.get("/assessment", year=LAST_YEAR, format="xlsx"))
    assert book.sheetnames == [f"{LAST_YEAR}年度考核得分", "指标明细"]
    rows = list(book[f"{LAST_YEAR}年度考核得分"].iter_rows(values_only=True))
    names = [i["name"] for i in answer[0]["indicators"]]
    assert rows[0][:4] == ("排名", "区", "区划代码", "总分")
    assert [h.split("（")[0] for h in rows[0][4:]] == [n.split("（")[0] for n in names]
    by_code = {r[2]: r for r in rows[1:]}
    assert len(by_code) == 16
    for district in answer:
        row = by_code[district["code"]]
        assert row[:4] == (district["rank"], district["name"], district["code"],
                           district["total"])
        assert list(row[4:]) == [i["score"] for i in district["indicators"]]
    details = list(book["指标明细"].iter_rows(values_only=True))
    pudong = [r for r in details[1:] if r[1] == PUDONG and r[2] == "register_complete"][0]
    # weight, target, achieved, numerator, denominator, score, lost, misses
    assert pudong[4:] == (10.0, 1.0, 0.0, 0, 1, 0.0, 10.0, 1)


def test_the_misses_list_the_records_with_their_links(world, api, login):
    Producer.objects.filter(pk=world.pudong.the_producer.pk).update(phone="")
    client = api(world.pudong.district_officer)
    listed = client.get("/assessment/misses", year=LAST_YEAR, page_size=200).json()
    book = _book(client.get("/assessment/misses", year=LAST_YEAR, format="xlsx"))
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[0][:6] == ("区", "区划代码", "指标编码", "指标", "记录", "失分原因")
    assert len(rows) - 1 == listed["count"]
    producer = world.pudong.the_producer
    row = next(r for r in rows if r[2] == "register_complete")
    assert row[4:8] == (producer.name, "名录信息不全，缺少：联系电话", "producers.producer",
                        str(producer.pk))
    assert row[8].endswith(f"/producers/{producer.pk}/") and row[8].startswith("http")

    page = _book(login(world.pudong.district_officer).get(
        f"/assessment/{PUDONG}/?year={LAST_YEAR}&format=xlsx&what=misses"))
    assert len(list(page.active.iter_rows(values_only=True))) == len(rows)
    table = _book(login(world.pudong.district_officer).get(
        f"/assessment/{PUDONG}/?year={LAST_YEAR}&format=xlsx"))
    scores = list(table.active.iter_rows(values_only=True))
    assert len(scores) == 2 and scores[1][2] == PUDONG

"""The table of indicators is data: shipped by default, edited by the city administrator
(form, CSV, JSON), every bad row named, nothing stored unless all pass, and earlier years
keep their table."""

from django.core.files.uploadedfile import SimpleUploadedFile

from nongan.assessment.models import AssessmentTable, Indicator
from nongan.assessment.tables import SHIPPED_YEAR, csv_text, store_shipped, table_for
from nongan.core.models import AuditEntry
from nongan.producers.models import Producer
from nongan.testing import make_producer

from .factories import LAST_YEAR

THIS_YEAR = LAST_YEAR + 1


def _rows(register_target="0.5"):
    return [{"code": "register", "name": "名录完整", "weight": 60,
             "method": "register_completeness", "target": register_target,
             "clause": "四.(二)"},
            {"code": "grids", "name": "网格覆盖", "weight": "40", "method": "grid_coverage",
             "target": 1, "params": {"parts": ["producers"]}}]


def _score(client, code="register", year=LAST_YEAR, district="310115000000"):
    answer = client.get("/assessment", year=year, district=district).json()
    return next(i for i in answer["items"][0]["indicators"] if i["code"] == code)


def test_the_shipped_table_is_stored_and_totals_one_hundred(db):
    table, indicators = table_for(LAST_YEAR)
    assert table.year == SHIPPED_YEAR and len(indicators) == 12
    assert sum(i.weight for i in indicators) == 100
    assert {i.code for i in indicators} >= {"commitments", "inspections", "credit_updated"}
    assert next(i for i in indicators if i.code == "commitments").params == {
        "deadline": "03-31"}
    assert store_shipped() is False  # stored once; never over the city's table


def test_editing_the_table_changes_the_score(world, api):
    admin = api(world.city_admin)
    incomplete = make_producer(world.pudong.village, name="缺电话合作社")
    Producer.objects.filter(pk=incomplete.pk).update(phone="")
    answer = admin.client.put("/api/v1/assessment/indicators",
                              {"year": LAST_YEAR, "indicators": _rows()},
                              content_type="application/json", headers=admin.headers)
    assert answer.status_code == 200, answer.json()
    assert [i["code"] for i in answer.json()["indicators"]] == ["register", "grids"]
    line = _score(admin)
    # one of two producers complete: 50 %, the target → full 60 points
    assert (line["numerator"], line["denominator"], line["score"]) == (1, 2, 60.0)
    assert line["misses_count"] == 1

    admin.client.put("/api/v1/assessment/indicators",
                     {"year": LAST_YEAR, "version": 1, "indicators": _rows("1")},
                     content_type="application/json", headers=admin.headers)
    line = _score(admin)
    assert (line["score"], line["lost"]) == (30.0, 30.0)
    assert AssessmentTable.objects.get(year=LAST_YEAR).version == 2
    entry = AuditEntry.objects.filter(action="assessment.table.update").latest("seq")
    assert entry.changes["after"]["version"] == 2
    assert entry.changes["before"]["indicators"][0]["target"] == "0.5000"


def test_a_year_s_table_leaves_earlier_years_as_they_were(world, api):
    admin = api(world.city_admin)
    admin.client.put("/api/v1/assessment/indicators", {"year": THIS_YEAR, "indicators": _rows()},
                     content_type="application/json", headers=admin.headers)
    assert len(admin.get("/assessment/indicators", year=LAST_YEAR).json()["indicators"]) == 12
    assert [i["code"] for i in admin.get("/assessment/indicators").json()["indicators"]] == [
        "register", "grids"]
    assert len(admin.get("/assessment", year=LAST_YEAR, district="310115000000")
               .json()["items"][0]["indicators"]) == 12


def test_bad_rows_are_named_by_row_and_field_and_nothing_is_written(world, api):
    admin = api(world.city_admin)
    before = (AssessmentTable.objects.count(), Indicator.objects.count())
    rows = _rows() + [{"code": "Bad Code", "name": "", "weight": "abc", "method": "nope",
                       "target": 2, "active": "maybe"},
                      {"code": "register", "name": "重复", "weight": 5,
                       "method": "commitments_on_time", "target": "0.9",
                       "params": {"deadline": "02-30", "colour": "red"}}]
    answer = admin.client.put("/api/v1/assessment/indicators",
                              {"year": LAST_YEAR, "indicators": rows},
                              content_type="application/json", headers=admin.headers)
    assert answer.status_code == 422
    errors = {tuple(e["loc"]): e["msg"] for e in answer.json()["detail"]}
    assert set(errors) == {("body", "indicators", 2, f) for f in
                           ("code", "name", "weight", "method", "target", "active")} | {
        ("body", "indicators", 3, "code"), ("body", "indicators", 3, "params")}
    assert errors[("body", "indicators", 2, "weight")].startswith("第 3 项（Bad Code）：分值")
    assert "重复" in errors[("body", "indicators", 3, "code")]
    assert "签订截止日应为“月-日”" in errors[("body", "indicators", 3, "params")]
    assert (AssessmentTable.objects.count(), Indicator.objects.count()) == before


def test_weights_must_total_one_hundred(world, api):
    admin = api(world.city_admin)
    rows = _rows()
    rows[1]["weight"] = 30
    answer = admin.client.put("/api/v1/assessment/indicators",
                              {"year": LAST_YEAR, "indicators": rows},
                              content_type="application/json", headers=admin.headers)
    assert answer.status_code == 422
    assert answer.json()["detail"] == [{"loc": ["body", "indicators"],
                                        "msg": "启用指标的分值合计应为 100 分（现为 90 分）"}]
    rows[1]["active"] = False
    rows[0]["weight"] = 100
    assert admin.client.put("/api/v1/assessment/indicators",
                            {"year": LAST_YEAR, "indicators": rows},
                            content_type="application/json",
                            headers=admin.headers).status_code == 200


def test_only_the_city_administrator_edits_and_a_stale_version_conflicts(world, api):
    payload = {"year": LAST_YEAR, "indicators": _rows()}
    for user in (world.pudong.district_officer, world.pudong.enforcement_officer):
        officer = api(user)
        assert officer.client.put("/api/v1/assessment/indicators", payload,
                                  content_type="application/json",
                                  headers=officer.headers).status_code == 403
    admin = api(world.city_admin)
    for stale in ({"version": 7}, {"version": 1, "table_year": 2024}):
        answer = admin.client.put("/api/v1/assessment/indicators", payload | stale,
                                  content_type="application/json", headers=admin.headers)
        assert answer.status_code == 409
    assert not AssessmentTable.objects.filter(year=LAST_YEAR).exists()


def test_a_csv_upload_names_the_file_line_and_writes_nothing_when_bad(world, login):
    client = login(world.city_admin)
    good = csv_text(table_for(LAST_YEAR)[1])
    bad = good.replace("inspection_frequency,1.0", "inspection_frequency,1.5")
    answer = client.post(f"/assessment/indicators/?year={LAST_YEAR}",
                         {"file": SimpleUploadedFile("t.csv", bad.encode())})
    assert answer.status_code == 422
    text = answer.content.decode()
    assert "第 5 行（inspections）：目标值应为大于 0、不超过 1 的比例" in text
    assert not AssessmentTable.objects.filter(year=LAST_YEAR).exists()

    answer = client.post(f"/assessment/indicators/?year={LAST_YEAR}",
                         {"file": SimpleUploadedFile("t.csv", ("\ufeff" + good).encode())})
    assert answer.status_code == 302
    stored = AssessmentTable.objects.get(year=LAST_YEAR)
    assert stored.indicators.count() == 12 and stored.updated_by == world.city_admin

    header = client.post(f"/assessment/indicators/?year={LAST_YEAR}",
                         {"file": SimpleUploadedFile("t.csv", b"code,name\nx,y\n")})
    assert header.status_code == 422 and "表头缺少列" in header.content.decode()


def test_the_form_marks_the_bad_field_beside_it(world, login):
    client = login(world.city_admin)
    page = client.get(f"/assessment/indicators/?year={LAST_YEAR}")
    assert page.status_code == 200 and 'name="rows-12-code"' in page.content.decode()
    post = {"version": "1", "table_year": "2021"}
    for n, row in enumerate(_rows()):
        for field, value in row.items():
            post[f"rows-{n}-{field}"] = value if field != "params" else '{"parts": ["plots"]}'
        post[f"rows-{n}-active"] = "on"
    post["rows-1-weight"] = "-4"
    post |= {"rows-2-code": "", "rows-2-name": ""}  # the blank row
    answer = client.post(f"/assessment/indicators/?year={LAST_YEAR}", post)
    assert answer.status_code == 422
    html = answer.content.decode()
    assert "第 2 项（grids）：分值应为大于 0、不超过 100 的数" in html
    assert 'name="rows-1-weight" value="-4" inputmode="decimal" aria-label="分值" ' \
           'aria-invalid="true"' in html
    post["rows-1-weight"] = "40"
    assert client.post(f"/assessment/indicators/?year={LAST_YEAR}", post).status_code == 302
    assert table_for(LAST_YEAR)[1][1].params == {"parts": ["plots"]}

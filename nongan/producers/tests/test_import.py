"""Bulk registration (摸底、登记、造册): a whole file is checked, then imported whole or not
at all, with a report of every bad row."""

import csv
import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import Workbook, load_workbook
from shapely.geometry import shape

from nongan.core.models import AuditEntry
from nongan.producers import importing
from nongan.producers.models import Certification, ImportJob, Plot, Producer
from nongan.testing import PLACES, id_number, make_producer, square, uscc

PUDONG_VILLAGE, PUDONG_VILLAGE2 = PLACES["pudong"][2], PLACES["pudong"][3]
PUDONG_POINT = PLACES["pudong"][4]
PRODUCER_HEADINGS = ["名称", "主体类型", "统一社会信用代码", "身份证号码", "法定代表人/负责人",
                     "联系电话", "地址", "村代码", "面积（亩）", "产品与品种", "认证类型",
                     "证书编号", "认证产品", "有效期起", "有效期至"]
PLOT_HEADINGS = ["主体统一社会信用代码", "主体ID", "地块编号", "村代码", "作物", "申报面积（亩）",
                 "地块范围"]


@pytest.fixture(autouse=True)
def _immediate_tasks_and_private_media(settings, tmp_path):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def upload(login, django_capture_on_commit_callbacks):
    """Upload `file` as `user` through the page; returns the job, run to its end."""

    def _upload(user, kind, file, *, expect=302):
        client = login(user)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse("producer_import"), {"kind": kind, "file": file})
        assert response.status_code == expect, response.content.decode()[:2000]
        if expect != 302:
            return response
        job = ImportJob.objects.get(pk=response.url.rstrip("/").rsplit("/", 1)[1])
        return job

    return _upload


def producer_row(**fields) -> dict:
    row = {"名称": f"浦东合作社{fields.get('n', '')}", "主体类型": "农民专业合作社",
           "统一社会信用代码": uscc(area="310115"), "法定代表人/负责人": "王五",
           "联系电话": "13900000000", "村代码": PUDONG_VILLAGE, "面积（亩）": "35.5",
           "产品与品种": "青菜:上海青;番茄:粉果,红果"}
    fields.pop("n", None)
    return row | fields


def xlsx(headings, rows, name="主体.xlsx") -> SimpleUploadedFile:
    book = Workbook()
    sheet = book.active
    sheet.append(headings)
    for row in rows:
        sheet.append([row.get(h) for h in headings])
    buffer = io.BytesIO()
    book.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


def csv_file(headings, rows, name="主体.csv", encoding="utf-8-sig") -> SimpleUploadedFile:
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(headings)
    for row in rows:
        writer.writerow([row.get(h, "") for h in headings])
    return SimpleUploadedFile(name, text.getvalue().encode(encoding))


def wkt_square(lon, lat, side_m=100.0) -> str:
    return shape(square(lon, lat, side_m)).wkt


def errors_of(job) -> set[tuple]:
    return {(e["row"], e["column"]) for e in job.errors}


def test_it_imports_every_row_of_a_valid_file(world, upload):
    officer = world.pudong.district_officer
    rows = [
        producer_row(n=1, 认证类型="绿色食品", 证书编号="LB-18-2301010101A", 认证产品="青菜",
                     有效期起="2024-01-01", 有效期至="2027-01-01"),
        producer_row(n=2, 主体类型="种养殖户", 统一社会信用代码="", 身份证号码=id_number(),
                     村代码=PUDONG_VILLAGE2),
        producer_row(n=3, 主体类型="家庭农场", 统一社会信用代码="", **{"面积（亩）": "8"}),
    ]
    rows[1]["面积（亩）"] = "4"
    before = Producer.objects.count()
    job = upload(officer, "producers", xlsx(PRODUCER_HEADINGS, rows))
    job.refresh_from_db()
    assert (job.status, job.total, job.processed, job.imported) == ("done", 3, 3, 3), job.errors
    assert Producer.objects.count() == before + 3
    coop = Producer.objects.get(name="浦东合作社1")
    assert coop.is_scale and coop.grid.code == f"G{PUDONG_VILLAGE}"
    assert (coop.district_id, coop.town_id) == (PLACES["pudong"][0], PLACES["pudong"][1])
    assert coop.products[1] == {"name": "番茄", "varieties": ["粉果", "红果"]}
    assert Certification.objects.get(producer=coop).cert_no == "LB-18-2301010101A"
    grower = Producer.objects.get(name="浦东合作社2")
    assert grower.kind == "grower" and not grower.is_scale
    assert grower.grid.code == f"G{PUDONG_VILLAGE2}"
    assert Producer.objects.get(name="浦东合作社3").is_scale  # a family farm always is
    entry = AuditEntry.objects.get(action="producer.import")
    assert (entry.object_type, entry.object_id) == ("producers.importjob", str(job.pk))
    assert entry.actor_id == officer.pk and entry.changes["after"]["count"] == 3
    assert sorted(entry.changes["after"]["ids"]) == sorted(
        Producer.objects.filter(name__startswith="浦东合作社").values_list("pk", flat=True))


def test_it_rejects_the_whole_file_when_one_row_is_bad(world, upload, login):
    officer = world.pudong.district_officer
    rows = [producer_row(n=1), producer_row(n=2, 统一社会信用代码="12345"),
            producer_row(n=3, 主体类型="农场主", **{"面积（亩）": "很多"})]
    before = (Producer.objects.count(), AuditEntry.objects.count())
    job = upload(officer, "producers", csv_file(PRODUCER_HEADINGS, rows))
    job.refresh_from_db()
    assert job.status == "failed"
    assert (Producer.objects.count(), AuditEntry.objects.count()) == before
    # Row 1 is the headings, so the second data row is spreadsheet row 3.
    assert errors_of(job) == {(3, "统一社会信用代码"), (4, "主体类型"), (4, "面积（亩）")}
    assert all(e["message"] for e in job.errors)
    page = login(officer).get(reverse("producer_import_job", args=[job.pk]))
    assert "未导入任何数据" in page.content.decode() and "应为数字（亩）" in page.content.decode()
    report = login(officer).get(reverse("producer_import_report", args=[job.pk]))
    assert report.status_code == 200
    lines = list(load_workbook(io.BytesIO(report.content)).active.iter_rows(values_only=True))
    assert lines[0] == ("行号", "列", "错误原因")
    assert lines[1][:2] == (3, "统一社会信用代码") and lines[1][2]
    assert {line[:2] for line in lines[1:]} == errors_of(job)


def test_a_gb18030_csv_with_english_headings_is_read(world, upload):
    rows = [{"name": "崇明稻米合作社", "kind": "cooperative", "uscc": uscc(area="310151"),
             "legal_rep": "赵六", "village": PLACES["chongming"][2], "area_mu": "120"}]
    file = csv_file(list(rows[0]), rows, name="gbk.csv", encoding="gb18030")
    job = upload(world.chongming.town_officer, "producers", file)
    job.refresh_from_db()
    assert job.status == "done", job.errors
    assert Producer.objects.get(name="崇明稻米合作社").village_id == PLACES["chongming"][2]


def test_it_reports_duplicate_codes_inside_the_file(world, upload):
    officer = world.pudong.district_officer
    code = uscc(area="310115")
    cert = {"认证类型": "有机农产品", "证书编号": "ORG-1", "认证产品": "大米",
            "有效期起": "2024-01-01", "有效期至": "2026-01-01"}
    rows = [producer_row(n=1, 统一社会信用代码=code, **cert),
            producer_row(n=2, 统一社会信用代码=code, **cert),
            producer_row(n=3, 统一社会信用代码=world.pudong.the_producer.uscc)]
    job = upload(officer, "producers", xlsx(PRODUCER_HEADINGS, rows))
    job.refresh_from_db()
    messages = {(e["row"], e["column"]): e["message"] for e in job.errors}
    assert messages[(3, "统一社会信用代码")] == "与第2行的统一社会信用代码重复"
    assert messages[(3, "证书编号")] == "与第2行的证书编号重复"
    assert messages[(4, "统一社会信用代码")] == "该统一社会信用代码已登记"
    assert (2, "统一社会信用代码") not in messages

    other = make_producer(PUDONG_VILLAGE, actor=officer)
    plots = [{"主体ID": other.pk, "地块编号": "PD-0001", "地块范围": wkt_square(121.71, 31.20)},
             {"主体ID": other.pk, "地块编号": "PD-0001", "地块范围": wkt_square(121.72, 31.20)},
             {"主体ID": other.pk, "地块编号": world.pudong.plot.plot_no,
              "地块范围": wkt_square(121.73, 31.20)}]
    job = upload(officer, "plots", xlsx(PLOT_HEADINGS, plots, name="地块.xlsx"))
    job.refresh_from_db()
    messages = {(e["row"], e["column"]): e["message"] for e in job.errors}
    assert messages == {(3, "地块编号"): "与第2行的地块编号重复",
                        (4, "地块编号"): "地块编号已存在"}
    assert not Plot.objects.filter(plot_no="PD-0001").exists()


def test_it_refuses_villages_outside_the_uploaders_region(world, upload):
    officer = world.pudong.town_officer
    rows = [producer_row(n=1), producer_row(n=2, 村代码=PLACES["chongming"][2]),
            producer_row(n=3, 村代码="310115999999")]
    job = upload(officer, "producers", xlsx(PRODUCER_HEADINGS, rows))
    job.refresh_from_db()
    messages = {(e["row"], e["column"]): e["message"] for e in job.errors}
    assert messages == {(3, "村代码"): "该村不在您的辖区内",
                        (4, "村代码"): "村（居）代码不存在或已撤销（12位统计用区划代码）"}
    # Plots may name only producers the uploader can see.
    plots = [{"主体统一社会信用代码": world.chongming.the_producer.uscc,
              "地块范围": wkt_square(121.40, 31.63)}]
    job = upload(officer, "plots", xlsx(PLOT_HEADINGS, plots, name="地块.xlsx"))
    job.refresh_from_db()
    assert errors_of(job) == {(2, "主体统一社会信用代码")}
    assert "不在您的辖区内" in job.errors[0]["message"]


def test_plots_import_from_wkt_and_geojson(world, upload):
    officer = world.pudong.district_officer
    neighbour = make_producer(PUDONG_VILLAGE, actor=officer)
    registered = world.pudong.plot  # another producer's plot: overlapping it is flagged
    corner = registered.geometry["coordinates"][0][0]
    rows = [{"主体统一社会信用代码": neighbour.uscc, "作物": "水稻", "申报面积（亩）": "15",
             "地块范围": wkt_square(corner[0] + 0.0003, corner[1] + 0.0003)},
            {"主体ID": neighbour.pk, "村代码": PUDONG_VILLAGE2, "作物": "青菜",
             "地块范围": json.dumps(square(121.76, 31.16, 200))}]
    job = upload(officer, "plots", xlsx(PLOT_HEADINGS, rows, name="地块.xlsx"))
    job.refresh_from_db()
    assert (job.status, job.imported) == ("done", 2), job.errors
    first, second = Plot.objects.filter(producer=neighbour).order_by("id")
    assert first.plot_no.startswith(f"{PUDONG_VILLAGE}-") and first.crop == "水稻"
    assert abs(float(first.area_mu) - 15) < 0.3 and float(first.declared_area_mu) == 15
    assert first.grid.code == f"G{PUDONG_VILLAGE}"
    assert first.overlaps == [registered.plot_no]
    registered.refresh_from_db()
    assert first.plot_no in registered.overlaps
    assert second.plot_no == f"{PUDONG_VILLAGE2}-0001" and second.village_id == PUDONG_VILLAGE2
    assert abs(float(second.area_mu) - 60) < 1
    assert AuditEntry.objects.get(action="plot.import").changes["after"]["count"] == 2

    # A GeoJSON FeatureCollection: each feature's properties hold the columns.
    features = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": square(121.78, 31.17),
         "properties": {"主体统一社会信用代码": neighbour.uscc, "作物": "西瓜"}},
        {"type": "Feature", "geometry": square(121.78, 31.171),
         "properties": {"producer_uscc": neighbour.uscc, "crop": "甜瓜",
                        "plot_no": "PD-GJ-01"}},
    ]}
    file = SimpleUploadedFile("地块.geojson", json.dumps(features).encode())
    job = upload(officer, "plots", file)
    job.refresh_from_db()
    assert (job.status, job.imported) == ("done", 2), job.errors
    assert Plot.objects.get(plot_no="PD-GJ-01").crop == "甜瓜"
    assert Plot.objects.get(producer=neighbour, crop="西瓜").plot_no == f"{PUDONG_VILLAGE}-0003"


def test_plot_rows_with_bad_geometry_are_reported(world, upload):
    officer = world.pudong.district_officer
    producer = world.pudong.the_producer
    bow_tie = "POLYGON ((121.70 31.19, 121.71 31.20, 121.71 31.19, 121.70 31.20, 121.70 31.19))"
    rows = [{"主体ID": producer.pk, "地块范围": wkt_square(121.74, 31.12)},
            {"主体ID": producer.pk, "地块范围": bow_tie},
            {"主体ID": producer.pk, "地块范围": wkt_square(116.40, 39.90)},  # Beijing
            {"主体ID": producer.pk, "地块范围": "POLYGON ((121.7 31.1, 121.8"},
            {"主体ID": producer.pk, "地块范围": "POINT (121.7 31.1)"},
            {"主体ID": 987654321, "地块范围": json.dumps(square(31.19, 121.70))}]
    before = Plot.objects.count()
    job = upload(officer, "plots", xlsx(PLOT_HEADINGS, rows, name="地块.xlsx"))
    job.refresh_from_db()
    assert job.status == "failed" and Plot.objects.count() == before
    messages = {(e["row"], e["column"]): e["message"] for e in job.errors}
    assert "自相交" in messages[(3, "地块范围")]
    assert "不在上海市范围内" in messages[(4, "地块范围")]
    assert "无法解析" in messages[(5, "地块范围")]
    assert "POLYGON" in messages[(6, "地块范围")]
    assert "未找到该主体ID" in messages[(7, "主体ID")]
    assert "经度在前" in messages[(7, "地块范围")]  # lat/lon swapped, said even so
    assert not any(row == 2 for row, _ in messages)


def test_the_template_downloads_and_round_trips(world, upload, login):
    officer = world.pudong.district_officer
    client = login(officer)
    page = client.get(reverse("producer_import"))
    assert page.status_code == 200
    for kind in ("producers", "plots"):
        assert reverse("producer_import_template", args=[kind]) in page.content.decode()
    response = client.get(reverse("producer_import_template", args=["producers"]))
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.content))
    sheet = book.worksheets[0]
    assert [c.value for c in sheet[1]] == PRODUCER_HEADINGS
    assert "填写说明" in book.sheetnames
    code = uscc(area="310115")
    sheet.append(["模板合作社", "农民专业合作社", code, None, "钱七", "021-58000000", "川沙",
                  PUDONG_VILLAGE, 20, "草莓:红颜", "农产品地理标志", "AGI-0001", "草莓",
                  "2025-01-01", "2028-12-31"])
    buffer = io.BytesIO()
    book.save(buffer)
    job = upload(officer, "producers", SimpleUploadedFile("填好的.xlsx", buffer.getvalue()))
    job.refresh_from_db()
    assert job.status == "done", job.errors
    producer = Producer.objects.get(uscc=code)
    assert producer.certifications.get().kind == "gi"

    response = client.get(reverse("producer_import_template", args=["plots"]))
    book = load_workbook(io.BytesIO(response.content))
    sheet = book.worksheets[0]
    assert [c.value for c in sheet[1]] == PLOT_HEADINGS
    sheet.append([code, None, None, None, "草莓", 3, wkt_square(121.75, 31.13, 50)])
    buffer = io.BytesIO()
    book.save(buffer)
    job = upload(officer, "plots", SimpleUploadedFile("地块.xlsx", buffer.getvalue()))
    job.refresh_from_db()
    assert job.status == "done", job.errors
    assert producer.plots.get().crop == "草莓"
    assert client.get("/producers/import/template/other.xlsx").status_code == 404


def test_a_job_is_not_visible_to_another_user(world, upload, login):
    owner = world.pudong.district_officer
    job = upload(owner, "producers", csv_file(PRODUCER_HEADINGS, [producer_row(
        统一社会信用代码="bad")]))
    for other in (world.pudong.town_officer, world.city_admin, world.chongming.district_officer):
        client = login(other)
        assert client.get(reverse("producer_import_job", args=[job.pk])).status_code == 404
        assert client.get(reverse("producer_import_report", args=[job.pk])).status_code == 404
    assert login(owner).get(reverse("producer_import_job", args=[job.pk])).status_code == 200
    # Roles that may not import are refused the upload page.
    for role in ("grid_worker", "enforcement_officer", "producer"):
        client = login(getattr(world.pudong, role))
        assert client.get(reverse("producer_import")).status_code == 403
        file = csv_file(PRODUCER_HEADINGS, [producer_row()])
        assert client.post(reverse("producer_import"), {"kind": "producers",
                                                        "file": file}).status_code == 403


def test_a_file_that_is_not_a_register_is_refused(world, upload):
    officer = world.pudong.district_officer
    response = upload(officer, "producers", SimpleUploadedFile("x.pdf", b"%PDF"), expect=422)
    assert "文件格式应为" in response.content.decode()
    job = upload(officer, "producers", csv_file(["名称", "备注"], [{"名称": "甲"}]))
    job.refresh_from_db()
    assert job.status == "failed" and "缺少必填列" in job.errors[0]["message"]
    # Judged by its content before it is stored: not a workbook, whatever its name.
    response = upload(officer, "producers", SimpleUploadedFile("broken.xlsx", b"not a zip"),
                      expect=422)
    assert "文件内容不是 Excel 工作簿" in response.content.decode()


def test_progress_is_recorded(world, upload, login):
    rows = [producer_row(n=i) for i in range(450)]
    with CaptureQueriesContext(connection) as ctx:
        job = upload(world.pudong.district_officer, "producers",
                     csv_file(PRODUCER_HEADINGS, rows))
    job.refresh_from_db()
    assert (job.status, job.total, job.processed, job.imported) == ("done", 450, 450, 450)
    progress = [q["sql"] for q in ctx.captured_queries
                if q["sql"].startswith("UPDATE") and "importjob" in q["sql"]
                and "processed" in q["sql"]]
    assert len(progress) >= 3  # 0, 200, 400 and 450 rows: the page sees it move

    # While it runs, the page's partial shows how far it got and asks again in a second.
    ImportJob.objects.filter(pk=job.pk).update(status="running", processed=200)
    partial = login(world.pudong.district_officer).get(
        reverse("producer_import_job", args=[job.pk]), headers={"HX-Request": "true"})
    html = partial.content.decode()
    assert 'hx-trigger="every 1s"' in html and "200 / 450" in html and "<progress" in html
    assert "<html" not in html


def test_validation_queries_do_not_grow_with_the_file(world):
    officer = world.pudong.district_officer
    producer = world.pudong.the_producer

    def producer_queries(n):
        sheet = importing.Sheet(PRODUCER_HEADINGS, [
            importing.Record(i + 2, producer_row(n=i, 证书编号=f"C-{n}-{i}", 认证类型="绿色食品",
                                                 认证产品="青菜", 有效期起="2024-01-01",
                                                 有效期至="2026-01-01"))
            for i in range(n)])
        rows = importing.map_columns(sheet, "producers")
        with CaptureQueriesContext(connection) as queries:
            clean, errors = importing.validate_producers(rows, user=officer)
        assert not errors and len(clean) == n
        return len(queries)

    def plot_queries(n):
        sheet = importing.Sheet(PLOT_HEADINGS, [
            importing.Record(i + 2, {"主体ID": str(producer.pk),
                                     "地块范围": wkt_square(121.70 + i * 0.002, 31.30)})
            for i in range(n)])
        rows = importing.map_columns(sheet, "plots")
        with CaptureQueriesContext(connection) as queries:
            clean, errors = importing.validate_plots(rows, user=officer)
        assert not errors and len(clean) == n
        return len(queries)

    officer.refresh_from_db()  # a fresh user, so both counts include loading its region
    small = producer_queries(10)
    officer.refresh_from_db()
    assert producer_queries(50) == small <= 5
    officer.refresh_from_db()
    small = plot_queries(10)
    officer.refresh_from_db()
    assert plot_queries(50) == small <= 6

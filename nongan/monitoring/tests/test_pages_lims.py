"""The LIMS import page: a bad file writes nothing and lists its errors row by row; a good
one records every sample; the template workbook has the columns the import reads."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from nongan.monitoring.models import Result

from .page_helpers import city_plan, lab_sample

pytestmark = pytest.mark.usefixtures("media_root")


def csv_file(rows):
    text = "\n".join(",".join(map(str, r)) for r in rows)
    return SimpleUploadedFile("lims.csv", text.encode("utf-8-sig"), content_type="text/csv")


def test_a_bad_file_shows_the_error_table_and_writes_nothing(world, login, standards):
    a = lab_sample(world, city_plan(world))
    response = login(world.lab).post("/samples/import/", {"file": csv_file([
        ["sample_no", "analyte", "value", "unit", "lod", "method"],
        [a.sample_no, "啶虫脒", "0.2", "mg/kg", "0.01", "GB 23200.121"],
        [a.sample_no, "毒死蜱", "abc", "mg/kg", "0.01", "GB 23200.121"],
        ["2026310115L99999", "啶虫脒", "0.1", "mg/kg", "0.01", ""],
    ])})
    assert response.status_code == 422
    html = response.content.decode()
    assert "文件有错误，未导入任何数据" in html
    assert '<td class="num">3</td><td class="code">value</td><td class="wrap">应为数字</td>' in html
    assert '<td class="num">4</td><td class="code">sample_no</td>' in html
    assert "样品编号不存在或不是本机构的样品" in html
    assert not Result.objects.exists()


def test_a_good_file_is_imported_with_a_summary(world, login, standards):
    plan = city_plan(world)
    a, b = lab_sample(world, plan), lab_sample(world, plan)
    response = login(world.lab).post("/samples/import/", {"file": csv_file([
        ["样品编号", "检测项目", "检测值", "单位", "检出限", "检测方法"],
        [a.sample_no, "啶虫脒", "0.2", "mg/kg", "0.01", "GB 23200.121"],
        [a.sample_no, "毒死蜱", "ND", "mg/kg", "0.01", "GB 23200.121"],
        [b.sample_no, "啶虫脒", "800", "μg/kg", "10", "GB 23200.121"],
        [b.sample_no, "毒死蜱", "", "mg/kg", "0.01", "GB 23200.121"],
    ])})
    html = response.content.decode()
    assert response.status_code == 200
    assert "已导入 2 个样品的 4 项检测结果" in html
    assert "合格 1" in html and "不合格 1" in html
    assert Result.objects.count() == 4


def test_the_page_needs_a_file_and_a_lab(world, login):
    assert login(world.lab).post("/samples/import/").status_code == 422
    assert login(world.pudong.district_officer).get("/samples/import/").status_code == 403


def test_the_template_has_the_columns_the_import_reads(world, login):
    response = login(world.lab).get("/samples/import/template.xlsx")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    header = next(book.worksheets[0].iter_rows(values_only=True))
    assert list(header[:6]) == ["sample_no", "analyte", "value", "unit", "lod", "method"]
    assert "outcome" in header and book.worksheets[1].title == "填写说明"

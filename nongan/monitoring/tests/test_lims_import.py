"""LIMS export import: every row checked first, all or nothing, a row-by-row report."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from nongan.core.errors import FieldErrors
from nongan.monitoring import services
from nongan.monitoring.models import Result
from nongan.testing import make_plan, make_sample

from .helpers import small_standard


@pytest.fixture
def samples(world):
    small_standard()
    plan = make_plan(actor=world.city_admin, lab=world.lab.org)
    return [make_sample(world.pudong.the_producer, actor=world.lab, plan=plan.pk)
            for _ in range(2)]


def csv_file(rows, name="lims.csv"):
    text = "\n".join(",".join(map(str, r)) for r in rows)
    return SimpleUploadedFile(name, text.encode("utf-8-sig"))


def test_a_good_file_records_every_sample(world, samples):
    a, b = samples
    summary = services.import_lab_results(csv_file([
        ["样品编号", "检测项目", "检测值", "单位", "检出限", "检测方法"],
        [a.sample_no, "啶虫脒", "0.2", "mg/kg", "0.01", "GB 23200.121"],
        [a.sample_no, "毒死蜱", "ND", "mg/kg", "0.01", "GB 23200.121"],
        [b.sample_no, "啶虫脒", "1500", "μg/kg", "10", "GB 23200.121"],
        [b.sample_no, "毒死蜱", "", "mg/kg", "0.01", "GB 23200.121"],
    ]), actor=world.lab)
    assert summary == {"samples": 2, "results": 4,
                       "verdicts": {"compliant": 1, "non_compliant": 1}}


def test_one_bad_row_writes_nothing_and_names_row_and_column(world, samples):
    a, b = samples
    with pytest.raises(FieldErrors) as exc:
        services.import_lab_results(csv_file([
            ["sample_no", "analyte", "value", "unit", "lod"],
            [a.sample_no, "啶虫脒", "0.2", "mg/kg", "0.01"],
            [b.sample_no, "啶虫脒", "abc", "mg/kg", "0.01"],
            ["2026310115L99999", "啶虫脒", "0.1", "mg/kg", "0.01"],
            [b.sample_no, "毒死蜱", "0.1", "g/kg", "0.01"],
        ]), actor=world.lab)
    assert [(loc, msg) for loc, msg in exc.value.errors] == [
        ((3, "value"), "应为数字"),
        ((4, "sample_no"), "样品编号不存在或不是本机构的样品"),
        ((5, "unit"), "单位应为 mg/kg 或 μg/kg"),
    ]
    assert Result.objects.count() == 0


def test_another_labs_samples_are_unknown_to_the_file(world, samples):
    with pytest.raises(FieldErrors) as exc:
        services.import_lab_results(csv_file([
            ["样品编号", "检测项目", "检测值"], [samples[0].sample_no, "啶虫脒", "0.1"]]),
            actor=world.lab2)
    assert exc.value.errors[0][0] == (2, "sample_no")


def test_xlsx_and_the_api_answer_422_with_rows(world, samples, api):
    book = Workbook()
    book.active.append(["样品编号", "检测项目", "检测值", "单位"])
    book.active.append([samples[0].sample_no, "啶虫脒", -1, "mg/kg"])
    buffer = io.BytesIO()
    book.save(buffer)
    client = api(world.lab)
    answer = client.client.post(
        "/api/v1/samples/results/import",
        {"file": SimpleUploadedFile("lims.xlsx", buffer.getvalue())}, headers=client.headers)
    assert answer.status_code == 422
    assert answer.json()["detail"] == [{"loc": ["file", 2, "value"], "msg": "应为非负数"}]


def test_a_file_without_the_key_columns_is_refused(world, samples):
    with pytest.raises(FieldErrors) as exc:
        services.import_lab_results(csv_file([["编号", "值"], ["x", "1"]]), actor=world.lab)
    assert {loc[1] for loc, _ in exc.value.errors} == {"sample_no", "analyte"}

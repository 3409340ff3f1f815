"""One bad row rejects the whole file: nothing is written, and every bad row is reported
with its row, its column and the reason in Chinese."""

from nongan.core.models import AuditEntry
from nongan.testing import uscc
from nongan.traceability.models import Certificate, TraceProducer, UnmatchedRow

from .factories import (
    CERT_HEADINGS,
    PRODUCER_HEADINGS,
    cert_row,
    certificates_of,
    csv_file,
    days_ago,
    imported,
    producer_row,
    xlsx,
)


def report(job) -> dict:
    return {(e["row"], e["column"]): e["message"] for e in job.errors}


def test_a_bad_row_rejects_all_and_writes_nothing(world):
    p = world.pudong.the_producer
    bad_code = uscc(area="310115")[:-1] + "0"
    if bad_code == p.uscc:
        bad_code = bad_code[:-1] + "1"
    rows = [cert_row(p, 1),
            cert_row(p, 2, 统一社会信用代码=bad_code),
            cert_row(p, 3, 数量="0", 开具日期="2026-02-30"),
            cert_row(p, 4, 承诺依据="口头承诺"),
            cert_row(p, 5, 合格证编号=cert_row(p, 1)["合格证编号"]),
            cert_row(p, 6, 开具日期=days_ago(-3).isoformat(), 产品名称=""),
            cert_row(world.chongming.the_producer, 7)]  # another district's: not an error
    job = certificates_of(world.pudong, rows)
    assert job.status == "failed"
    errors = report(job)
    assert errors[(3, "统一社会信用代码")] == "统一社会信用代码校验位错误（GB 32100-2015）"
    assert errors[(4, "数量")] == "应大于0"
    assert errors[(4, "开具日期")] == "日期格式应为 YYYY-MM-DD"
    assert errors[(5, "承诺依据")].startswith("“口头承诺”不是承诺依据")
    assert errors[(6, "合格证编号")] == "与第2行的合格证编号重复"
    assert errors[(7, "开具日期")].startswith("日期应在")
    assert errors[(7, "产品名称")] == "不能为空"
    assert len(errors) == 7
    assert not Certificate.objects.exists() and not UnmatchedRow.objects.exists()
    assert not AuditEntry.objects.filter(action="trace.import").exists()
    assert (job.matched, job.unmatched, job.total) == (0, 0, 7)


def test_a_file_without_a_required_column_is_refused_whole(world):
    headings = [h for h in CERT_HEADINGS if h not in ("数量", "统一社会信用代码")]
    job = imported(world.pudong.district_officer, "certificates",
                   csv_file(headings, [cert_row(world.pudong.the_producer, 1)]))
    assert job.status == "failed"
    assert job.errors == [{"row": None, "column": "", "message":
                           "缺少必填列：数量（请使用导入模板）"}]
    no_identity = [h for h in CERT_HEADINGS if h != "统一社会信用代码"]
    job = imported(world.pudong.district_officer, "certificates",
                   csv_file(no_identity, [cert_row(world.pudong.the_producer, 1)]))
    assert job.errors[0]["message"] == "缺少识别主体的列：统一社会信用代码、身份证号、主体身份码（至少一列）"


def test_a_row_naming_no_producer_code_is_an_error(world):
    row = cert_row(world.pudong.the_producer, 1, 统一社会信用代码="")
    job = certificates_of(world.pudong, [row])
    assert report(job) == {(2, "统一社会信用代码"): "须填写统一社会信用代码或身份证号或主体身份码"}


def test_a_producers_file_is_checked_the_same_way(world):
    p = world.pudong.the_producer
    rows = [producer_row(p, "ZT-1", 注册日期="昨天"),
            producer_row(p, "ZT-1", 统一社会信用代码="", 身份证号="310115198001011234"),
            producer_row(p, "")]
    job = imported(world.pudong.district_officer, "producers",
                   xlsx(PRODUCER_HEADINGS, rows, "主体.xlsx"))
    errors = report(job)
    assert errors[(2, "注册日期")] == "日期格式应为 YYYY-MM-DD"
    assert errors[(3, "身份证号")] == "身份证号码校验位错误（GB 11643）"
    assert errors[(3, "主体身份码")] == "与第2行的主体身份码重复"
    assert errors[(4, "主体身份码")] == "不能为空"
    assert errors[(4, "统一社会信用代码")] == "与第2行的统一社会信用代码重复"
    assert not TraceProducer.objects.exists()


def test_a_file_that_is_not_a_spreadsheet_is_refused_at_upload(world, api):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = api(world.pudong.district_officer)
    response = client.client.post("/api/v1/trace-imports", {
        "kind": "certificates", "file": SimpleUploadedFile("a.pdf", b"%PDF-1.4")},
        headers=client.headers)
    assert response.status_code == 422
    assert response.json()["detail"] == [{"loc": ["body", "file"],
                                          "msg": "文件格式应为 .xlsx、.csv"}]

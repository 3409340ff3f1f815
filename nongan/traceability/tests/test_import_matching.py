"""Certificates imported from the national platform are matched to the register of the
importer's district by 统一社会信用代码; rows of producers not in it are kept and reported,
never telling whether the producer exists in another district."""

from io import BytesIO

from openpyxl import load_workbook

from nongan.core.models import AuditEntry
from nongan.testing import make_producer, uscc
from nongan.traceability.models import Certificate, UnmatchedRow

from .factories import CERT_HEADINGS, cert_row, certificates_of, csv_file, imported


def test_it_matches_certificates_by_credit_code_and_reports_the_rest(world, login):
    pudong, chongming = world.pudong, world.chongming
    stranger = {"合格证编号": "HGZ-NOBODY-1", "主体名称": "外省某合作社",
                "统一社会信用代码": uscc(area="320115"), "产品名称": "番茄", "数量": "20",
                "单位": "公斤", "开具日期": "2026-01-05", "承诺依据": "委托检测"}
    rows = [cert_row(pudong.the_producer, 1), cert_row(pudong.the_producer, 2),
            cert_row(chongming.the_producer, 3), stranger]
    job = certificates_of(pudong, rows)
    assert (job.status, job.total, job.matched, job.unmatched, job.skipped) == (
        "done", 4, 2, 2, 0), job.errors
    assert set(Certificate.objects.values_list("producer__name", flat=True)) == {"pudong合作社"}
    kept = {u.row: u for u in UnmatchedRow.objects.filter(trace_import=job)}
    assert set(kept) == {4, 5}  # spreadsheet rows: the heading is row 1
    # Another district's producer reads exactly like one that exists nowhere.
    assert kept[4].note == kept[5].note == "未在本辖区名录中找到"
    assert kept[4].producer is None and kept[4].data["cert_no"] == cert_row(
        chongming.the_producer, 3)["合格证编号"]
    entry = AuditEntry.objects.get(action="trace.import")
    assert entry.changes["after"]["matched"] == 2 and entry.region_code == pudong.district

    report = login(pudong.district_officer).get(f"/trace-imports/{job.pk}/report.xlsx")
    book = load_workbook(BytesIO(report.content))
    rows = list(book["未匹配记录"].iter_rows(values_only=True))
    assert [r[0] for r in rows[1:]] == [4, 5]
    assert rows[1][1] == "chongming合作社" and rows[1][5] == "未在本辖区名录中找到"
    assert dict(book["汇总"].iter_rows(values_only=True))["已匹配"] == 2


def test_the_city_matches_every_district(world):
    rows = [cert_row(world.pudong.the_producer, 1), cert_row(world.chongming.the_producer, 2)]
    job = imported(world.city_admin, "certificates", csv_file(CERT_HEADINGS, rows))
    assert (job.matched, job.unmatched, job.region_id) == (2, 0, "310000000000")


def test_a_grower_is_matched_by_his_id_number(world):
    side = world.pudong
    grower = make_producer(side.village, kind="grower", name="李四", legal_rep="李四")
    row = cert_row(grower, 1, 统一社会信用代码="") | {"身份证号": grower.id_number}
    job = imported(side.district_officer, "certificates",
                   csv_file([*CERT_HEADINGS, "身份证号"], [row]))
    assert job.matched == 1, job.errors
    assert Certificate.objects.get().producer == grower


def test_headings_are_read_by_their_aliases_and_values_in_the_platforms_forms(world):
    side = world.pudong
    headings = ["合格证号", "开具主体", "社会信用代码", "品名", "重量", "计量单位", "开具时间",
                "承诺依据", "产地名称", "产品追溯码"]
    row = dict(zip(headings, [
        "HGZ-A-1", side.the_producer.name, side.the_producer.uscc, "黄瓜", "1,200.5", "斤",
        "2026年1月9日", "自我检测、内部质量控制", "浦东新区川沙镇", "TC001"], strict=True))
    job = imported(side.district_officer, "certificates", csv_file(headings, [row]))
    assert job.matched == 1, job.errors
    cert = Certificate.objects.get()
    assert (cert.product, cert.quantity_text, cert.unit, cert.issued_on.isoformat()) == (
        "黄瓜", "1200.5", "斤", "2026-01-09")
    assert cert.basis == "self_test,internal_control"
    assert cert.basis_display == "自我检测、内部质量控制"

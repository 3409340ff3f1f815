"""重新匹配: rows left unmatched are matched once the producer is in the register, and
written as the import would have written them."""

from nongan.core.models import AuditEntry
from nongan.testing import make_producer, uscc
from nongan.traceability import services
from nongan.traceability.models import Certificate, TraceProducer, UnmatchedRow

from .factories import (
    PRODUCER_HEADINGS,
    cert_row,
    certificates_of,
    imported,
    producer_row,
    xlsx,
)


def newcomer_row(code: str, n: int) -> dict:
    return {"合格证编号": f"HGZ-NEW-{n}", "主体名称": "川沙新合作社", "统一社会信用代码": code,
            "产品名称": "韭菜", "数量": "12", "单位": "公斤", "开具日期": "2026-01-10",
            "承诺依据": "自我承诺"}


def test_rematch_writes_the_rows_of_a_producer_registered_since(world, api):
    side = world.pudong
    code = uscc(area="310115")
    job = certificates_of(side, [cert_row(side.the_producer, 1), newcomer_row(code, 1),
                                 newcomer_row(code, 2), cert_row(world.chongming.the_producer, 3)])
    assert (job.matched, job.unmatched) == (1, 3)
    newcomer = make_producer(side.village, name="川沙新合作社", uscc=code)

    answer = api(side.district_officer).post(f"/trace-imports/{job.pk}/rematch")
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert (body["matched"], body["unmatched"]) == (2, 1)
    assert (body["job"]["matched"], body["job"]["unmatched"]) == (3, 1)
    assert set(Certificate.objects.filter(producer=newcomer).values_list("cert_no", flat=True)) == {
        "HGZ-NEW-1", "HGZ-NEW-2"}
    rows = {u.row: u for u in UnmatchedRow.objects.filter(trace_import=job)}
    assert rows[3].producer == newcomer and rows[3].matched_at is not None
    assert rows[5].matched_at is None and rows[5].note == "未在本辖区名录中找到"
    assert AuditEntry.objects.filter(action="trace.rematch").count() == 1

    # Nothing new: a second rematch writes nothing.
    again = services.rematch(job, actor=side.district_officer)
    assert (again["matched"], again["unmatched"]) == (0, 1)
    assert Certificate.objects.count() == 3


def test_a_producer_registered_in_another_district_is_not_matched(world):
    code = uscc(area="310151")
    job = certificates_of(world.pudong, [newcomer_row(code, 1)])
    make_producer(world.chongming.village, name="川沙新合作社", uscc=code)
    assert services.rematch(job, actor=world.pudong.district_officer)["matched"] == 0
    assert not Certificate.objects.exists()


def test_a_platform_registration_is_matched_again_too(world):
    side = world.pudong
    grower = make_producer(side.village, kind="grower", name="赵六", legal_rep="赵六")
    row = producer_row(grower, "ZT-88") | {"身份证号": "", "统一社会信用代码": uscc()}
    job = imported(side.district_officer, "producers", xlsx(PRODUCER_HEADINGS, [row]))
    assert job.unmatched == 1
    grower.uscc = row["统一社会信用代码"]  # the register corrected: he registered a business
    grower.save()
    services.rematch(job, actor=side.district_officer)
    assert TraceProducer.objects.get(code="ZT-88").producer == grower


def test_rematch_is_for_those_who_import(world, api):
    job = certificates_of(world.pudong, [cert_row(world.chongming.the_producer, 1)])
    assert api(world.pudong.enforcement_officer).post(
        f"/trace-imports/{job.pk}/rematch").status_code == 403
    assert api(world.chongming.district_officer).post(
        f"/trace-imports/{job.pk}/rematch").status_code == 404

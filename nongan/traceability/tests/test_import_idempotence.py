"""Importing the same certificates again changes nothing: the same number with the same
content is skipped and counted; with different content it is a row error and the file is
refused."""

from nongan.traceability.models import Certificate, UnmatchedRow

from .factories import cert_row, certificates_of


def test_the_same_file_twice_skips_every_certificate(world):
    side = world.pudong
    rows = [cert_row(side.the_producer, n) for n in (1, 2, 3)]
    first = certificates_of(side, rows)
    again = certificates_of(side, rows)
    assert (first.matched, first.skipped) == (3, 0)
    assert (again.status, again.matched, again.skipped, again.unmatched) == ("done", 0, 3, 0)
    assert Certificate.objects.count() == 3
    assert set(Certificate.objects.values_list("trace_import", flat=True)) == {first.pk}


def test_a_certificate_number_with_other_content_is_a_row_error(world):
    side = world.pudong
    certificates_of(side, [cert_row(side.the_producer, 1)])
    changed = [cert_row(side.the_producer, 2),
               cert_row(side.the_producer, 1, 数量="80", 产品名称="菠菜")]
    job = certificates_of(side, changed)
    assert job.status == "failed"
    assert job.errors == [{"row": 3, "column": "合格证编号", "message":
                           "该合格证编号已导入，本次内容不同（产品名称、数量）；"
                           "更正请在追溯平台办理后联系管理员"}]
    assert Certificate.objects.count() == 1  # the new row 2 was not written either
    assert Certificate.objects.get().quantity_text == "50"


def test_another_districts_certificate_number_tells_nothing_when_unmatched(world):
    """Chongming's certificate, sent again by Pudong under Chongming's producer: to Pudong
    it is a row of a producer not in its register, as if the certificate did not exist."""
    certificates_of(world.chongming, [cert_row(world.chongming.the_producer, 1)])
    job = certificates_of(world.pudong, [cert_row(world.chongming.the_producer, 1)])
    assert (job.status, job.unmatched, job.skipped) == ("done", 1, 0)
    assert UnmatchedRow.objects.get(trace_import=job).note == "未在本辖区名录中找到"


def test_unmatched_rows_of_a_repeated_file_are_reported_again(world):
    rows = [cert_row(world.chongming.the_producer, 1)]
    first, again = certificates_of(world.pudong, rows), certificates_of(world.pudong, rows)
    assert first.unmatched == again.unmatched == 1

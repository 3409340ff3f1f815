"""The lab enters results on the sample page and sees each judgement with the limit, the
matched food and the edition; a correction needs its reason; the PDF report is uploaded
once (replacing needs a reason) and downloaded by anyone who can see the sample."""

import pytest

from nongan.monitoring.models import Result, Sample

from .page_helpers import PDF, city_plan, lab_sample, pdf_file

pytestmark = pytest.mark.usefixtures("media_root")


def entry(**rows):
    """The entry form as the browser posts it: row i = (analyte, value)."""
    data = {"rows": str(len(rows))}
    for i, (analyte, value) in enumerate(rows.items()):
        data |= {f"analyte_{i}": analyte, f"value_{i}": value, f"unit_{i}": "mg/kg",
                 f"lod_{i}": "0.01", f"method_{i}": "GB 23200.121-2021"}
    return data


def test_results_are_judged_with_the_limit_used(world, login, standards):
    sample = lab_sample(world, city_plan(world))
    client = login(world.lab)
    page = client.get(f"/samples/{sample.sample_no}/").content.decode()
    assert 'name="value_0"' in page and "录入检测结果" in page
    response = client.post(f"/samples/{sample.sample_no}/results/",
                           entry(毒死蜱="ND", 啶虫脒="0.3"))
    assert response.status_code == 302
    html = client.get(response["Location"]).content.decode()
    for text in ("未检出", "检出未超标", "0.3 mg/kg", "普通白菜", "0.5", "GB 2763-2026", "合格"):
        assert text in html, text
    sample.refresh_from_db()
    assert sample.verdict == "compliant"


def test_a_correction_requires_a_reason_and_shows_it(world, login, standards):
    sample = lab_sample(world, city_plan(world))
    client = login(world.lab)
    client.post(f"/samples/{sample.sample_no}/results/", entry(毒死蜱="ND", 啶虫脒="0.3"))
    refused = client.post(f"/samples/{sample.sample_no}/results/", entry(啶虫脒="3"))
    assert refused.status_code == 422
    assert "更正已有结果须填写更正原因" in refused.content.decode()
    assert Result.objects.filter(sample=sample).count() == 2
    done = client.post(f"/samples/{sample.sample_no}/results/",
                       entry(啶虫脒="3") | {"reason": "录入时小数点错位"})
    assert done.status_code == 302
    html = client.get(f"/samples/{sample.sample_no}/").content.decode()
    assert "结果更正记录" in html and "录入时小数点错位" in html
    assert "超标" in html and "不合格" in html
    assert Sample.objects.get(pk=sample.pk).verdict == "non_compliant"


def test_a_bad_value_is_shown_beside_its_row_and_nothing_is_saved(world, login, standards):
    sample = lab_sample(world, city_plan(world))
    response = login(world.lab).post(f"/samples/{sample.sample_no}/results/",
                                     entry(毒死蜱="abc", 啶虫脒="0.1"))
    assert response.status_code == 422
    assert "应为数字" in response.content.decode()
    assert not Result.objects.filter(sample=sample).exists()
    empty = login(world.lab).post(f"/samples/{sample.sample_no}/results/", {"rows": "2"})
    assert empty.status_code == 422 and "请至少填写一个检测项目的结果" in empty.content.decode()


def test_rapid_tests_are_positive_or_negative(world, login):
    from nongan.testing import make_sample

    sample = make_sample(world.pudong.the_producer, actor=world.pudong.town_officer,
                         kind="rapid", lab=world.lab.org.pk, analytes=["毒死蜱"])
    client = login(world.lab)
    assert 'name="outcome_0"' in client.get(f"/samples/{sample.sample_no}/").content.decode()
    client.post(f"/samples/{sample.sample_no}/results/",
                {"rows": "1", "analyte_0": "毒死蜱", "outcome_0": "positive"})
    sample.refresh_from_db()
    assert sample.verdict == "non_compliant"
    assert "阳性" in client.get(f"/samples/{sample.sample_no}/").content.decode()


def test_only_the_lab_enters_results(world, login, standards):
    sample = lab_sample(world, city_plan(world))
    officer = login(world.pudong.district_officer)
    assert 'name="value_0"' not in officer.get(f"/samples/{sample.sample_no}/").content.decode()
    assert officer.post(f"/samples/{sample.sample_no}/results/",
                        entry(毒死蜱="ND")).status_code == 403


def test_the_lab_records_receipt(world, login, standards):
    sample = lab_sample(world, city_plan(world))
    client = login(world.lab)
    assert "登记收样" in client.get(f"/samples/{sample.sample_no}/").content.decode()
    assert client.post(f"/samples/{sample.sample_no}/receive/").status_code == 302
    sample.refresh_from_db()
    assert sample.received_at is not None
    again = client.post(f"/samples/{sample.sample_no}/receive/", follow=True)
    assert "该样品已登记收样" in again.content.decode()


def test_the_report_is_a_pdf_downloaded_by_whoever_sees_the_sample(world, login, standards):
    sample = lab_sample(world, city_plan(world))
    lab = login(world.lab)
    url = f"/samples/{sample.sample_no}/report/"
    assert login(world.pudong.district_officer).get(url).status_code == 404  # none yet
    not_pdf = lab.post(url + "upload/", {"report": pdf_file("r.pdf", b"hello")})
    assert not_pdf.status_code == 422 and "检测报告须为 PDF 文件" in not_pdf.content.decode()
    assert lab.post(url + "upload/", {"report": pdf_file()}).status_code == 302
    download = login(world.pudong.district_officer).get(url)
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    assert b"".join(download.streaming_content) == PDF
    assert login(world.pudong.producer).get(url).status_code == 200
    for outsider in (world.chongming.district_officer, world.lab2):
        assert login(outsider).get(url).status_code == 404
    # Replacing it needs a reason.
    again = lab.post(url + "upload/", {"report": pdf_file(data=PDF + b"%v2")})
    assert again.status_code == 409 and "重新上传须说明原因" in again.content.decode()
    assert lab.post(url + "upload/", {"report": pdf_file(data=PDF + b"%v2"),
                                      "reason": "报告页码有误"}).status_code == 302
    assert b"".join(login(world.pudong.district_officer).get(url).streaming_content).endswith(
        b"%v2")

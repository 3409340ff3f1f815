"""每月检测汇总表: the lab drafts a month, downloads the workbook, submits it (due the 25th,
late shown); officers see every lab's summaries; another lab never sees them."""

import datetime as dt
import io

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from nongan.monitoring import deadlines
from nongan.monitoring.models import MonthlySummary

from .page_helpers import city_plan, lab_sample, results

pytestmark = pytest.mark.usefixtures("media_root")


def test_the_lab_drafts_downloads_and_submits_its_month(world, login, standards):
    sample = lab_sample(world, city_plan(world))
    results(world, sample, 毒死蜱=None, 啶虫脒="0.1")
    month = deadlines.summary_month(timezone.localdate())
    lab = login(world.lab)
    page = lab.get("/summaries/").content.decode()
    assert f'value="{month:%Y-%m}"' in page and "25日前" in page
    response = lab.post("/summaries/", {"month": f"{month:%Y-%m}"}, follow=True)
    assert "（1 个样品）" in response.content.decode()
    summary = MonthlySummary.objects.get(lab=world.lab.org, month=month)
    html = lab.get("/summaries/").content.decode()
    assert deadlines.summary_due(month).isoformat() in html and "待提交" in html
    download = lab.get(f"/summaries/{summary.pk}/file/")
    rows = list(load_workbook(io.BytesIO(b"".join(download.streaming_content)))
                .worksheets[0].iter_rows(values_only=True))
    assert rows[2][0] == sample.sample_no
    assert lab.post(f"/summaries/{summary.pk}/submit/").status_code == 302
    summary.refresh_from_db()
    assert summary.submitted_at is not None
    assert "按时提交" in lab.get("/summaries/").content.decode()
    again = lab.post("/summaries/", {"month": f"{month:%Y-%m}"})
    assert again.status_code == 422 and "该月汇总表已提交" in again.content.decode()


def test_a_late_summary_is_marked_late(world, login):
    lab = login(world.lab)
    past = (timezone.localdate().replace(day=1) - dt.timedelta(days=40)).replace(day=1)
    lab.post("/summaries/", {"month": f"{past:%Y-%m}"})
    summary = MonthlySummary.objects.get(lab=world.lab.org, month=past)
    assert "逾期未提交" in lab.get("/summaries/").content.decode()
    lab.post(f"/summaries/{summary.pk}/submit/")
    assert "逾期提交" in lab.get("/summaries/").content.decode()
    bad = lab.post("/summaries/", {"month": "2026/05"})
    assert bad.status_code == 422 and "月份格式应为 YYYY-MM" in bad.content.decode()


def test_officers_see_every_labs_summaries_and_labs_only_their_own(world, login):
    login(world.lab).post("/summaries/", {"month": "2026-10"})
    summary = MonthlySummary.objects.get()
    officer = login(world.pudong.district_officer)
    html = officer.get("/summaries/").content.decode()
    assert "上海市农产品质量安全检测中心" in html and 'name="month"' not in html
    assert officer.get(f"/summaries/{summary.pk}/file/").status_code == 200
    assert officer.post(f"/summaries/{summary.pk}/submit/").status_code == 403
    other_lab = login(world.lab2)
    assert "上海市农产品质量安全检测中心" not in other_lab.get("/summaries/").content.decode()
    assert other_lab.get(f"/summaries/{summary.pk}/file/").status_code == 404
    assert other_lab.post(f"/summaries/{summary.pk}/submit/").status_code == 404
    assert login(world.pudong.producer).get(f"/summaries/{summary.pk}/file/").status_code == 404

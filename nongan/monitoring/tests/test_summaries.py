"""The monthly summary (每月检测汇总表) drafted from results, submitted by the 25th."""

import datetime as dt
import io

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from nongan.core.errors import Conflict
from nongan.monitoring import queries, services
from nongan.monitoring.models import Sample
from nongan.testing import make_plan, make_sample

from .helpers import small_standard


@pytest.fixture
def tested(world):
    small_standard()
    plan = make_plan(actor=world.city_admin, lab=world.lab.org)
    sample = make_sample(world.pudong.the_producer, actor=world.lab, plan=plan.pk)
    services.record_results(sample, [{"analyte": "啶虫脒", "value": "2"},
                                     {"analyte": "毒死蜱", "value": None}], actor=world.lab)
    return Sample.objects.get(pk=sample.pk)


def test_the_draft_lists_the_months_results_and_counts(world, tested):
    month = tested.completed_at.astimezone(timezone.get_current_timezone()).date()
    from nongan.monitoring.deadlines import summary_month

    summary = services.draft_summary(world.lab.org, summary_month(month), actor=world.lab)
    book = load_workbook(io.BytesIO(summary.file.read()))
    rows = list(book["样品明细"].iter_rows(values_only=True))
    assert rows[2][0] == tested.sample_no and rows[2][11] == "不合格"
    assert "啶虫脒 2" in rows[2][10]
    counts = list(book["分区统计"].iter_rows(values_only=True))
    assert counts[1][:5] == ("浦东新区", "蔬菜", 1, 0, 1)
    services.submit_summary(summary, actor=world.lab)
    with pytest.raises(Conflict):
        services.draft_summary(world.lab.org, summary.month, actor=world.lab)


def test_an_unsubmitted_month_is_overdue_after_the_25th(world, tested):
    later = tested.completed_at + dt.timedelta(days=45)
    items = [i for i in queries.overdue(world.lab, now=later) if i["kind"] == "summary"]
    assert items and items[0]["days_overdue"] > 0
    assert not [i for i in queries.overdue(world.lab2, now=later) if i["kind"] == "summary"]


def test_results_past_ten_days_are_on_the_labs_and_districts_lists(world):
    small_standard()
    plan = make_plan(actor=world.city_admin, lab=world.lab.org)
    sample = make_sample(world.pudong.the_producer, actor=world.lab, plan=plan.pk)
    later = timezone.now() + dt.timedelta(days=12)
    for user in (world.lab, world.pudong.district_officer, world.city_admin):
        kinds = {(i["kind"], i["sample"].sample_no if i["sample"] else None)
                 for i in queries.overdue(user, now=later)}
        assert ("results", sample.sample_no) in kinds
    assert not [i for i in queries.overdue(world.chongming.district_officer, now=later)
                if i["kind"] == "results"]
    assert not queries.overdue(world.lab2, now=later)

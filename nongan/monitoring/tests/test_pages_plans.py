"""Monitoring plans on the web: a city or district admin sets one up with quotas by district
and category; every level sees progress against its quotas; errors show beside fields."""

import datetime as dt
import io

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from nongan.monitoring.models import MonitoringPlan
from nongan.testing import make_plan

from .page_helpers import lab_sample, results

pytestmark = pytest.mark.usefixtures("media_root")


def plan_post(world, **fields) -> dict:
    today = timezone.localdate()
    return {"name": "2026年蔬菜例行监测", "kind": "routine",
            "starts_on": (today - dt.timedelta(days=30)).isoformat(),
            "ends_on": (today + dt.timedelta(days=30)).isoformat(),
            "analytes": "毒死蜱\n啶虫脒、吡虫啉", "lab": str(world.lab.org.pk),
            "q_district": ["310115000000", "310151000000", ""],
            "q_category": ["蔬菜", "蔬菜", ""], "q_count": ["4", "2", ""]} | fields


def test_the_city_creates_a_plan_and_every_level_sees_its_progress(world, login, standards):
    admin = login(world.city_admin)
    form = admin.get("/plans/new/").content.decode()
    assert 'name="q_district"' in form and "崇明区" in form
    response = admin.post("/plans/new/", plan_post(world))
    assert response.status_code == 302
    plan = MonitoringPlan.objects.get()
    assert response["Location"] == f"/plans/{plan.pk}/"
    assert plan.analytes == ["毒死蜱", "啶虫脒", "吡虫啉"]
    assert sorted(plan.quotas.values_list("district", "category", "count")) == [
        ("310115000000", "蔬菜", 4), ("310151000000", "蔬菜", 2)]
    plan.analytes = ["毒死蜱", "啶虫脒"]
    plan.save()
    done = lab_sample(world, plan)
    results(world, done, 毒死蜱=None, 啶虫脒="0.1")
    lab_sample(world, plan)  # waiting for results
    html = admin.get(f"/plans/{plan.pk}/").content.decode()
    assert '<span class="num">2/4</span>' in html and '<span class="num">0/2</span>' in html
    assert '<span class="num">2/6</span>' in html  # the total
    assert "<progress" in html
    # The district officer sees the district's row only; the list shows the total.
    officer = login(world.pudong.district_officer)
    mine = officer.get(f"/plans/{plan.pk}/").content.decode()
    assert '<span class="num">2/4</span>' in mine and "崇明区" not in mine
    assert '<span class="num">2/4</span>' in officer.get("/plans/").content.decode()
    export = admin.get(f"/plans/{plan.pk}/", {"format": "xlsx"})
    rows = list(load_workbook(io.BytesIO(export.content)).active.iter_rows(values_only=True))
    assert rows[0][:4] == ("区", "产品类别", "任务量", "已抽样")
    assert ("浦东新区", "蔬菜", 4, 2, 1, 0, 1, "50%") in rows


def test_field_errors_show_in_chinese_beside_their_fields(world, login):
    officer = login(world.pudong.district_officer)
    today = timezone.localdate()
    response = officer.post("/plans/new/", plan_post(
        world, name="", starts_on=today.isoformat(),
        ends_on=(today - dt.timedelta(days=1)).isoformat()))
    html = response.content.decode()
    assert response.status_code == 422
    assert "须填写任务名称" in html and "结束日期不能早于开始日期" in html
    # A district plan sets quotas for its own district only; the error is on that row.
    response = officer.post("/plans/new/", plan_post(world))
    assert response.status_code == 422 and "只能为本区下达任务量" in response.content.decode()
    assert not MonitoringPlan.objects.exists()
    bad_count = officer.post("/plans/new/", plan_post(world, q_district=["310115000000"],
                                                      q_category=["蔬菜"], q_count=["x"]))
    assert "样品数应为正整数" in bad_count.content.decode()


def test_more_quota_rows_keep_what_was_typed(world, login):
    response = login(world.city_admin).post("/plans/new/", plan_post(world, more="1"))
    html = response.content.decode()
    assert response.status_code == 200 and html.count('name="q_district"') == 6 + 4
    assert 'value="2026年蔬菜例行监测"' in html and not MonitoringPlan.objects.exists()


def test_only_admins_create_and_other_districts_plans_are_404(world, login):
    assert login(world.pudong.grid_worker).get("/plans/new/").status_code == 403
    plan = make_plan(actor=world.chongming.district_officer, lab=world.lab.org,
                     quotas=[{"district": "310151000000", "category": "蔬菜", "count": 2}])
    assert login(world.pudong.district_officer).get(f"/plans/{plan.pk}/").status_code == 404
    assert login(world.chongming.town_officer).get(f"/plans/{plan.pk}/").status_code == 200
    assert plan.name not in login(world.pudong.town_officer).get("/plans/").content.decode()

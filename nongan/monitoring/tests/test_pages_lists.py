"""The samples list (filters, sort, paging, Excel export of what is filtered) and the
monthly table (district × category × verdict, pass rates, chart data, export)."""

import datetime as dt
import io
import json
import re

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from .page_helpers import city_plan, lab_sample, results

pytestmark = pytest.mark.usefixtures("media_root")


def three_samples(world):
    """pudong: one compliant, one non-compliant; chongming: one waiting for results."""
    plan = city_plan(world, quotas=[
        {"district": "310115000000", "category": "蔬菜", "count": 4},
        {"district": "310151000000", "category": "蔬菜", "count": 2}])
    ok = lab_sample(world, plan)
    results(world, ok, 毒死蜱=None, 啶虫脒="0.1")
    bad = lab_sample(world, plan, product="番茄", variety="")
    results(world, bad, 毒死蜱="0.05", 啶虫脒=None)
    waiting = lab_sample(world, plan, side=world.chongming)
    return plan, ok, bad, waiting


def sample_numbers(html) -> list[str]:
    return re.findall(r'<td class="nowrap code"><a href="/samples/([^/]+)/">', html)


def test_the_list_filters_sorts_and_scopes(world, login, standards):
    plan, ok, bad, waiting = three_samples(world)
    city = login(world.city_admin)
    assert set(sample_numbers(city.get("/samples/").content.decode())) == {
        ok.sample_no, bad.sample_no, waiting.sample_no}
    assert sample_numbers(city.get("/samples/", {"verdict": "non_compliant"})
                          .content.decode()) == [bad.sample_no]
    assert set(sample_numbers(city.get("/samples/", {"region": "310115000000"})
                              .content.decode())) == {ok.sample_no, bad.sample_no}
    assert sample_numbers(city.get("/samples/", {"q": "番茄"}).content.decode()) == [
        bad.sample_no]
    assert sample_numbers(city.get("/samples/", {"sort": "sample_no"}).content.decode()) == \
        sorted([ok.sample_no, bad.sample_no, waiting.sample_no])
    assert sample_numbers(city.get("/samples/", {"sort": "-sample_no"}).content.decode()) == \
        sorted([ok.sample_no, bad.sample_no, waiting.sample_no], reverse=True)
    # The day they were sampled (an hour ago: yesterday, when the test runs just after
    # midnight in Shanghai).
    today = timezone.localdate(ok.sampled_at)
    assert len(sample_numbers(city.get("/samples/", {
        "from": today.isoformat(), "to": today.isoformat(), "plan": plan.pk,
        "kind": "routine", "category": "蔬菜"}).content.decode())) == 3
    assert sample_numbers(city.get("/samples/", {
        "from": (today + dt.timedelta(days=1)).isoformat()}).content.decode()) == []
    # A district officer sees only the district; a foreign region is a notice, not a leak.
    officer = login(world.pudong.district_officer)
    assert set(sample_numbers(officer.get("/samples/").content.decode())) == {
        ok.sample_no, bad.sample_no}
    foreign = officer.get("/samples/", {"region": "310151000000"}).content.decode()
    assert "区域不存在或不在辖区内" in foreign and sample_numbers(foreign) == []
    # htmx asks for the results only.
    partial = city.get("/samples/", {"verdict": "compliant"}, headers={"HX-Request": "true"})
    assert "<html" not in partial.content.decode()
    assert sample_numbers(partial.content.decode()) == [ok.sample_no]


def test_the_list_pages_and_shows_overdue(world, login, standards):
    plan = city_plan(world)
    late = lab_sample(world, plan, sampled_at=timezone.now() - dt.timedelta(days=12))
    for _ in range(3):
        lab_sample(world, plan)
    client = login(world.lab)
    first = client.get("/samples/", {"page_size": 2}).content.decode()
    assert len(sample_numbers(first)) == 2 and "第 1 / 2 页" in first
    assert len(sample_numbers(client.get("/samples/", {"page_size": 2, "page": 2})
                              .content.decode())) == 2
    assert sample_numbers(client.get("/samples/", {"overdue": "1"}).content.decode()) == [
        late.sample_no]


def test_the_export_is_the_filtered_list(world, login, standards):
    _plan, ok, bad, waiting = three_samples(world)
    response = login(world.city_admin).get("/samples/", {"verdict": "non_compliant",
                                                         "format": "xlsx"})
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[0][0] == "样品编号" and len(rows) == 2
    assert rows[1][0] == bad.sample_no and rows[1][13] == "不合格"
    assert "毒死蜱" in rows[1][14] and rows[1][15] == "GB 2763-2026"
    everything = login(world.pudong.district_officer).get("/samples/", {"format": "xlsx"})
    numbers = {r[0] for r in load_workbook(io.BytesIO(everything.content)).active
               .iter_rows(min_row=2, values_only=True)}
    assert numbers == {ok.sample_no, bad.sample_no}


def test_the_monthly_table_counts_by_district_and_category(world, login, standards):
    three_samples(world)
    client = login(world.city_admin)
    month = timezone.localdate().strftime("%Y-%m")
    html = client.get("/monitoring/monthly/", {"month": month}).content.decode()
    rows = re.findall(r"<tr><td class=\"nowrap\">(\S+)</td><td>(\S+)</td>"
                      r"<td class=\"num\">(\d+)</td><td class=\"num\">(\d+)</td>", html)
    assert ("浦东新区", "蔬菜", "2", "1") in rows and ("崇明区", "蔬菜", "1", "0") in rows
    assert "50.0%" in html and "echarts.min.js" in html
    chart = json.loads(re.search(r'<script id="pass-chart-data" type="application/json">'
                                 r"(.*?)</script>", html).group(1))
    assert chart["districts"] == ["浦东新区", "崇明区"] and chart["rates"] == [50.0, None]
    export = client.get("/monitoring/monthly/", {"month": month, "format": "xlsx"})
    sheet = list(load_workbook(io.BytesIO(export.content)).active.iter_rows(values_only=True))
    assert sheet[0][0] == "区" and ("浦东新区", "蔬菜", 2, 1, 1, 0, "50.0%") in sheet
    # A district officer's table is the district's; a bad month is a field error.
    mine = login(world.pudong.district_officer).get("/monitoring/monthly/").content.decode()
    assert "浦东新区" in mine and "崇明区</td>" not in mine
    bad = client.get("/monitoring/monthly/", {"month": "2026-13"})
    assert bad.status_code == 422 and "月份格式应为 YYYY-MM" in bad.content.decode()

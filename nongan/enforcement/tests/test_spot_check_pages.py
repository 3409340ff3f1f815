"""The 双随机 pages for the district office and enforcement officers: list, plan form (errors
beside their fields), detail with draw / cancel / result / publish, replay, 一单两库; another
district's town officer gets 404."""

import datetime as dt
import io

import pytest
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from openpyxl import load_workbook

from nongan.enforcement.models import SpotCheck

from .spot_check_factories import drawn, matter, officer, planned, producers, villages

PAGES = ["/spot-checks/", "/spot-checks/new/", "/spot-checks/population/", "/matters/",
         "/officers/", "/conflicts/"]


def form_post(the_matter, **fields) -> dict:
    today = timezone.localdate()
    return {"title": "2026年秋季双随机抽查", "matter": str(the_matter.pk), "region": "310115000000",
            "kind": "", "certification": "", "credit_grade": "", "exclude_months": "0",
            "mode": "share", "share": "1", "count": "", "share_A": "0.05", "share_B": "0.10",
            "share_C": "0.30", "share_D": "0.65", "stratify_by": "", "team_size": "2",
            "period_start": today.isoformat(),
            "period_end": (today + dt.timedelta(days=30)).isoformat()} | fields


@pytest.mark.parametrize("role", ["district_officer", "enforcement_officer"])
def test_every_page_renders_for_the_district(world, login, role):
    side = world.pudong
    client = login(getattr(side, role))
    producers(villages())
    planned_check = planned(side.enforcement_officer, share="1")
    drawn_check = drawn(side.enforcement_officer, share="1")
    for path in PAGES + [f"/spot-checks/{c.pk}/{suffix}" for c in (planned_check, drawn_check)
                         for suffix in ("", "replay/", "snapshot.json")]:
        response = client.get(path)
        assert response.status_code == 200, path
    html = client.get(f"/spot-checks/{drawn_check.pk}/").content.decode()
    assert drawn_check.seed in html and "抽查对象与检查组" in html
    assert 'name="viewport"' in html  # the 360 px layout of base.html


def test_the_plan_form_offers_the_rules_grade_shares(world, login):
    html = login(world.pudong.enforcement_officer).get("/spot-checks/new/").content.decode()
    for grade, value in (("A", "0.05"), ("B", "0.10"), ("C", "0.30"), ("D", "0.65")):
        assert f'name="share_{grade}" value="{value}"' in html
    assert 'id="population-preview"' in html


def test_a_plan_made_on_the_page_and_drawn(world, login):
    side = world.pudong
    producers(villages(), per_place=2)
    client = login(side.enforcement_officer)
    response = client.post("/spot-checks/new/", form_post(matter(), mode="grade_shares",
                                                          share="", stratify_by="town"))
    check = SpotCheck.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/spot-checks/{check.pk}/"
    assert check.grade_shares == {"A": "0.05", "B": "0.1", "C": "0.3", "D": "0.65"}
    assert check.share is None and check.stratify_by == "town"
    page = client.get(response["Location"]).content.decode()
    assert check.seed_hash in page and check.seed not in page
    client.post(f"/spot-checks/{check.pk}/draw/")
    check.refresh_from_db()
    assert check.state == "drawn"
    assert check.seed in client.get(f"/spot-checks/{check.pk}/").content.decode()


def test_plan_errors_show_beside_their_fields(world, login):
    client = login(world.pudong.enforcement_officer)
    response = client.post("/spot-checks/new/", form_post(
        matter(), title="", share="1.5", team_size="1"))
    html = response.content.decode()
    assert response.status_code == 422
    for message in ("须填写计划名称", "不超过1", "不少于2人"):
        assert message in html
    assert not SpotCheck.objects.exists()
    response = client.post("/spot-checks/new/", form_post(matter(), mode="grade_shares",
                                                          share_A="9"))
    assert "A级抽取比例应在0到1之间" in response.content.decode()


def test_results_cancel_and_publish_on_the_detail_page(world, login):
    side = world.pudong
    check = drawn(side.enforcement_officer, share="1")
    target = check.targets.get()
    client = login(side.enforcement_officer)
    bad = client.post(f"/spot-checks/{check.pk}/targets/{target.pk}/result/",
                      {f"t{target.pk}-result": "refer", f"t{target.pk}-note": ""})
    assert bad.status_code == 422 and "须说明" in bad.content.decode()
    ok = client.post(f"/spot-checks/{check.pk}/targets/{target.pk}/result/",
                     {f"t{target.pk}-result": "refer", f"t{target.pk}-note": "使用禁用农药"})
    assert ok.status_code == 302
    target.refresh_from_db()
    assert target.result == "refer"
    html = client.get(f"/spot-checks/{check.pk}/").content.decode()
    assert "使用禁用农药" in html and "待公示" in html
    try:
        case_new = reverse("case_new")
    except NoReverseMatch:
        assert "?target=" not in html
    else:
        assert f"{case_new}?target={target.pk}" in html
    # With a result formed the plan can no longer be cancelled.
    assert "取消计划" not in html
    client.post(f"/spot-checks/{check.pk}/publish/")
    target.refresh_from_db()
    assert target.published_at is not None
    second = planned(side.enforcement_officer, share="1")
    refused = client.post(f"/spot-checks/{second.pk}/cancel/", {"reason": ""})
    assert refused.status_code == 422 and "须填写取消理由" in refused.content.decode()
    client.post(f"/spot-checks/{second.pk}/cancel/", {"reason": "人员调整"})
    second.refresh_from_db()
    assert second.state == "cancelled"
    assert "人员调整" in client.get(f"/spot-checks/{second.pk}/").content.decode()


def test_the_list_filters_and_exports(world, login):
    side = world.pudong
    planned(side.enforcement_officer, share="1", title="计划A")
    drawn(side.enforcement_officer, share="1", title="计划B")
    client = login(side.district_officer)
    html = client.get("/spot-checks/", {"state": "drawn"}).content.decode()
    assert "计划B" in html and "计划A" not in html
    export = client.get("/spot-checks/", {"format": "xlsx"})
    rows = list(load_workbook(io.BytesIO(export.content)).active.iter_rows(values_only=True))
    assert len(rows) == 3
    outside = client.get("/spot-checks/", {"region": world.chongming.district})
    assert "区域不存在或不在辖区内" in outside.content.decode()


def test_another_districts_officers_get_404(world, login):
    check = drawn(world.pudong.enforcement_officer, share="1")
    target = check.targets.get()
    for user in (world.chongming.town_officer, world.chongming.enforcement_officer):
        client = login(user)
        for path in (f"/spot-checks/{check.pk}/", f"/spot-checks/{check.pk}/replay/",
                     f"/spot-checks/{check.pk}/snapshot.json"):
            assert client.get(path).status_code == 404, path
        for path in (f"/spot-checks/{check.pk}/draw/", f"/spot-checks/{check.pk}/publish/",
                     f"/spot-checks/{check.pk}/cancel/",
                     f"/spot-checks/{check.pk}/targets/{target.pk}/result/"):
            assert client.post(path, {"reason": "x"}).status_code == 404, path
        assert check.title not in client.get("/spot-checks/").content.decode()


def test_the_population_page_counts_by_town_and_grade(world, login):
    places = villages()
    producers(places, "D")
    client = login(world.pudong.enforcement_officer)
    html = client.get("/spot-checks/population/", {"credit_grade": "D"}).content.decode()
    assert "符合条件的检查对象 3 个" in html
    for place in places:
        assert place.town.name in html
    partial = client.get("/spot-checks/population/", {"region": places[0].town_id},
                         headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in partial and "符合条件的检查对象 1 个" in partial
    assert f"/producers/?region={places[0].town_id}" in partial


def test_a_large_draw_pages_its_targets_and_filters_them(world, login):
    from nongan.enforcement.services import spot_checks
    from nongan.enforcement.views_spot_checks import TARGETS_PER_PAGE

    officer()
    producers(villages(towns=3), "B", per_place=TARGETS_PER_PAGE // 2 + 1)
    check = drawn(world.pudong.enforcement_officer, share="1")
    count = check.targets.count()
    assert count > TARGETS_PER_PAGE
    client = login(world.pudong.enforcement_officer)
    first = client.get(f"/spot-checks/{check.pk}/").content.decode()
    assert first.count('id="target-') == TARGETS_PER_PAGE
    last = client.get(f"/spot-checks/{check.pk}/", {"tpage": 2}).content.decode()
    assert last.count('id="target-') == count - TARGETS_PER_PAGE
    target = check.targets.get(position=count)
    spot_checks.record_check_result(target, {"result": "pass"},
                                    actor=world.pudong.enforcement_officer)
    pending = client.get(f"/spot-checks/{check.pk}/", {"state": "unpublished"}).content.decode()
    assert pending.count('id="target-') == 1 and f'id="target-{target.pk}"' in pending
    in_town = client.get(f"/spot-checks/{check.pk}/", {"town": target.town_id}).content.decode()
    assert 0 < in_town.count('id="target-') < count
    # A failed form comes back on the page that holds its target.
    other = check.targets.get(position=count - 1)
    failed = client.post(f"/spot-checks/{check.pk}/targets/{other.pk}/result/",
                         {f"t{other.pk}-result": "rectify"})
    assert failed.status_code == 422 and f'id="target-{other.pk}"' in failed.content.decode()

import datetime as dt

from nongan.inspections.models import Rectification
from nongan.testing import make_inspection, make_template


def rectify(side, days_ago):
    inspection = make_inspection(
        side.the_producer, actor=side.grid_worker, result="rectify",
        rectification={"items": ["补全生产记录"],
                       "deadline": dt.date.today() + dt.timedelta(days=10)})
    Rectification.objects.filter(ordered_by=inspection).update(
        deadline=dt.date.today() - dt.timedelta(days=days_ago))
    return inspection


def test_the_todo_list_shows_overdue_orders_and_due_producers_in_scope(world, login):
    make_template()
    rectify(world.pudong, days_ago=5)
    rectify(world.chongming, days_ago=3)
    html = login(world.pudong.town_officer).get("/todo/").content.decode()
    assert "整改逾期 5 天" in html and "pudong合作社" in html
    assert "chongming合作社" not in html and "整改逾期 3 天" not in html


def test_a_producer_account_has_no_todo_link(world, login):
    html = login(world.pudong.producer).get("/").content.decode()
    assert 'href="/todo/"' not in html


def test_the_schedules_page_sums_by_area_and_exports(world, login):
    from io import BytesIO

    from openpyxl import load_workbook

    client = login(world.pudong.district_officer)
    last_year = str(dt.date.today().year - 1)
    html = client.get("/schedules/", {"period": last_year, "by": "town"}).content.decode()
    assert "pudong合作社" in html and "chongming合作社" not in html
    assert "川沙新镇" in html  # the town row of the summary
    export = client.get("/schedules/", {"period": last_year, "format": "xlsx"})
    rows = list(load_workbook(BytesIO(export.content)).active.iter_rows(values_only=True))
    assert rows[1][0] == "pudong合作社" and rows[1][5] == "逾期"
    bad = client.get("/schedules/", {"period": "2026-Q5"})
    assert bad.status_code == 422 and "期间格式" in bad.content.decode()
    assert "chongming合作社" not in login(world.pudong.grid_worker).get(
        "/schedules/", {"period": last_year, "region": "310151000000"}).content.decode()


def test_the_city_admin_publishes_a_template_version_from_the_page(world, login):
    import json

    from nongan.inspections.models import ChecklistTemplate

    make_template()
    items = [{"key": "records", "section": "生产记录", "text": "生产记录完整（第二版）",
              "type": "yes_no", "required": True}]
    admin = login(world.city_admin)
    assert "测试巡查表" in admin.get("/inspection-templates/").content.decode()
    bad = admin.post("/inspection-templates/", {"code": "test-daily", "items": "[{"})
    assert bad.status_code == 422 and "JSON" in bad.content.decode()
    admin.post("/inspection-templates/", {"code": "test-daily", "items": json.dumps(items)})
    versions = ChecklistTemplate.objects.filter(code="test-daily")
    assert sorted(versions.values_list("version", "active")) == [(1, False), (2, True)]
    refused = login(world.pudong.district_officer).post(
        "/inspection-templates/", {"code": "test-daily", "items": json.dumps(items)})
    assert refused.status_code == 403

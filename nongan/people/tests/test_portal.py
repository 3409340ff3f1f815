"""`/my/`: a producer account's own page — register entry, plots, certificates, inspection
results, rectification orders with deadlines, test results, credit grade and the year's
commitment — and nothing of its neighbour's; only producer accounts have one."""

import datetime as dt

import pytest
from django.utils import timezone

from nongan.inspections.tests.rectification_factories import ordered, replied
from nongan.monitoring.services import record_results
from nongan.producers.services import add_certification
from nongan.testing import make_producer, make_sample


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def records(world):
    side = world.pudong
    cert = add_certification(side.the_producer, {
        "kind": "green", "cert_no": "LB-18-2301234567", "products": "青菜",
        "valid_from": dt.date(2025, 1, 1), "valid_to": dt.date(2028, 12, 31)},
        actor=world.city_admin)
    sample = make_sample(side.the_producer, actor=side.district_officer, kind="rapid",
                         lab=world.lab.org.pk)
    record_results(sample, [{"analyte": "毒死蜱", "outcome": "positive"},
                            {"analyte": "啶虫脒", "outcome": "negative"}], actor=world.lab)
    order = ordered(side.the_producer, actor=side.grid_worker, days=12,
                    items=["清理过期农药", "补全农药使用记录"])
    replied(order, side.producer)
    neighbour = make_producer(side.village, actor=world.city_admin, name="邻居合作社")
    ordered(neighbour, actor=side.grid_worker, items=["邻居的整改事项"])
    return {"cert": cert, "sample": sample, "order": order}


def test_the_portal_shows_the_producers_own_records(world, login, records):
    page = login(world.pudong.producer).get("/my/")
    assert page.status_code == 200
    html = page.content.decode()
    side, order = world.pudong, records["order"]
    assert "pudong合作社" in html and side.plot.plot_no in html
    assert f'href="/plots/{side.plot.pk}/"' in html
    assert "LB-18-2301234567" in html
    assert "清理过期农药" in html and order.deadline.isoformat() in html
    assert "剩 12 天" in html and "已答复 1 次" in html
    assert f'href="/rectifications/{order.pk}/#reply"' in html
    assert f'href="/inspections/{order.ordered_by_id}/"' in html
    assert records["sample"].sample_no in html and "毒死蜱" in html
    assert "信用等级" in html and f'/producers/{side.the_producer.pk}/#credit' in html
    assert f"{timezone.localdate().year} 年承诺书" in html
    assert "邻居" not in html


def test_an_overdue_order_says_so(world, login, records):
    from nongan.inspections.models import Rectification

    Rectification.objects.filter(pk=records["order"].pk).update(
        deadline=timezone.localdate() - dt.timedelta(days=4))
    assert "已逾期 4 天" in login(world.pudong.producer).get("/my/").content.decode()


def test_the_nav_leads_a_producer_to_its_portal(world, login):
    html = login(world.pudong.producer).get("/rectifications/").content.decode()
    assert 'href="/my/"' in html and "我的主页" in html
    assert "我的主页" not in login(world.pudong.town_officer).get("/").content.decode()


@pytest.mark.parametrize("role", ["district_officer", "town_officer", "grid_worker",
                                  "enforcement_officer"])
def test_only_producer_accounts_have_a_portal(world, login, role):
    assert login(getattr(world.pudong, role)).get("/my/").status_code == 403


def test_the_portal_needs_a_login(client, db):
    answer = client.get("/my/")
    assert answer.status_code == 302 and answer["Location"].startswith("/login/?next=/my/")

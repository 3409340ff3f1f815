"""Home, the audit log and the language switch, through the client."""

import pytest

from nongan.core.audit import audit_scope
from nongan.core.models import AuditEntry
from nongan.regions.models import Grid
from nongan.regions.services import assign_grid_member
from nongan.testing import PLACES, ROLES_IN_DISTRICT, make_producer

PUDONG, CHONGMING = PLACES["pudong"], PLACES["chongming"]


@pytest.mark.parametrize("role", ROLES_IN_DISTRICT)
def test_home_opens_for_every_role(world, login, role):
    response = login(getattr(world.pudong, role)).get("/", follow=True)
    assert response.status_code == 200
    # A producer's own area is its portal.
    assert response.redirect_chain == ([("/my/", 302)] if role == "producer" else [])


def test_home_counts_only_what_the_user_may_see(world, login):
    make_producer(PUDONG[3], actor=world.city_admin, kind="enterprise", area_mu="5")
    summary = login(world.pudong.town_officer).get("/").context["summary"]
    assert summary["producers"] == 2 and summary["scale"] == 2 and summary["plots"] == 1
    assert summary["producers_without_grid"] == 0 and summary["plots_without_grid"] == 0
    grids = Grid.objects.filter(town_id=PUDONG[1], active=True).count()
    assert summary["grids"] == summary["grids_without_person"] == grids
    city = login(world.city_admin).get("/").context["summary"]
    assert city["producers"] == 3 and city["plots"] == 2


def test_home_asks_for_a_login(db, client):
    response = client.get("/")
    assert response.status_code == 302 and response.url.startswith("/login/")


def test_the_navigation_follows_the_role(world, login):
    officer = login(world.pudong.district_officer).get("/").content.decode()
    assert 'href="/audit/"' in officer
    worker = login(world.pudong.grid_worker).get("/").content.decode()
    assert 'href="/audit/"' not in worker and f'href="/coverage/{PUDONG[2]}/"' in worker
    producer = login(world.pudong.producer).get("/").content.decode()
    assert 'href="/grids/"' not in producer


# --- the audit log -----------------------------------------------------------------------


def test_the_audit_scope_is_the_city_or_the_district(world):
    everything = set(AuditEntry.objects.values_list("pk", flat=True))
    assert set(audit_scope(world.city_admin).values_list("pk", flat=True)) == everything
    pudong = audit_scope(world.pudong.district_officer)
    assert pudong.exists()
    assert all(code.startswith("310115") for code in pudong.values_list("region_code", flat=True))
    assert not audit_scope(world.pudong.town_officer).exists()


def test_the_city_admin_reads_every_entry_and_a_district_officer_its_own(world, login):
    grid = Grid.objects.get(code=f"G{CHONGMING[2]}")
    from django.db import transaction

    with transaction.atomic():
        assign_grid_member(grid, name="陈七", duty="巡查", actor=world.city_admin)
    city = login(world.city_admin).get("/audit/", {"action": "grid.assign_member"})
    assert city.status_code == 200 and city.context["page"]["count"] == 1
    assert "陈七" in city.content.decode()  # the change, shown as JSON
    district = login(world.pudong.district_officer).get("/audit/",
                                                        {"action": "grid.assign_member"})
    assert district.status_code == 200 and district.context["page"]["count"] == 0
    mine = login(world.pudong.district_officer).get("/audit/").context["page"]["items"]
    assert mine and all(e.region_code.startswith("310115") for e in mine)


def test_the_audit_log_filters_by_actor_and_object(world, login):
    producer = world.pudong.the_producer
    client = login(world.city_admin)
    page = client.get("/audit/", {"object_type": "producers.producer",
                                  "object_id": str(producer.pk)}).context["page"]
    assert [e.action for e in page["items"]] == ["producer.register"]
    page = client.get("/audit/", {"actor": "nobody-at-all"}).context["page"]
    assert page["count"] == 0


@pytest.mark.parametrize("role", ["town_officer", "grid_worker", "enforcement_officer",
                                  "producer"])
def test_other_roles_may_not_read_the_audit_log(world, login, role):
    assert login(getattr(world.pudong, role)).get("/audit/").status_code == 403


def test_the_city_admin_verifies_the_chain(world, login):
    client = login(world.city_admin)
    response = client.post("/audit/verify/", follow=True)
    assert response.status_code == 200
    assert "审计链完整" in response.content.decode()
    assert login(world.pudong.district_officer).post("/audit/verify/").status_code == 403


# --- language ----------------------------------------------------------------------------


def test_the_language_switch_renders_english(world, login):
    client = login(world.pudong.district_officer)
    assert "生产主体名录" in client.get("/").content.decode()
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/grids/"})
    assert response.status_code == 302 and response.url == "/grids/"
    html = client.get("/").content.decode()
    assert "Producer register" in html and 'lang="en"' in html
    assert "Supervision grids" in client.get("/grids/").content.decode()
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    assert "生产主体名录" in client.get("/").content.decode()


def test_chinese_is_the_default_whatever_the_browser_announces(world, login):
    client = login(world.pudong.district_officer)
    html = client.get("/", headers={"Accept-Language": "en-US,en;q=0.9"}).content.decode()
    assert "生产主体名录" in html and 'lang="zh-hans"' in html

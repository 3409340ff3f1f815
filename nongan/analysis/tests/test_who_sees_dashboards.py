"""Dashboards are for the supervising offices: a testing institution, a grid person and a
producer get 403 (their work has its own pages), nobody logged in gets 401 or the login."""

import pytest

PATHS = ["/analysis/", "/analysis/records/samples/"]


@pytest.mark.parametrize("who", ["lab", "grid_worker", "producer"])
def test_a_role_without_dashboards_is_refused(world, api, login, who):
    user = world.lab if who == "lab" else getattr(world.pudong, who)
    assert api(user).get("/stats/overview").status_code == 403
    assert api(user).get("/stats/samples", by="week").status_code == 403
    for path in PATHS:
        assert login(user).get(path).status_code == 403, path


@pytest.mark.parametrize("who", ["district_officer", "town_officer", "enforcement_officer"])
def test_the_offices_of_a_district_see_their_dashboard(world, api, login, who):
    user = getattr(world.pudong, who)
    assert api(user).get("/stats/overview").status_code == 200
    for path in PATHS:
        assert login(user).get(path).status_code == 200, path


def test_nobody_logged_in(client, db):
    assert client.get("/api/v1/stats/overview").status_code == 401
    response = client.get("/analysis/")
    assert response.status_code == 302 and "login" in response["Location"]


def test_the_menu_shows_the_dashboard_to_the_offices_only(world, login):
    assert "分析评价" in login(world.pudong.district_officer).get("/").content.decode()
    assert "分析评价" not in login(world.lab).get("/").content.decode()

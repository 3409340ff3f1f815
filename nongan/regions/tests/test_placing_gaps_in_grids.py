"""划入网格: an officer puts the producers and plots of the region with no grid, or a
closed one, in their village's open grid from the coverage page or the API; a village with
no open grid leaves its rows listed; another district's gaps are untouched (its code a 404);
one audit entry names the region and the counts."""

import pytest

from nongan.core.models import AuditEntry
from nongan.producers.models import Plot, Producer
from nongan.regions.models import Grid
from nongan.testing import PLACES, make_plot, make_producer

pytestmark = pytest.mark.django_db

PUDONG, CHONGMING = PLACES["pudong"], PLACES["chongming"]


@pytest.fixture
def gaps(world):
    """浦东: the world's producer and plot out of any grid, and a plot in a village whose
    only grid is closed; 崇明: its producer out of any grid."""
    pudong, chongming = world.pudong, world.chongming
    Producer.objects.filter(pk__in=[pudong.the_producer.pk, chongming.the_producer.pk]).update(
        grid=None)
    Plot.objects.filter(pk=pudong.plot.pk).update(grid=None)
    closed = make_producer(PUDONG[3], actor=world.city_admin, name="关网格合作社")
    stranded = make_plot(closed, actor=world.city_admin, lon=121.71, lat=31.191)
    Grid.objects.filter(village=PUDONG[3]).update(active=False)
    return {"stranded": stranded, "closed": closed}


def grid_of(row):
    return type(row).objects.get(pk=row.pk).grid


def test_the_page_places_the_gaps_and_counts_those_left(world, login, gaps):
    response = login(world.pudong.district_officer).post(f"/coverage/{PUDONG[0]}/place/",
                                                        follow=True)
    page = response.content.decode()
    assert "已划入所在村网格：主体 1 家，地块 1 块" in page
    assert "仍未划入：主体 1 家，地块 1 块" in page
    village_grid = Grid.objects.get(village=PUDONG[2], kind="village")
    assert grid_of(world.pudong.the_producer) == grid_of(world.pudong.plot) == village_grid
    assert grid_of(gaps["stranded"]).active is False
    assert grid_of(world.chongming.the_producer) is None
    entry = AuditEntry.objects.get(action="grid.place_gaps")
    assert entry.region_code == PUDONG[0] and entry.actor == world.pudong.district_officer
    assert entry.changes["after"]["placed"] == {"producers": 1, "plots": 1}


def test_the_button_shows_only_to_those_who_may_and_only_with_gaps(world, login, gaps):
    path = f"/coverage/{PUDONG[0]}/"
    assert "划入所在村网格</button>" in login(world.pudong.district_officer).get(path).content.decode()
    assert "划入所在村网格</button>" not in login(
        world.pudong.grid_worker).get(f"/coverage/{PUDONG[2]}/").content.decode()
    Producer.objects.update(grid=Grid.objects.filter(active=True).first())
    Plot.objects.update(grid=Grid.objects.filter(active=True).first())
    assert "划入所在村网格</button>" not in login(
        world.pudong.district_officer).get(path).content.decode()


def test_refusals_another_district_and_a_role_without_grid_edit(world, login, api, gaps):
    assert login(world.pudong.district_officer).post(
        f"/coverage/{CHONGMING[0]}/place/").status_code == 404
    assert login(world.pudong.grid_worker).post(
        f"/coverage/{PUDONG[2]}/place/").status_code == 403
    assert api(world.pudong.district_officer).client.post(
        f"/api/v1/regions/{CHONGMING[0]}/place-in-grids",
        headers=api(world.pudong.district_officer).headers).status_code == 404
    assert login(world.pudong.district_officer).post("/coverage/310000000000/place/").status_code \
        == 404
    assert grid_of(world.pudong.the_producer) is None
    assert not AuditEntry.objects.filter(action="grid.place_gaps").exists()


def test_the_city_admin_places_the_whole_citys_gaps(world, api, gaps):
    caller = api(world.city_admin)
    response = caller.client.post("/api/v1/regions/310000000000/place-in-grids",
                                  headers=caller.headers)
    assert response.status_code == 200, response.content
    assert response.json()["placed"] == {"producers": 2, "plots": 1}
    assert grid_of(world.chongming.the_producer) is not None


def test_the_api_answers_the_counts(world, api, gaps):
    caller = api(world.chongming.town_officer)
    response = caller.client.post(f"/api/v1/regions/{CHONGMING[1]}/place-in-grids",
                                  headers=caller.headers)
    assert response.status_code == 200, response.content
    assert response.json() == {"placed": {"producers": 1, "plots": 0},
                               "left": {"producers": 0, "plots": 0}}
    assert grid_of(world.pudong.the_producer) is None

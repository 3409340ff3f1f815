"""Declared area against the marked plots' measured area: more than 20 % apart (of the declared
area) is flagged on the commitment, in the API and in the list of differences."""

from decimal import Decimal

import pytest

from nongan.commitments import services
from nongan.testing import make_plot

from .factories import sign, start


@pytest.fixture
def plot(world):
    start(world.pudong.district_officer)
    return world.pudong.plot  # a 100 m square: about 15 mu


def test_the_rule_is_twenty_percent_of_the_declared_area():
    assert services.AREA_TOLERANCE == Decimal("0.20")
    assert not services.area_differs(Decimal("100"), Decimal("80"))
    assert not services.area_differs(Decimal("100"), Decimal("120"))
    assert services.area_differs(Decimal("100"), Decimal("79.99"))
    assert services.area_differs(Decimal("100"), Decimal("120.01"))


def test_a_close_declaration_is_not_flagged(world, plot):
    measured = plot.area_mu
    c = sign(world.pudong.producer, world.pudong.the_producer, area_mu=str(measured * Decimal("1.1")))
    assert c.plots_area_mu == measured and not c.area_flagged


def test_a_large_difference_is_flagged_everywhere(world, api, login, plot):
    c = sign(world.pudong.producer, world.pudong.the_producer, area_mu="50")
    assert c.area_flagged and c.plots_area_mu == plot.area_mu
    client = api(world.pudong.district_officer)
    assert client.get(f"/commitments/{c.pk}").json()["area_flagged"] is True
    flagged = client.get("/commitments", flagged=True).json()
    assert [x["id"] for x in flagged["items"]] == [c.pk]
    page = login(world.pudong.district_officer)
    assert "相差超过 20%" in page.get(f"/commitments/{c.pk}/").content.decode()
    listed = page.get("/commitments/", {"flagged": "1"}).content.decode()
    assert world.pudong.the_producer.name in listed and "面积差异" in listed


def test_the_measured_area_is_the_sum_of_the_marked_plots(world, plot):
    second = make_plot(world.pudong.the_producer, side_m=200)
    c = sign(world.pudong.producer, world.pudong.the_producer, plots=[plot, second],
             area_mu=str(plot.area_mu))
    assert c.plots_area_mu == plot.area_mu + second.area_mu
    assert c.area_flagged  # the declared area covers only the first plot


def test_unflagged_commitments_stay_off_the_list(world, api, plot):
    sign(world.pudong.producer, world.pudong.the_producer, area_mu=str(plot.area_mu))
    assert api(world.pudong.district_officer).get("/commitments", flagged=True).json() == {
        "count": 0, "items": []}

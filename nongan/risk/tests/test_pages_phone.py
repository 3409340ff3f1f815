"""The warning pages on a 360 px phone in Debian's Chromium: nothing scrolls sideways, no
script error, the series chart and the cluster map draw."""

import datetime as dt

import pytest

from nongan.regions.models import Region
from nongan.risk.runner import run_all
from nongan.testing import ARTIFACTS, BROWSER_MARKS, make_world, phone_page

from .factories import add_samples, monthly_series, producers

pytestmark = BROWSER_MARKS
TODAY = dt.date(2026, 6, 15)


@pytest.fixture
def scene(live_divisions):
    world = make_world()
    monthly_series(world, producers(world.pudong.village, 1)[0],
                   [0, 1, 0, 1, 1, 0, 1, 0, 0, 1, 1, 0] * 3 + [1, 0, 1, 0, 9],
                   last=dt.date(2026, 5, 1), pesticide="啶虫脒")
    towns = Region.objects.filter(district_id=world.pudong.district, level="town",
                                  active=True).order_by("code")[:8]
    for i, town in enumerate(towns):
        Region.objects.filter(code=town.code).update(centroid_lon=121.5 + 0.05 * i,
                                                     centroid_lat=31.2)
        producer = producers(Region.objects.filter(town=town, level="village").first().code,
                             1)[0]
        failed = 8 if i < 2 else 0
        add_samples(world, producer, dt.date(2026, 5, 20), [("毒死蜱", "over_limit")],
                    n=failed, category="水果")
        add_samples(world, producer, dt.date(2026, 5, 20), [("毒死蜱", "not_detected")],
                    n=20 - failed, category="水果")
    run_all(TODAY, replications=99)
    return world


def test_the_warning_pages_fit_a_phone(live_server, browser, scene):
    from nongan.risk.models import RiskWarning

    base = live_server.url
    page, errors = phone_page(browser, base, scene.pudong.district_officer)
    ARTIFACTS.mkdir(exist_ok=True)
    temporal = RiskWarning.objects.get(kind="temporal")
    spatial = RiskWarning.objects.get(kind="spatial")
    for n, path in enumerate(("/warnings/", f"/warnings/{temporal.pk}/",
                              f"/warnings/{spatial.pk}/")):
        response = page.goto(base + path)
        assert response.status == 200, path
        width = page.evaluate("document.documentElement.scrollWidth")
        page.screenshot(path=str(ARTIFACTS / f"warnings-{n}.png"), full_page=True)
        assert width <= 360, f"{path} is {width}px wide on a 360px phone"
    page.goto(base + f"/warnings/{temporal.pk}/")
    page.wait_for_selector("#history-chart svg")
    page.goto(base + f"/warnings/{spatial.pk}/")
    page.wait_for_selector("#warning-map .leaflet-interactive")
    assert errors == []

"""The dashboard on a 360 px phone in Debian's Chromium: every chart is drawn, the warning
map shows its town, nothing scrolls sideways (tables scroll inside their box), no script
error; a click on a bar opens the records behind it."""

import pytest

from nongan.testing import ARTIFACTS, BROWSER_MARKS, make_world, phone_page

from .factories import scene

pytestmark = BROWSER_MARKS


@pytest.fixture
def made(live_divisions, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    world = make_world()
    return world, scene(world)


def test_the_dashboard_fits_a_phone(live_server, browser, made):
    world, _ = made
    page, errors = phone_page(browser, live_server.url, world.pudong.district_officer)
    response = page.goto(live_server.url + "/analysis/")
    assert response.status == 200
    charts = page.eval_on_selector_all("div.chart", "els => els.map(e => e.id)")
    assert set(charts) == {"chart-kinds", "chart-commitments", "chart-inspections",
                           "chart-months", "chart-products", "chart-pesticides", "chart-cases"}
    for chart in charts:
        page.wait_for_selector(f"#{chart} svg")
        width = page.eval_on_selector(f"#{chart}", "e => e.getBoundingClientRect().width")
        assert 0 < width <= 360, chart
    page.wait_for_selector("#warning-map path.leaflet-interactive")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "analysis-dashboard-360.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert errors == []


def test_the_records_list_fits_a_phone(live_server, browser, made):
    world, _ = made
    page, errors = phone_page(browser, live_server.url, world.pudong.district_officer)
    response = page.goto(live_server.url + "/analysis/records/samples/")
    assert response.status == 200
    page.screenshot(path=str(ARTIFACTS / "analysis-records-360.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert errors == []

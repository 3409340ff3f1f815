"""The sensor pages on a 360 px phone in Debian's Chromium: nothing scrolls sideways, the
readings chart draws (a canvas), no script error."""

import pytest

from nongan.testing import ARTIFACTS, BROWSER_MARKS, make_world, phone_page

from .factories import make_sensor, send

pytestmark = BROWSER_MARKS


@pytest.fixture
def scene(live_divisions):
    world = make_world()
    sensor, _ = make_sensor(world.pudong, kind="dissolved_oxygen", plot=True, name="1号鱼塘")
    send(sensor, [7.5, 7.0, 6.2, 5.4, 4.6, 4.1, 3.8, 5.2, 6.6, 7.4] * 20)
    return world, sensor


def test_the_sensor_page_draws_its_chart_on_a_phone(live_server, browser, scene):
    world, sensor = scene
    base = live_server.url
    page, errors = phone_page(browser, base, world.pudong.district_officer)
    ARTIFACTS.mkdir(exist_ok=True)
    for n, path in enumerate(("/iot/sensors/", f"/iot/sensors/{sensor.pk}/",
                              f"/iot/sensors/{sensor.pk}/?days=30", "/iot/rejected/",
                              f"/iot/sensors/{sensor.pk}/edit/")):
        response = page.goto(base + path)
        assert response.status == 200, path
        if "/edit/" not in path and "rejected" not in path and path != "/iot/sensors/":
            page.wait_for_selector("#sensor-chart canvas", timeout=10_000)
        width = page.evaluate("document.documentElement.scrollWidth")
        page.screenshot(path=str(ARTIFACTS / f"iot-{n}.png"), full_page=True)
        assert width <= 360, f"{path} is {width}px wide on a 360px phone"
    page.goto(base + f"/iot/sensors/{sensor.pk}/")
    page.wait_for_selector("#sensor-chart canvas")
    box = page.locator("#sensor-chart canvas").first.bounding_box()
    assert box["width"] > 250 and box["height"] > 200
    assert errors == []

"""The assessment pages on a 360 px phone in Debian's Chromium: nothing scrolls sideways
(the wide tables scroll inside their box), no script error, and a list of misses opens."""

import pytest

from nongan.producers.models import Producer
from nongan.testing import ARTIFACTS, BROWSER_MARKS, make_world, phone_page

pytestmark = BROWSER_MARKS


@pytest.fixture
def scene(live_divisions):
    world = make_world()
    Producer.objects.filter(pk=world.pudong.the_producer.pk).update(phone="")
    return world


def test_the_assessment_pages_fit_a_phone(live_server, browser, scene):
    base = live_server.url
    ARTIFACTS.mkdir(exist_ok=True)
    for who, paths in ((scene.city_admin, ("/assessment/", "/assessment/indicators/",
                                           "/assessment/310115000000/")),
                       (scene.pudong.district_officer, ("/assessment/310115000000/",))):
        page, errors = phone_page(browser, base, who)
        for n, path in enumerate(paths):
            response = page.goto(base + path)
            assert response.status == 200, path
            width = page.evaluate("document.documentElement.scrollWidth")
            page.screenshot(path=str(ARTIFACTS / f"assessment-{who.role}-{n}.png"),
                            full_page=True)
            assert width <= 360, f"{path} is {width}px wide on a 360px phone"
        assert errors == []
    page.click("#register_complete summary")
    assert page.is_visible("#register_complete td.name a")

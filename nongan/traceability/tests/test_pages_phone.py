"""The traceability pages on a 360 px phone in Debian's Chromium: nothing scrolls sideways,
no script error; the import page, one import with unmatched rows, the certificates."""

import pytest

from nongan.testing import ARTIFACTS, BROWSER_MARKS, make_world, phone_page

from .factories import cert_row, certificates_of

pytestmark = BROWSER_MARKS


@pytest.fixture
def scene(live_divisions, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    world = make_world()
    job = certificates_of(world.pudong, [cert_row(world.pudong.the_producer, n)
                                         for n in range(1, 8)]
                          + [cert_row(world.chongming.the_producer, 9)])
    return world, job


def test_the_traceability_pages_fit_a_phone(live_server, browser, scene):
    world, job = scene
    base = live_server.url
    page, errors = phone_page(browser, base, world.pudong.district_officer)
    ARTIFACTS.mkdir(exist_ok=True)
    for n, path in enumerate(("/trace-imports/", f"/trace-imports/{job.pk}/",
                              "/certificates/")):
        response = page.goto(base + path)
        assert response.status == 200, path
        for summary in page.locator("details > summary").all():
            summary.click()
        width = page.evaluate("document.documentElement.scrollWidth")
        page.screenshot(path=str(ARTIFACTS / f"traceability-{n}.png"), full_page=True)
        assert width <= 360, f"{path} is {width}px wide on a 360px phone"
    page.goto(base + f"/trace-imports/{job.pk}/")
    page.click("text=重新匹配")
    page.wait_for_url(f"**/trace-imports/{job.pk}/")
    assert "仍有 1 行未匹配" in page.content()
    assert errors == []

"""The case pages on a 360 px phone in Debian's Chromium: nothing scrolls sideways (wide
tables and documents scroll inside their box), no script error, the forms open."""

import pytest

from nongan.testing import ARTIFACTS, BROWSER_MARKS, make_world, phone_page

from .case_factories import days_ago, served_case, step

pytestmark = BROWSER_MARKS


@pytest.fixture
def scene(live_divisions):
    world = make_world()
    case = served_case(world.pudong)
    step(case, world.pudong, "payment", days_ago(20), amount="30000")
    return world, case


def _width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def test_the_case_pages_fit_a_phone(live_server, browser, scene):
    world, case = scene
    base = live_server.url
    page, errors = phone_page(browser, base, world.pudong.enforcement_officer)
    decision = case.steps.get(kind="decision")
    for path in ("/cases/", "/cases/new/", f"/cases/{case.pk}/",
                 f"/cases/{case.pk}/steps/{decision.pk}/print/"):
        response = page.goto(base + path)
        assert response.status == 200, path
        assert _width(page) <= 360, f"{path} is {_width(page)}px wide on a 360px phone"
    page.goto(base + f"/cases/{case.pk}/")
    page.click(f"#step-{decision.pk} summary")
    page.click("#form-payment summary")
    assert page.is_visible("#form-payment input[name='payment-amount']")
    assert _width(page) <= 360, f"the open forms make the page {_width(page)}px wide"
    page.screenshot(path=str(ARTIFACTS / "case-360.png"), full_page=True)
    assert not errors, errors

"""The referral pages on a 360 px phone in Debian's Chromium: nothing scrolls sideways with
the forms open, no script error, and an answer can be recorded from the phone."""

import pytest

from nongan.testing import ARTIFACTS, BROWSER_MARKS, make_world, phone_page

from .factories import answer, joint_inspection, referral

pytestmark = BROWSER_MARKS


@pytest.fixture
def scene(live_divisions):
    world = make_world()
    made = referral(world.pudong, reported_on=None)
    answer(made, world.pudong, "received")
    return world, made, joint_inspection(world.pudong)


def test_the_referral_pages_fit_a_phone(live_server, browser, scene):
    world, made, joint = scene
    base = live_server.url
    page, errors = phone_page(browser, base, world.pudong.enforcement_officer)
    ARTIFACTS.mkdir(exist_ok=True)
    for n, path in enumerate((f"/referrals/{made.pk}/", "/referrals/", f"/cases/{made.case_id}/",
                              "/joint-inspections/", f"/joint-inspections/{joint.pk}/",
                              "/joint-inspections/new/")):
        response = page.goto(base + path)
        assert response.status == 200, path
        for summary in page.locator("details > summary").all():
            summary.click()
        width = page.evaluate("document.documentElement.scrollWidth")
        page.screenshot(path=str(ARTIFACTS / f"referral-{n}.png"), full_page=True)
        assert width <= 360, f"{path} is {width}px wide on a 360px phone"
    page.goto(base + f"/referrals/{made.pk}/")
    page.click("#answer-form > summary")
    page.select_option("#answer-form select[name=state]", "declined")
    page.fill("#answer-form textarea[name=text]", "经审查不予立案")
    page.click("#answer-form button[type=submit]")
    page.wait_for_url(f"**/referrals/{made.pk}/#answers")
    assert "不予受理/退回" in page.content()
    assert errors == []

"""The 双随机 pages on a 360 px phone in Debian's Chromium: nothing scrolls sideways (wide
tables scroll inside their box), no script error, and the plan form's live population count
appears."""

import pytest

from nongan.testing import ARTIFACTS, BROWSER_MARKS, make_world, phone_page

from .spot_check_factories import drawn, matter, officer, planned, producers, villages

pytestmark = BROWSER_MARKS


@pytest.fixture
def scene(live_divisions):
    world = make_world()
    producers(villages(), "ABCD", per_place=2)
    officer(), officer()
    check = drawn(world.pudong.enforcement_officer, share="0.5", stratify_by="town")
    target = check.targets.order_by("position").first()
    from nongan.enforcement.services import spot_checks

    spot_checks.record_check_result(target, {"result": "refer", "note": "发现使用禁用农药线索"},
                                    actor=world.pudong.enforcement_officer)
    return world, check, planned(world.pudong.enforcement_officer, matter(), share="1")


def test_the_spot_check_pages_fit_a_phone(live_server, browser, scene):
    world, check, waiting = scene
    base = live_server.url
    page, errors = phone_page(browser, base, world.pudong.enforcement_officer)
    ARTIFACTS.mkdir(exist_ok=True)
    for n, path in enumerate(("/spot-checks/", f"/spot-checks/{check.pk}/",
                              f"/spot-checks/{check.pk}/replay/", f"/spot-checks/{waiting.pk}/",
                              "/spot-checks/new/", "/spot-checks/population/", "/matters/",
                              "/officers/", "/conflicts/")):
        response = page.goto(base + path)
        assert response.status == 200, path
        width = page.evaluate("document.documentElement.scrollWidth")
        page.screenshot(path=str(ARTIFACTS / f"spot-checks-{n}.png"), full_page=True)
        assert width <= 360, f"{path} is {width}px wide on a 360px phone"
    page.goto(base + "/spot-checks/new/")
    page.wait_for_selector("#population-preview table")
    assert "符合条件的检查对象 7 个" in page.inner_text("#population-preview")
    page.select_option("#id_credit_grade", "A")
    page.wait_for_function(
        "document.querySelector('#population-preview').innerText.includes('检查对象 2 个')")
    assert errors == []

"""The agency page on a 360 px phone in Debian's Chromium: nothing scrolls sideways with
keys and subscriptions listed, no script error, and a key issued there is shown once."""

import pytest

from nongan.testing import ARTIFACTS, BROWSER_MARKS, make_world, phone_page

from .factories import CITY, agency, api_key, subscription

pytestmark = BROWSER_MARKS


@pytest.fixture
def scene(live_divisions):
    world = make_world()
    own = agency(world, name="上海市公安局食品药品与环境犯罪侦查总队", kind="public_security")
    api_key(world, own, regions=[CITY])
    subscription(world, own, "https://partner.example.gov.cn/hooks/nongan/events/very-long-path",
                 regions=[CITY], kinds=["sample.non_compliant", "penalty.decided"])
    return world, own


def test_the_agency_page_fits_a_phone(live_server, browser, scene):
    world, own = scene
    base = live_server.url
    page, errors = phone_page(browser, base, world.city_admin)
    ARTIFACTS.mkdir(exist_ok=True)
    for n, path in enumerate(("/exchange/agencies/", f"/exchange/agencies/{own.pk}/")):
        response = page.goto(base + path)
        assert response.status == 200, path
        page.screenshot(path=str(ARTIFACTS / f"exchange-{n}.png"), full_page=True)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 360, f"{path} is {width}px wide on a 360px phone"
    page.click("text=签发接口密钥")
    page.fill("#id_key-name", "手机签发")
    page.check("input[name=key-datasets][value=samples]")
    page.click("#keys form button[type=submit]")
    shown = page.text_content("#new-key-value").strip()
    assert shown.startswith("ngk_")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=str(ARTIFACTS / "exchange-new-key.png"), full_page=True)
    page.goto(base + f"/exchange/agencies/{own.pk}/")
    assert shown not in page.content()
    assert errors == []

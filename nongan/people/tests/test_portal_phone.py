"""The portal and an order page on a 360 px phone in Debian's Chromium: nothing scrolls
sideways, no script error, and the producer answers its order with a photo from the phone."""

import pytest

from nongan.inspections.models import RectificationReply
from nongan.inspections.tests.rectification_factories import ordered
from nongan.testing import ARTIFACTS, BROWSER_MARKS, jpeg_bytes, make_world, phone_page

pytestmark = BROWSER_MARKS


@pytest.fixture
def scene(live_divisions, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    world = make_world()
    order = ordered(world.pudong.the_producer, actor=world.pudong.grid_worker,
                    items=["清理田间地头的农药包装废弃物，建立回收台账"])
    return world, order


def test_the_producer_answers_an_order_from_its_phone(live_server, browser, scene):
    world, order = scene
    base = live_server.url
    page, errors = phone_page(browser, base, world.pudong.producer)
    ARTIFACTS.mkdir(exist_ok=True)
    for n, path in enumerate(("/my/", f"/rectifications/{order.pk}/")):
        assert page.goto(base + path).status == 200, path
        width = page.evaluate("document.documentElement.scrollWidth")
        page.screenshot(path=str(ARTIFACTS / f"portal-{n}.png"), full_page=True)
        assert width <= 360, f"{path} is {width}px wide on a 360px phone"

    page.goto(base + "/my/")
    page.click(f'a[href="/rectifications/{order.pk}/#reply"]')
    page.fill("#id_text", "包装废弃物已清理，回收台账已建立")
    page.set_input_files("#id_photos", [{"name": "after.jpg", "mimeType": "image/jpeg",
                                         "buffer": jpeg_bytes()}])
    page.click("#reply button[type=submit]")
    page.wait_for_selector(".reply")
    assert "包装废弃物已清理" in page.inner_text("#replies")
    page.locator(".reply img").scroll_into_view_if_needed()
    page.wait_for_function("document.querySelector('.reply img').naturalWidth > 0")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=str(ARTIFACTS / "portal-replied.png"), full_page=True)
    assert RectificationReply.objects.get().photos.count() == 1
    assert errors == []

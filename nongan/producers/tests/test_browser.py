"""End to end in Debian's Chromium: log in, find a producer, see its plots on the map, fit a
360 px phone, and draw a plot with Leaflet.draw."""

import json

import pytest

from nongan.producers.models import Plot
from nongan.testing import (
    ARTIFACTS,
    BROWSER_MARKS,
    PASSWORD,
    PLACES,
    make_plot,
    make_producer,
    make_user,
)

pytestmark = BROWSER_MARKS


@pytest.fixture
def scene(live_divisions):
    district, _, village, _, (lon, lat) = PLACES["pudong"]
    officer = make_user("district_officer", district, username="browser-officer")
    producer = make_producer(village, actor=officer, name="浏览器测试蔬菜合作社")
    make_producer(village, actor=officer, name="另一家合作社")
    plots = [make_plot(producer, actor=officer, lon=lon, lat=lat, side_m=150, crop="青菜"),
             make_plot(producer, actor=officer, lon=lon + 0.003, lat=lat + 0.002, side_m=100,
                       crop="番茄", declared_area_mu="40")]
    return officer, producer, plots


def _log_in(page, base, user):
    page.goto(f"{base}/login/?next=/producers/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("form:has(#id_password) button[type=submit]")
    page.wait_for_url(lambda url: "/login/" not in url)
    assert page.url.startswith(f"{base}/producers/"), page.content()[:2000]


def _map_paths(page, selector) -> int:
    return page.eval_on_selector_all(f"{selector} path.leaflet-interactive", "els => els.length")


def test_find_a_producer_and_see_its_plots_on_a_phone(live_server, browser, scene):
    officer, producer, plots = scene
    base = live_server.url
    context = browser.new_context(bypass_csp=True, locale="zh-CN")  # see testing.phone_page
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    _log_in(page, base, officer)

    results = page.locator("#producer-results")
    assert "另一家合作社" in results.inner_text()
    page.fill("#f-q", "浏览器测试")
    page.press("#f-q", "Enter")
    page.wait_for_function(
        "!document.querySelector('#producer-results').innerText.includes('另一家合作社')")
    assert "q=" in page.url  # htmx pushed the filtered address
    page.click("#producer-results th a:has-text('面积')")
    page.wait_for_function("location.search.includes('sort=area')")
    assert "q=" in page.url and page.locator("header.top").count() == 1  # swapped, not nested
    page.click("#producer-results a:has-text('浏览器测试蔬菜合作社')")
    page.wait_for_url(f"{base}/producers/{producer.pk}/")

    page.wait_for_function(
        "document.querySelectorAll('#producer-map path.leaflet-interactive').length >= 2")
    assert _map_paths(page, "#producer-map") == len(plots)
    labels = page.locator("#producer-map .plot-label").all_inner_texts()
    assert sorted(labels) == sorted(p.plot_no for p in plots)
    assert page.locator("#producer-map .leaflet-control-scale").count() == 1
    assert page.locator("#producer-map .leaflet-tile").count() == 0  # no tiles by default

    phone = browser.new_context(bypass_csp=True, viewport={"width": 360, "height": 740}, device_scale_factor=2,
                                is_mobile=True, has_touch=True, locale="zh-CN",
                                storage_state=context.storage_state())
    small = phone.new_page()
    small.on("pageerror", lambda exc: errors.append(str(exc)))
    small.goto(f"{base}/producers/{producer.pk}/")
    small.wait_for_function(
        "document.querySelectorAll('#producer-map path.leaflet-interactive').length >= 2")
    ARTIFACTS.mkdir(exist_ok=True)
    small.screenshot(path=str(ARTIFACTS / "producer-detail-360.png"), full_page=True)
    width = small.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"the page is {width}px wide on a 360px phone"

    for name, path in [("producer-list", "/producers/"), ("producer-new", "/producers/new/"),
                       ("plot-new", f"/producers/{producer.pk}/plots/new/"),
                       ("plot-detail", f"/plots/{plots[1].pk}/")]:
        small.goto(base + path)
        small.wait_for_load_state("networkidle")
        small.screenshot(path=str(ARTIFACTS / f"{name}-360.png"), full_page=True)
        width = small.evaluate("document.documentElement.scrollWidth")
        assert width <= 360, f"{path} is {width}px wide on a 360px phone"
    assert errors == []
    phone.close()
    context.close()


def test_draw_a_plot_with_the_mouse(live_server, browser, scene):
    officer, producer, plots = scene
    base = live_server.url
    context = browser.new_context(bypass_csp=True, viewport={"width": 1100, "height": 900}, locale="zh-CN")
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    _log_in(page, base, officer)
    page.goto(f"{base}/producers/{producer.pk}/plots/new/")
    page.wait_for_function(
        "document.querySelectorAll('#plot-editor path.leaflet-interactive').length >= 2")

    page.click("#plot-editor a.leaflet-draw-draw-polygon")
    box = page.locator("#plot-editor").bounding_box()
    x, y = box["x"] + box["width"] * 0.15, box["y"] + box["height"] * 0.6
    corners = [(x, y), (x + 120, y), (x + 120, y + 90), (x, y + 90)]
    for cx, cy in corners:
        page.mouse.click(cx, cy)
        page.wait_for_timeout(150)
    page.mouse.click(*corners[0])  # back on the first vertex closes the outline
    page.wait_for_function("document.querySelector('#id_geometry').value !== ''")
    geometry = json.loads(page.input_value("#id_geometry"))
    assert geometry["type"] == "Polygon" and len(geometry["coordinates"][0]) == 5
    assert "亩" in page.inner_text("#drawn-area")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "plot-editor.png"), full_page=True)

    page.fill("#id_crop", "黄瓜")
    page.click("form.plot-form button[type=submit]:not(.default-submit)")
    page.wait_for_url(f"{base}/plots/**")
    plot = Plot.objects.get(producer=producer, crop="黄瓜")
    assert page.url == f"{base}/plots/{plot.pk}/"
    page.wait_for_function("document.querySelectorAll('#plot-map path.leaflet-interactive').length")
    assert errors == []
    context.close()

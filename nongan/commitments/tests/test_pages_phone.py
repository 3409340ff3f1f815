"""The commitment pages on a 360 px phone in Debian's Chromium: nothing scrolls sideways (wide
tables scroll inside their box), no script error; a producer ticks its plot on the map page,
draws nothing, signs, and sees its marked map."""

import re

import pytest

from nongan.commitments.models import Commitment
from nongan.testing import (
    ARTIFACTS,
    BROWSER_MARKS,
    make_plot,
    make_producer,
    make_world,
    phone_page,
)

from .factories import sign, start

pytestmark = BROWSER_MARKS


@pytest.fixture
def scene(live_divisions, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    world = make_world()
    other = make_producer(world.pudong.village2, actor=world.city_admin, name="柴场村果蔬专业合作社")
    make_plot(other, actor=world.city_admin)
    campaign = start(world.pudong.district_officer)
    signed = sign(world.pudong.district_officer, other, area_mu="80")
    return world, campaign, signed


def fits(page, base, path, shot=None):
    response = page.goto(base + path)
    assert response.status == 200, path
    width = page.evaluate("document.documentElement.scrollWidth")
    if shot:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / shot), full_page=True)
    assert width <= 360, f"{path} is {width}px wide on a 360px phone"


def test_the_commitment_pages_fit_a_phone(live_server, browser, scene):
    world, campaign, signed = scene
    base = live_server.url
    officer, errors = phone_page(browser, base, world.pudong.town_officer)
    fits(officer, base, "/commitments/campaigns/")
    fits(officer, base, f"/commitments/campaigns/{campaign.pk}/", "commitments-campaign-360.png")
    fits(officer, base, "/commitments/")
    fits(officer, base, f"/commitments/{signed.pk}/", "commitments-detail-360.png")
    fits(officer, base, f"/commitments/new/?producer={world.pudong.the_producer.pk}")
    officer.wait_for_selector("#commitment-map.leaflet-container")
    assert errors == []


def test_a_producer_signs_on_its_phone(live_server, browser, scene):
    world, campaign, _ = scene
    base = live_server.url
    page, errors = phone_page(browser, base, world.pudong.producer)
    fits(page, base, "/commitments/new/")
    page.wait_for_selector("#commitment-map.leaflet-container")
    page.wait_for_selector("#commitment-map path.leaflet-interactive")  # its plot is drawn
    page.fill("#id_area_mu", "15")
    page.fill("#id_products", "青菜:上海青")
    page.check("input[name=methods][value=protected]")
    page.fill("#id_scope", "设施蔬菜种植")
    page.screenshot(path=str(ARTIFACTS / "commitments-form-360.png"), full_page=True)
    page.click("form.commitment-form button[type=submit]")
    page.wait_for_url(re.compile(r"/commitments/\d+/$"))
    commitment = Commitment.objects.get(producer=world.pudong.the_producer)
    assert commitment.methods == ["protected"] and not commitment.area_flagged
    page.wait_for_function("document.querySelector('img.commitment-map').naturalWidth > 0")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert errors == []

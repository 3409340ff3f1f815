"""The public site on a 360 px phone in Debian's Chromium, without a login: every page fits,
no script error, and a producer's QR card opens from its link."""

from nongan.enforcement.services import cases
from nongan.enforcement.services import spot_checks as checks
from nongan.enforcement.tests.case_factories import decided_case
from nongan.enforcement.tests.spot_check_factories import drawn, officer
from nongan.public.queries import producer_token
from nongan.testing import ARTIFACTS, BROWSER_MARKS, make_world, phone_page

from .test_certification_lookup import certify

pytestmark = BROWSER_MARKS


def test_the_public_pages_fit_a_phone(live_server, browser, live_divisions):
    world = make_world()
    officer()
    check = drawn(world.pudong.enforcement_officer, share="1")
    for target in check.targets.all():
        checks.record_check_result(target, {"result": "pass"},
                                   actor=world.pudong.enforcement_officer)
    checks.publish_results(check, actor=world.pudong.enforcement_officer)
    notice = cases.publish_notice(decided_case(world.pudong), {},
                                  actor=world.pudong.enforcement_officer)
    certify(world.pudong.the_producer, world.city_admin)
    token = producer_token(world.pudong.the_producer)
    page, errors = phone_page(browser, live_server.url)
    ARTIFACTS.mkdir(exist_ok=True)
    for n, path in enumerate(("/public/", "/public/spot-checks/", f"/public/spot-checks/{check.pk}/",
                              "/public/matters/", "/public/penalties/",
                              f"/public/penalties/{notice.pk}/", "/public/producers/",
                              f"/public/producers/{token}/")):
        response = page.goto(live_server.url + path)
        assert response.status == 200, path
        page.screenshot(path=str(ARTIFACTS / f"public-{n}.png"), full_page=True)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 360, f"{path} is {width}px wide on a 360px phone"
    page.goto(live_server.url + "/public/spot-checks/")
    page.click(f"text={check.title}")
    assert check.seed in page.inner_text("main")
    assert "未发现问题" in page.inner_text("main")
    assert errors == []

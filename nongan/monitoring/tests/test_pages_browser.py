"""The monitoring pages on a 360 px phone in Debian's Chromium: nothing scrolls sideways
(wide tables scroll inside their box), no script error, and the monthly chart draws."""

import pytest
from django.utils import timezone

from nongan.monitoring import services
from nongan.monitoring.models import FollowUp, MonthlySummary
from nongan.monitoring.standards import load_demo_standards
from nongan.testing import ARTIFACTS, BROWSER_MARKS, make_world, phone_page

from .page_helpers import city_plan, lab_sample, results

pytestmark = BROWSER_MARKS


@pytest.fixture
def scene(live_divisions, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    load_demo_standards()
    world = make_world()
    plan = city_plan(world)
    sample = lab_sample(world, plan, pesticides_used=[
        {"pesticide": "毒死蜱", "dose": "50 ml/亩", "applied_on": None}])
    results(world, sample, 毒死蜱="0.05", 啶虫脒="0.3")
    services.draft_summary(world.lab.org, timezone.localdate(), actor=world.lab)
    return world, plan, sample


def _fits(page, base, path):
    response = page.goto(base + path)
    assert response.status == 200, path
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"{path} is {width}px wide on a 360px phone"


def test_the_monitoring_pages_fit_a_phone(live_server, browser, scene):
    world, plan, sample = scene
    base = live_server.url
    follow_up = FollowUp.objects.get(sample=sample)
    summary = MonthlySummary.objects.get()
    officer, errors = phone_page(browser, base, world.pudong.district_officer)
    for path in ("/samples/", f"/samples/{sample.sample_no}/",
                 f"/samples/{sample.sample_no}/print/", f"/samples/{sample.sample_no}/label/",
                 "/plans/", f"/plans/{plan.pk}/", "/plans/new/", "/follow-ups/",
                 f"/follow-ups/{follow_up.pk}/", "/notifications/", "/todo/", "/summaries/",
                 f"/producers/{world.pudong.the_producer.pk}/"):
        _fits(officer, base, path)
    _fits(officer, base, "/monitoring/monthly/")
    officer.wait_for_selector("#pass-chart svg")
    officer.screenshot(path=str(ARTIFACTS / "monitoring-monthly-360.png"), full_page=True)
    _fits(officer, base, f"/samples/{sample.sample_no}/")
    officer.screenshot(path=str(ARTIFACTS / "monitoring-sample-360.png"), full_page=True)
    lab, lab_errors = phone_page(browser, base, world.lab)
    for path in ("/samples/import/", "/summaries/", f"/samples/{sample.sample_no}/"):
        _fits(lab, base, path)
    lab.click("#enter summary")
    width = lab.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"the open result form is {width}px wide"
    assert summary.pk
    assert not errors and not lab_errors, errors + lab_errors

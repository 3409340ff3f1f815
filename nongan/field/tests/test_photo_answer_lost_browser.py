"""In Debian's Chromium: the answer to a photo's upload is lost on the way back (the server
stored the photo, then the connection broke). The field app keeps the record queued, sends
the photo again under the id it gave it, and the server keeps one photo, not two."""

from nongan.inspections.models import Inspection, Media
from nongan.testing import BROWSER_MARKS

from .test_offline_browser import (
    _attach_photo,
    _fill_checklist,
    _log_in,
    _sync,
    scene,  # noqa: F401 (a fixture)
)

pytestmark = BROWSER_MARKS


def test_a_photo_whose_answer_was_lost_is_stored_once(live_server, browser, scene,  # noqa: F811
                                                      tmp_path):
    worker, producer, plot, (lon, lat) = scene
    base = live_server.url
    # Without the service worker, so that Playwright sees (and can cut) the app's uploads.
    context = browser.new_context(bypass_csp=True, service_workers="block", locale="zh-CN",
                                  timezone_id="Asia/Shanghai",
                                  viewport={"width": 360, "height": 740})
    context.grant_permissions(["geolocation"], origin=base)
    context.set_geolocation({"longitude": lon, "latitude": lat, "accuracy": 8})
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    sent = []

    def lose_the_first_answer(route):
        sent.append(route.request.post_data_buffer)
        if len(sent) == 1:
            route.fetch()  # the server stores the photo and answers ...
            route.abort("connectionreset")  # ... and the answer never reaches the phone
        else:
            route.continue_()

    _log_in(page, base, worker)
    page.wait_for_function("document.body.dataset.cached === '1'")
    page.route("**/api/v1/media", lose_the_first_answer)
    page.evaluate(f"location.hash = '#producer={producer.pk}'")
    page.wait_for_function("document.querySelector('#gps-status').innerText.includes('精度')")
    _fill_checklist(page)
    _attach_photo(page, tmp_path, lon, lat)
    page.click(".f-seg label:has(input[name=result][value=pass])")
    page.fill("#refused", "负责人外出")
    page.click("#submit")
    page.locator("#outbox li[data-state=queued]").wait_for()
    page.wait_for_function("!document.querySelector('#sync-now').disabled")
    assert Media.objects.count() == 1 and not Inspection.objects.exists()

    _sync(page)
    page.locator("#outbox li[data-state=synced]").wait_for()
    assert len(sent) == 2
    photo = Media.objects.get()
    assert list(Inspection.objects.get().photos.all()) == [photo]
    assert errors == []

"""End to end in Debian's Chromium: a grid worker caches the field app, loses the network,
fills a whole inspection (GPS, checklist, inputs, photo, signature), reloads, and the record
reaches the server exactly once when the network is back."""

import pytest
from django.utils import timezone

from nongan.inspections.defaults import load_defaults
from nongan.inspections.models import ChecklistTemplate, Inspection, Media
from nongan.testing import (
    ARTIFACTS,
    BROWSER_MARKS,
    PASSWORD,
    PLACES,
    jpeg_bytes,
    make_plot,
    make_producer,
    make_user,
)

pytestmark = BROWSER_MARKS


@pytest.fixture
def scene(live_divisions):
    _, _, village, _, (lon, lat) = PLACES["pudong"]
    worker = make_user("grid_worker", village, username="field-worker")
    producer = make_producer(village, name="离线测试蔬菜合作社")
    make_producer(village, name="另一家合作社")
    plot = make_plot(producer, lon=lon, lat=lat, side_m=150, crop="青菜")
    load_defaults()
    return worker, producer, plot, (lon + 0.0006, lat + 0.0006)  # inside the 150 m square


def _no_overflow(page, what):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"{what} is {width}px wide on a 360px phone"


def _log_in(page, base, user, then="/field/"):
    page.goto(f"{base}{then}")
    page.wait_for_url("**/login/?next=/field/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("form.card button[type=submit]")  # not the header's language button
    page.wait_for_url(f"{base}{then}")


def _sync(page):
    """Press 同步 and wait until a whole sync round has finished."""
    rounds = int(page.get_attribute("body", "data-sync-rounds") or 0)
    page.click("#sync-now")
    page.wait_for_function(f"Number(document.body.dataset.syncRounds) > {rounds}")


def _requeue(page, **changes):
    """Put every outbox record back in the queue, as a retry after a lost answer would."""
    page.evaluate("""(changes) => new Promise((resolve, reject) => {
        const open = indexedDB.open('nongan-field');
        open.onsuccess = () => {
            const tx = open.result.transaction('outbox', 'readwrite');
            const store = tx.objectStore('outbox');
            store.getAll().onsuccess = (e) => {
                for (const r of e.target.result) {
                    r.state = 'queued';
                    Object.assign(r.payload, changes);
                    store.put(r);
                }
            };
            tx.oncomplete = resolve;
            tx.onerror = reject;
        };
    })""", changes)


def _fill_checklist(page):
    """Answer every item of whichever daily template was loaded."""
    for item in page.locator("#items .f-item").all():
        kind = item.get_attribute("data-type")
        if kind == "yes_no":
            item.locator("label:has(input[value=yes])").click()
        elif kind == "number":
            item.locator("input").fill("12.5")
        elif kind == "text":
            item.locator("input").fill("现场整洁")


def _attach_photo(page, tmp_path, lon, lat):
    photo = tmp_path / "scene.jpg"
    photo.write_bytes(jpeg_bytes(taken_at=timezone.localtime(), lon=lon, lat=lat))
    page.set_input_files("#photo-input", str(photo))


def test_an_inspection_made_offline_arrives_once(live_server, browser, scene, tmp_path):
    worker, producer, plot, (here_lon, here_lat) = scene
    base = live_server.url
    context = browser.new_context(bypass_csp=True,  # wait_for_function polls by eval
                                  viewport={"width": 360, "height": 740}, device_scale_factor=2,
                                  is_mobile=True, has_touch=True, locale="zh-CN",
                                  timezone_id="Asia/Shanghai")
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    _log_in(page, base, worker)

    # Online: data into IndexedDB, the service worker installed; reload so it controls the page.
    page.wait_for_function("document.body.dataset.cached === '1'")
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.reload()
    page.wait_for_function("navigator.serviceWorker.controller !== null")
    page.wait_for_function("document.body.dataset.cached === '1'")
    assert "2 家主体" in page.inner_text("#data-status")

    context.set_offline(True)
    context.grant_permissions(["geolocation"], origin=base)
    context.set_geolocation({"longitude": here_lon, "latitude": here_lat, "accuracy": 8})
    page.reload()  # the shell now comes from the service worker's cache
    page.wait_for_selector("#producers a")
    assert page.inner_text("#net") == "离线"
    page.fill("#search", "离线测试")
    assert page.locator("#producers li").count() == 1
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "field-list-360.png"), full_page=True)
    _no_overflow(page, "the producer list")
    page.click("#producers a:has-text('离线测试蔬菜合作社')")

    page.wait_for_function("document.querySelector('#gps-status').innerText.includes('精度')")
    assert "±8 米" in page.inner_text("#gps-status")
    assert page.is_checked(f"#plots input[value='{plot.plot_no}']")  # ticked: we stand in it
    assert page.locator("#map path.leaflet-interactive").count() >= 2  # the plot and our spot
    _fill_checklist(page)
    page.click("#add-input")
    row = page.locator("#inputs .f-input-row").last
    row.locator("[name=pesticide]").fill("吡虫啉")
    row.locator("[name=registration_no]").fill("PD20080001")
    row.locator("[name=dose]").fill("20 g/亩")
    row.locator("[name=crop]").fill("青菜")
    row.locator("[name=applied_on]").fill("2026-01-02")
    row.locator("[name=harvest_on]").fill("2026-01-20")
    _attach_photo(page, tmp_path, here_lon, here_lat)
    assert page.locator("#photos img").count() == 1
    page.click(".f-seg label:has(input[name=result][value=pass])")
    box = page.locator("#signature").bounding_box()
    page.mouse.move(box["x"] + 30, box["y"] + 100)
    page.mouse.down()
    for x, y in [(80, 40), (130, 120), (180, 50), (240, 110)]:
        page.mouse.move(box["x"] + x, box["y"] + y, steps=5)
    page.mouse.up()
    page.screenshot(path=str(ARTIFACTS / "field-inspection-360.png"), full_page=True)
    _no_overflow(page, "the inspection form")
    page.click("#submit")

    queued = page.locator("#outbox li[data-state=queued]")
    queued.wait_for()
    assert "待同步" in queued.inner_text()
    assert page.inner_text("#count-queued") == "1"
    assert Inspection.objects.count() == 0  # offline: nothing reached the server

    page.reload()  # still offline: the record lives in IndexedDB
    page.locator("#outbox li[data-state=queued]").wait_for()
    assert page.locator("#outbox li").count() == 1
    assert Inspection.objects.count() == 0

    context.set_offline(False)
    _sync(page)
    synced = page.locator("#outbox li[data-state=synced]")
    synced.wait_for(timeout=15000)
    assert "已同步" in synced.inner_text()
    assert f"在地块 {plot.plot_no} 内" in synced.inner_text()
    assert page.inner_text("#count-synced") == "1" and page.inner_text("#count-queued") == "0"
    page.screenshot(path=str(ARTIFACTS / "field-synced-360.png"), full_page=True)
    _no_overflow(page, "the outbox")

    inspection = Inspection.objects.get()
    assert inspection.producer == producer and inspection.inspector == worker
    assert inspection.location_check["inside_plot"] is True
    assert inspection.location_check["plot_no"] == plot.plot_no
    assert inspection.photos.count() == 1 and inspection.signature is not None
    assert inspection.plots_seen == [plot.plot_no]
    assert inspection.inputs[0]["pesticide"] == "吡虫啉"
    assert inspection.result == "pass"
    assert inspection.started_at < inspection.finished_at
    media_count = Media.objects.count()
    assert media_count == 2  # the photo and the signature

    # Sync again, and even deliver the same record again: still one inspection, no new files.
    _sync(page)
    _requeue(page)
    _sync(page)
    assert page.locator("#outbox li[data-state=synced]").count() == 1
    assert page.inner_text("#count-queued") == "0"
    assert Inspection.objects.count() == 1
    assert Media.objects.count() == media_count

    # The same uuid with different content is a conflict: shown as failed, nothing changed.
    _requeue(page, result="refer")
    _sync(page)
    conflict = page.locator("#outbox li[data-state=conflict]")
    conflict.wait_for()
    assert "内容不同" in conflict.inner_text()
    assert page.inner_text("#count-failed") == "1"
    assert Inspection.objects.get().result == "pass"
    assert errors == []
    context.close()


def test_a_record_the_server_refuses_shows_why(live_server, browser, scene, tmp_path):
    """Online, opened from the producer page's QR link, a refused signature; the checklist
    was retired on the server after the phone cached it, so the server answers 422."""
    worker, producer, plot, (here_lon, here_lat) = scene
    base = live_server.url
    context = browser.new_context(bypass_csp=True,  # wait_for_function polls by eval
                                  viewport={"width": 360, "height": 740}, is_mobile=True,
                                  has_touch=True, locale="zh-CN", timezone_id="Asia/Shanghai",
                                  geolocation={"longitude": here_lon, "latitude": here_lat,
                                               "accuracy": 80},
                                  permissions=["geolocation"])
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    _log_in(page, base, worker)
    page.wait_for_function("document.body.dataset.cached === '1'")
    ChecklistTemplate.objects.update(active=False)

    page.goto(f"{base}/field/#producer={producer.pk}")
    page.wait_for_function("document.querySelector('#gps-status').innerText.includes('精度')")
    assert "精度较差" in page.inner_text("#gps-status")  # ±80 m: the worker is told
    page.click("#submit")
    assert "须由生产主体签名，或注明拒签情况" in page.inner_text("#form-errors")
    assert page.locator("#outbox li").count() == 0  # nothing queued while the form is wrong
    _fill_checklist(page)
    _attach_photo(page, tmp_path, here_lon, here_lat)
    page.click(".f-seg label:has(input[name=result][value=rectify])")
    page.fill("#rectify-items", "补全生产记录")
    page.fill("#rectify-deadline", "2099-12-31")
    page.fill("#refused", "负责人外出，电话确认")
    page.click("#submit")

    rejected = page.locator("#outbox li[data-state=rejected]")
    rejected.wait_for(timeout=15000)
    assert "被退回" in rejected.inner_text() and "检查表模板不存在" in rejected.inner_text()
    assert page.inner_text("#count-failed") == "1"
    assert Inspection.objects.count() == 0
    assert errors == []
    context.close()

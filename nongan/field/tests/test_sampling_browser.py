"""End to end in Debian's Chromium: a testing institution's sampler caches the field app, loses
the network, fills a whole sampling form (采样单: plan, GPS and plot, product, the producer's
recorded pesticides, test items, photo, signature), reloads, and the sample reaches the server
exactly once when the network is back, with its sample number (样品编号) shown for the label.
Then an enforcement officer's 监督抽查 that the server refuses is shown in Chinese, corrected
and sent again."""

import datetime as dt
import importlib
import json

import pytest
from django.utils import timezone

from nongan.inspections.models import Media
from nongan.monitoring.models import Sample
from nongan.monitoring.services import create_plan
from nongan.testing import (
    ARTIFACTS,
    BROWSER_MARKS,
    PLACES,
    jpeg_bytes,
    make_inspection,
    make_plot,
    make_producer,
    make_template,
    make_world,
)

from .test_offline_browser import _log_in, _no_overflow, _requeue, _sync

pytestmark = BROWSER_MARKS


def _load_standards():
    """GB 2763 for the product names, when the standards module is there (the sample is
    accepted without one: the server flags it)."""
    try:
        standards = importlib.import_module("nongan.monitoring.standards")
    except ImportError:
        return False
    loader = getattr(standards, "load_demo_standards", None)
    if loader is None:
        return False
    loader()
    return True


@pytest.fixture
def scene(live_divisions):
    world = make_world()
    _, _, village, _, (lon, lat) = PLACES["pudong"]
    producer = make_producer(village, actor=world.city_admin, name="采样测试蔬菜合作社")
    plot = make_plot(producer, actor=world.city_admin, lon=lon, lat=lat, side_m=150, crop="青菜")
    # What a grid worker saw the producer use: offered on the sampling form (样品用药).
    make_template()
    make_inspection(producer, actor=world.pudong.grid_worker, lon=lon, lat=lat, inputs=[
        {"pesticide": "吡虫啉", "registration_no": "PD20080001", "dose": "20 g/亩",
         "applied_on": dt.date(2026, 1, 2), "crop": "青菜", "harvest_on": dt.date(2026, 1, 20)}])
    today = timezone.localdate()
    plan = create_plan({
        "name": "2026年蔬菜例行监测", "kind": "routine",
        "starts_on": today - dt.timedelta(days=30),
        "ends_on": today + dt.timedelta(days=30),
        "analytes": ["毒死蜱", "啶虫脒", "吡虫啉"], "lab": world.lab.org.pk,
        "quotas": [{"district": PLACES["pudong"][0], "category": "蔬菜", "count": 5}],
    }, actor=world.city_admin)
    world.standards = _load_standards()
    return world, producer, plot, plan, (lon + 0.0006, lat + 0.0006)  # inside the square


def _new_context(browser, base, where):
    lon, lat = where
    context = browser.new_context(bypass_csp=True,  # wait_for_function polls by eval
                                  viewport={"width": 360, "height": 740}, device_scale_factor=2,
                                  is_mobile=True, has_touch=True, locale="zh-CN",
                                  timezone_id="Asia/Shanghai")
    context.grant_permissions(["geolocation"], origin=base)
    context.set_geolocation({"longitude": lon, "latitude": lat, "accuracy": 8})
    return context


def _cache_the_app(page):
    """Online: data into IndexedDB, the service worker installed and controlling the page."""
    page.wait_for_function("document.body.dataset.cached === '1'")
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.reload()
    page.wait_for_function("navigator.serviceWorker.controller !== null")
    page.wait_for_function("document.body.dataset.cached === '1'")


def _sign(page, canvas="#s-signature"):
    page.eval_on_selector(canvas, "(c) => c.scrollIntoView({block: 'center'})")
    box = page.locator(canvas).bounding_box()
    page.mouse.move(box["x"] + 30, box["y"] + 100)
    page.mouse.down()
    for x, y in [(80, 40), (130, 120), (180, 50), (240, 110)]:
        page.mouse.move(box["x"] + x, box["y"] + y, steps=5)
    page.mouse.up()


def _attach_photo(page, tmp_path, lon, lat):
    photo = tmp_path / "sample.jpg"
    photo.write_bytes(jpeg_bytes(taken_at=timezone.localtime(), lon=lon, lat=lat))
    page.set_input_files("#s-photo-input", str(photo))


def _wait_for_fix(page):
    page.wait_for_function("document.querySelector('#s-gps-status').innerText.includes('精度')")


def test_a_sample_taken_offline_arrives_once(live_server, browser, scene, tmp_path):
    world, producer, plot, plan, (here_lon, here_lat) = scene
    base = live_server.url
    context = _new_context(browser, base, (here_lon, here_lat))
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    _log_in(page, base, world.lab)
    _cache_the_app(page)
    status = page.inner_text("#data-status")
    assert "1 项监测任务" in status and "检查表" not in status  # a lab does not inspect

    context.set_offline(True)
    page.reload()  # the shell and both scripts now come from the service worker's cache
    page.wait_for_selector("#producers a")
    assert page.inner_text("#net") == "离线"
    page.fill("#search", "采样测试")
    assert page.locator("#producers li").count() == 1
    assert page.locator("#producers .f-actions").count() == 0  # one action only: 采样
    page.click("#producers a:has-text('采样测试蔬菜合作社')")
    assert page.evaluate("location.hash") == f"#sample={producer.pk}"
    assert page.is_visible("#view-sample") and not page.is_visible("#view-inspect")
    assert page.inner_text("#view-sample .f-title") == "采样测试蔬菜合作社"

    _wait_for_fix(page)
    assert "±8 米" in page.inner_text("#s-gps-status")
    assert page.is_checked(f"#s-plots input[value='{plot.plot_no}']")  # we stand in it
    assert page.locator("#s-map path.leaflet-interactive").count() >= 2
    # A lab samples routine, risk and rapid; the open plan is chosen with its test items.
    kinds = page.locator("#s-kinds input").evaluate_all("(xs) => xs.map((x) => x.value)")
    assert kinds == ["routine", "risk", "rapid"]
    assert page.is_checked("#s-kinds input[value=routine]")
    assert page.input_value("#s-plan") == str(plan.pk)
    assert page.is_hidden("#s-lab-box")  # the plan names the lab
    assert page.is_hidden("#s-team")  # co-samplers are for 监督抽查
    chips = page.locator("#s-analytes .f-chip span")
    assert chips.all_inner_texts() == ["毒死蜱", "啶虫脒", "吡虫啉"]
    page.click("#s-analytes button[aria-label='删除检测项目 啶虫脒']")
    page.fill("#s-analyte", "多菌灵")
    page.press("#s-analyte", "Enter")  # adds, does not submit
    assert chips.all_inner_texts() == ["毒死蜱", "吡虫啉", "多菌灵"]
    assert page.locator("#outbox > li").count() == 0

    if world.standards:
        assert page.locator("#s-foods option[value='青菜']").count() == 1
        assert "GB 2763" in page.inner_text("#s-standard")
    # The producer's recorded pesticide, offered; typing the crop ticks it.
    recorded = page.locator("#s-pesticides .f-use-row[data-recorded='1']")
    assert recorded.count() == 1 and "吡虫啉" in recorded.inner_text()
    assert not recorded.locator("[name=use]").is_checked()
    page.fill("#s-product", "青菜")
    assert recorded.locator("[name=use]").is_checked()
    recorded.locator("[name=dose]").fill("25 g/亩")  # corrected on the spot
    page.fill("#s-variety", "上海青")
    page.fill("#s-quantity", "2 kg")
    page.click("#s-add-pesticide")
    added = page.locator("#s-pesticides .f-use-row").last
    added.locator("[name=pesticide]").fill("毒死蜱")
    added.locator("[name=applied_on]").fill("2026-01-05")
    _attach_photo(page, tmp_path, here_lon, here_lat)
    assert page.locator("#s-photos img").count() == 1
    _sign(page)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "field-sampling-360.png"), full_page=True)
    _no_overflow(page, "the sampling form")
    page.click("#s-submit")

    queued = page.locator("#outbox li[data-state=queued]")
    queued.wait_for()
    assert "待同步" in queued.inner_text() and "采样" in queued.inner_text()
    assert "青菜" in queued.inner_text() and "已签名" in queued.inner_text()
    assert Sample.objects.count() == 0  # offline: nothing reached the server

    page.reload()  # still offline: the form lives in IndexedDB
    page.locator("#outbox li[data-state=queued]").wait_for()
    assert page.locator("#outbox > li").count() == 1
    assert page.inner_text("#count-queued") == "1"
    assert Sample.objects.count() == 0

    context.set_offline(False)
    _sync(page)
    synced = page.locator("#outbox li[data-state=synced]")
    synced.wait_for(timeout=15000)
    sample = Sample.objects.get()
    text = synced.inner_text()
    assert "已同步" in text and f"样品编号 {sample.sample_no}" in text
    assert f"在地块 {plot.plot_no} 内" in text
    label = synced.locator("a:has-text('打印样品标签')")
    assert label.get_attribute("href") == f"/samples/{sample.sample_no}/label/"
    page.screenshot(path=str(ARTIFACTS / "field-sample-synced-360.png"), full_page=True)
    _no_overflow(page, "the outbox with a sample")

    assert sample.producer == producer and sample.sampler == world.lab
    assert sample.plan == plan and sample.lab == world.lab.org and sample.kind == "routine"
    assert sample.plot == plot and sample.product == "青菜" and sample.variety == "上海青"
    assert sample.quantity == "2 kg"
    assert sample.analytes == ["毒死蜱", "吡虫啉", "多菌灵"]
    assert [(p["pesticide"], p["dose"]) for p in sample.pesticides_used] == [
        ("吡虫啉", "25 g/亩"), ("毒死蜱", "")]
    assert sample.pesticides_used[1]["applied_on"] == "2026-01-05"
    assert sample.photos.count() == 1 and sample.party_signature is not None
    assert sample.refusal == ""
    assert sample.location_check["inside_plot"] is True
    assert sample.sample_no.endswith("00001") and "L" in sample.sample_no
    media_count = Media.objects.count()
    assert media_count == 2  # the photo and the signature

    # Sync again, and even deliver the same form again: still one sample, no new files.
    _sync(page)
    _requeue(page)
    _sync(page)
    assert page.locator("#outbox li[data-state=synced]").count() == 1
    assert page.inner_text("#count-queued") == "0"
    assert Sample.objects.count() == 1
    assert Media.objects.count() == media_count
    assert sample.sample_no in page.inner_text("#outbox")

    # The same uuid with different content is a conflict: shown as failed, nothing changed.
    _requeue(page, product="黄瓜")
    _sync(page)
    conflict = page.locator("#outbox li[data-state=conflict]")
    conflict.wait_for()
    assert "内容不同" in conflict.inner_text()
    assert Sample.objects.get().product == "青菜"

    # A form the server cannot read (422 from the schema, in English) is explained in Chinese
    # beside the record and kept for correction.
    _requeue(page, sampled_at="昨天下午")
    _sync(page)
    rejected = page.locator("#outbox > li[data-state=rejected]")
    rejected.wait_for()
    assert "采样时间：格式不正确" in rejected.inner_text()
    assert rejected.locator("a:has-text('修改后重新提交')").count() == 1
    assert Sample.objects.count() == 1

    # The producer page's QR code opens #producer=ID: a lab's sampler lands on sampling.
    page.goto(f"{base}/field/#producer={producer.pk}")
    page.wait_for_function(f"location.hash === '#sample={producer.pk}'")
    assert page.is_visible("#view-sample") and not page.is_visible("#view-inspect")
    assert errors == []
    context.close()


def test_a_refused_supervisory_sample_is_corrected(live_server, browser, scene, tmp_path):
    """监督抽查 by an enforcement officer, online: the second sampler from the list, a lab
    chosen (no plan), a recorded refusal instead of a signature. The plot was retired on the
    server after the phone cached it: the server answers 422, the outbox says why in Chinese,
    the sampler corrects the form and it is accepted under the same uuid."""
    world, producer, plot, plan, (here_lon, here_lat) = scene
    officer, second = world.pudong.enforcement_officer, world.pudong.enforcement_officer2
    base = live_server.url
    context = _new_context(browser, base, (here_lon, here_lat))
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    _log_in(page, base, officer)
    page.wait_for_function("document.body.dataset.cached === '1'")
    plot.active = False
    plot.save(update_fields=["active"])

    # An officer both inspects and samples: the list offers both, the form has tabs.
    page.fill("#search", "采样测试")
    item = page.locator("#producers li")
    assert item.locator(".f-actions a").all_inner_texts() == ["巡查", "采样"]
    item.locator(".f-actions a:has-text('采样')").click()
    tabs = page.locator("#view-sample .f-tabs")
    assert tabs.is_visible() and tabs.locator(".f-tab-on").inner_text() == "采样"
    assert "1 项监测任务" not in page.inner_text("#data-status")  # the plan is routine
    _wait_for_fix(page)
    kinds = page.locator("#s-kinds input").evaluate_all("(xs) => xs.map((x) => x.value)")
    assert kinds == ["supervisory", "rapid"]
    page.click("#s-kinds label:has(input[value=supervisory])")
    assert page.input_value("#s-plan") == ""  # no supervisory plan: ad hoc
    assert page.is_visible("#s-lab-box") and page.is_visible("#s-team")
    assert officer.enforcement_card_no in page.inner_text("#s-me-card")
    options = page.locator("#s-co-samplers select option").all_inner_texts()
    assert any(second.enforcement_card_no in o for o in options)
    assert not any(officer.enforcement_card_no in o for o in options)  # not oneself

    page.fill("#s-product", "青菜")
    page.click("#s-submit")
    shown = page.inner_text("#s-errors")
    assert "须选择检测机构" in shown and "须列出检测项目" in shown
    assert "请选择共同抽样人" in shown and "拒检/拒签" in shown
    assert page.locator("#outbox > li").count() == 0  # nothing queued while the form is wrong

    page.select_option("#s-lab", str(world.lab2.org.pk))
    page.fill("#s-analyte", "毒死蜱、克百威")
    page.click("#s-add-analyte")
    page.select_option("#s-co-samplers select", second.username)
    page.fill("#s-refusal", "负责人拒绝签字（拒签）")
    assert page.is_checked(f"#s-plots input[value='{plot.plot_no}']")
    _attach_photo(page, tmp_path, here_lon, here_lat)
    page.screenshot(path=str(ARTIFACTS / "field-sampling-supervisory-360.png"), full_page=True)
    _no_overflow(page, "the supervisory sampling form")
    page.click("#s-submit")

    rejected = page.locator("#outbox li[data-state=rejected]")
    rejected.wait_for(timeout=15000)
    assert "被退回" in rejected.inner_text()
    assert f"不是该主体的地块：{plot.plot_no}" in rejected.inner_text()
    assert page.inner_text("#count-failed") == "1"
    assert Sample.objects.count() == 0
    photos_sent = Media.objects.count()
    assert photos_sent == 1  # the photo went up before the form was refused

    rejected.locator("a:has-text('修改后重新提交')").click()
    page.wait_for_function("!document.querySelector('#s-fixing').hidden")
    assert f"不是该主体的地块：{plot.plot_no}" in page.inner_text("#s-fix-errors")
    assert page.input_value("#s-product") == "青菜"
    assert page.input_value("#s-lab") == str(world.lab2.org.pk)
    assert page.input_value("#s-co-samplers select") == second.username
    assert page.input_value("#s-refusal") == "负责人拒绝签字（拒签）"
    assert page.locator("#s-analytes .f-chip span").all_inner_texts() == ["毒死蜱", "克百威"]
    assert page.locator("#s-photos img").count() == 1
    assert "原定位" in page.inner_text("#s-gps-status")
    page.click("#s-plots label:has(input[value=''])")  # 不指定
    page.click("#s-submit")

    synced = page.locator("#outbox li[data-state=synced]")
    synced.wait_for(timeout=15000)
    assert page.locator("#outbox > li").count() == 1  # the same record, corrected
    sample = Sample.objects.get()
    assert f"样品编号 {sample.sample_no}" in synced.inner_text()
    assert sample.kind == "supervisory" and "J" in sample.sample_no
    assert sample.plan is None and sample.lab == world.lab2.org and sample.plot is None
    assert list(sample.co_samplers.values_list("username", flat=True)) == [second.username]
    assert sample.refusal == "负责人拒绝签字（拒签）" and sample.party_signature is None
    assert sample.analytes == ["毒死蜱", "克百威"]
    assert sample.photos.count() == 1 and Media.objects.count() == photos_sent  # not re-sent
    stored = json.loads(page.evaluate("""() => new Promise((resolve) => {
        indexedDB.open('nongan-field').onsuccess = (e) => {
            e.target.result.transaction('outbox').objectStore('outbox').getAll()
                .onsuccess = (r) => resolve(JSON.stringify(r.target.result.map((x) => x.uuid)));
        };
    })"""))
    assert stored == [str(sample.uuid)]
    assert errors == []
    context.close()


def test_a_grid_worker_is_not_offered_sampling(live_server, browser, scene):
    world, producer, plot, plan, where = scene
    base = live_server.url
    context = _new_context(browser, base, where)
    page = context.new_page()
    _log_in(page, base, world.pudong.grid_worker)
    page.wait_for_function("document.body.dataset.cached === '1'")
    assert page.locator("#producers .f-actions").count() == 0
    href = page.locator("#producers a:has-text('采样测试蔬菜合作社')").get_attribute("href")
    assert href == f"#producer={producer.pk}"
    page.goto(f"{base}/field/#sample={producer.pk}")
    page.wait_for_function("document.querySelector('#view-sample').classList.contains('f-missing')")
    assert "不承担抽样" in page.inner_text("#view-sample")
    assert page.is_hidden("#s-submit")
    context.close()

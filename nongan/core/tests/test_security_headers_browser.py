"""The Content-Security-Policy holds in Chromium: every app's representative page, as each
kind of user, loads with no `securitypolicyviolation` event and no console error — maps
(with a tile host allowed by img-src), ECharts charts, htmx, the field app and its service
worker, the public site and the API docs."""

import datetime as dt

import pytest

from nongan.testing import BROWSER_MARKS, make_inspection, make_world, phone_page

pytestmark = BROWSER_MARKS

TILES = "https://tiles.example.test/{z}/{x}/{y}.png"
# A 1×1 PNG: the tile server of the test, answered by Playwright (no outside network).
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082")

LISTEN = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push(e.violatedDirective + " blocked " + (e.blockedURI || "inline") + " at " +
                    (e.sourceFile || location.pathname) + ":" + e.lineNumber);
});
"""


@pytest.fixture
def scene(live_divisions, settings, tmp_path):
    from nongan.analysis.tests.factories import scene as analysis_scene
    from nongan.enforcement.tests.spot_check_factories import drawn, officer, producers, villages
    from nongan.exchange.tests.factories import agency
    from nongan.iot.tests.factories import make_sensor, send
    from nongan.joint.tests.factories import referral
    from nongan.risk.runner import run_all
    from nongan.risk.tests.factories import monthly_series
    from nongan.risk.tests.factories import producers as risk_producers
    from nongan.traceability.tests.factories import cert_row, certificates_of

    settings.MEDIA_ROOT = tmp_path / "media"
    settings.NONGAN_MAP_TILES = TILES
    world = make_world()
    made = analysis_scene(world)
    from django.core.files.uploadedfile import SimpleUploadedFile

    from nongan.inspections.services import upload_media
    from nongan.testing import jpeg_bytes, make_template

    make_template()
    media = upload_media(SimpleUploadedFile("p.jpg", jpeg_bytes()), actor=world.pudong.grid_worker)
    inspection = make_inspection(world.pudong.the_producer, actor=world.pudong.grid_worker,
                                 photos=[str(media.id)])
    producers(villages(), "AB")
    officer(), officer()
    check = drawn(world.pudong.enforcement_officer, share="0.5")
    sent = referral(world.pudong, reported_on=None)
    own = agency(world, name="上海市市场监督管理局")
    sensor, _ = make_sensor(world.pudong, kind="dissolved_oxygen", plot=True)
    send(sensor, [7.5, 7.0, 6.2, 5.4, 4.6, 4.1, 3.8, 5.2] * 5)
    certificates_of(world.pudong, [cert_row(world.pudong.the_producer, n) for n in range(1, 4)])
    monthly_series(world, risk_producers(world.pudong.village, 1)[0],
                   [0, 1, 0, 1, 1, 0, 1, 0, 0, 1, 1, 0] + [1, 0, 9],
                   last=dt.date(2026, 5, 1), pesticide="啶虫脒")
    run_all(dt.date(2026, 6, 1), replications=19)
    from nongan.risk.models import RiskWarning

    history = RiskWarning.objects.get(kind="temporal")  # its page draws the monthly chart
    return world, made, inspection, check, sent, own, sensor, history


def _visit(page, base, path, problems, wait_for=None):
    response = page.goto(base + path, wait_until="networkidle")
    assert response.status == 200, path
    if wait_for:
        try:
            page.wait_for_selector(wait_for, timeout=10_000)
        except Exception:  # noqa: BLE001 - report it with the violations that explain it
            problems.append(f"{path}: {wait_for} never appeared")
    page.wait_for_timeout(150)
    problems.extend(f"{path}: {v}" for v in page.evaluate("window.__csp || []"))


def _page(browser, base, user, problems):
    page, errors = phone_page(browser, base, user, enforce_csp=True)
    page.context.route("https://tiles.example.test/**",
                       lambda route: route.fulfill(status=200, body=PNG, content_type="image/png"))
    page.add_init_script(LISTEN)
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}")
            if m.type == "error" else None)
    return page, errors


def test_every_app_passes_the_content_security_policy_in_chromium(live_server, browser, scene):
    world, made, inspection, check, sent, own, sensor, history = scene
    base = live_server.url
    pudong = world.pudong
    producer = pudong.the_producer
    visits = {
        world.city_admin: [
            ("/", None), ("/producers/", None),
            (f"/producers/{made.enterprise.pk}/", "#producer-map .leaflet-tile-loaded"),
            ("/analysis/", "#warning-map.leaflet-container"),
            ("/assessment/", None), ("/exchange/agencies/", None),
            (f"/exchange/agencies/{own.pk}/", None), ("/api/v1/docs", "#swagger-ui .info"),
        ],
        pudong.district_officer: [
            ("/inspections/", None), (f"/inspections/{inspection.pk}/", ".leaflet-container"),
            ("/samples/", None), (f"/samples/{made.samples.over.sample_no}/", None),
            ("/monitoring/monthly/", None),
            ("/spot-checks/", None), (f"/spot-checks/{check.pk}/", None),
            ("/cases/", None), (f"/cases/{made.case.pk}/", None),
            ("/commitments/campaigns/", None), ("/commitments/", None),
            ("/warnings/", None), (f"/warnings/{history.pk}/", "#history-chart svg"),
            ("/referrals/", None), (f"/referrals/{sent.pk}/", None),
            ("/certificates/", None), ("/trace-imports/", None),
            (f"/iot/sensors/{sensor.pk}/", "#sensor-chart canvas"),
            (f"/grids/{producer.grid.code}/", None),
        ],
        pudong.grid_worker: [("/field/", None)],
        pudong.producer: [("/", None), ("/my/", None)],
        None: [("/login/", None), ("/public/", None), ("/public/spot-checks/", None),
               ("/public/producers/", None)],
    }
    problems = []
    for user, paths in visits.items():
        page, errors = _page(browser, base, user, problems)
        for path, wait_for in paths:
            _visit(page, base, path, problems, wait_for)
        if user == pudong.grid_worker:  # the field app installs its service worker
            page.wait_for_function("navigator.serviceWorker.controller !== null "
                                   "|| navigator.serviceWorker.ready.then(() => true)")
            page.reload(wait_until="networkidle")
            problems.extend(f"/field/ reloaded: {v}" for v in page.evaluate("window.__csp"))
        problems.extend(f"{user}: page error {e}" for e in errors)
        page.context.close()
    assert problems == []

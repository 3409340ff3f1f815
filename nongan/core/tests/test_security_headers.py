"""Every response carries the security headers: pages, API JSON, static files, errors."""

import pytest
from django.test import override_settings

from nongan.core.middleware import content_security_policy, tile_source

pytestmark = pytest.mark.django_db

HEADERS = ("Content-Security-Policy", "Referrer-Policy", "Permissions-Policy",
           "Cross-Origin-Opener-Policy", "X-Content-Type-Options", "X-Frame-Options")


def _assert_headers(response):
    for name in HEADERS:
        assert response.has_header(name), (response.status_code, name)
    csp = response["Content-Security-Policy"]
    assert "script-src 'self';" in csp and "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "geolocation=(self)" in response["Permissions-Policy"]
    assert "microphone=()" in response["Permissions-Policy"]


def test_pages_api_json_static_files_and_errors_all_carry_the_headers(client, world, api, login):
    officer = world.pudong.district_officer
    responses = {
        "login page": client.get("/login/"),
        "home": login(officer).get("/"),
        "producer list": login(officer).get("/producers/"),
        "field app": login(world.pudong.grid_worker).get("/field/"),
        "service worker": client.get("/field/sw.js"),
        "public site": client.get("/public/"),
        "api json": api(officer).get("/producers"),
        "api 401": client.get("/api/v1/producers"),
        "api docs": client.get("/api/v1/docs"),
        "static": client.get("/static/nongan/site.css"),
        "404": login(officer).get("/no-such-page/"),
    }
    expected = {"api 401": 401, "404": 404}
    for name, response in responses.items():
        assert response.status_code == expected.get(name, 200), (name, response.status_code)
        _assert_headers(response)
    assert responses["404"].status_code == 404
    assert responses["api json"]["Content-Type"].startswith("application/json")


def test_no_page_has_an_inline_script_or_handler(world, login):
    officer = world.pudong.district_officer
    for path in ("/", "/producers/", f"/producers/{world.pudong.the_producer.pk}/"):
        body = login(officer).get(path).content.decode()
        assert "<script>" not in body and "onclick=" not in body and "<style>" not in body


def test_report_only_switches_the_header_name(client):
    with override_settings(NONGAN_CSP_REPORT_ONLY=True):
        response = client.get("/login/")
    assert response.has_header("Content-Security-Policy-Report-Only")
    assert not response.has_header("Content-Security-Policy")


def test_the_map_tile_host_is_allowed_for_images_only():
    assert tile_source("") == ""
    assert tile_source("/tiles/{z}/{x}/{y}.png") == ""
    assert tile_source("https://tiles.example.gov.cn/{z}/{x}/{y}.png") == \
        "https://tiles.example.gov.cn"
    assert tile_source("https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png") == \
        "https://*.tile.openstreetmap.org"
    with override_settings(NONGAN_MAP_TILES="https://tiles.example.gov.cn:8443/{z}/{x}/{y}.png"):
        csp = content_security_policy()
    img = next(d for d in csp.split("; ") if d.startswith("img-src"))
    assert "https://tiles.example.gov.cn:8443" in img
    assert "tiles.example.gov.cn" not in csp.replace(img, "")


def test_https_settings_turn_on_hsts_and_secure_cookies(client):
    with override_settings(SECURE_HSTS_SECONDS=31536000, SECURE_SSL_REDIRECT=True,
                           SESSION_COOKIE_SECURE=True, CSRF_COOKIE_SECURE=True):
        plain = client.get("/login/")
        secure = client.get("/login/", secure=True)
    assert plain.status_code == 301 and plain["Location"].startswith("https://")
    assert secure["Strict-Transport-Security"].startswith("max-age=31536000")
    _assert_headers(secure)

"""The field app's shell, service worker and manifest as the server delivers them."""

import json

import pytest
from django.test import Client

from nongan.testing import PLACES, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def grid_worker():
    return make_user("grid_worker", PLACES["pudong"][2], username="field-grid")


def test_the_field_app_needs_a_login():
    response = Client().get("/field/")
    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/field/"


def test_a_grid_worker_gets_the_shell(login, grid_worker):
    response = login(grid_worker).get("/field/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "现场巡查" in html and "待同步" in html and "已同步" in html
    assert "/field/sw.js" in html and "field/app.js" in html
    assert 'capture="environment"' in html and 'accept="image/jpeg,image/png"' in html
    assert 'name="viewport"' in html
    # The service worker caches this page for every user: nothing personal may be in it.
    assert grid_worker.username not in html
    assert "csrftoken" in response.cookies  # app.js sends it back as X-CSRFToken


def test_the_service_worker_is_served_from_the_field_scope(grid_worker, login):
    response = Client().get("/field/sw.js")  # the browser fetches it without asking
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert response["Cache-Control"] == "no-cache"
    body = response.content.decode()
    assert 'const SHELL_URL = "/field/"' in body
    for path in ("/static/field/app.js", "/static/field/sampling.js", "/static/field/field.css",
                 "/static/vendor/leaflet/leaflet.js"):
        assert path in body
    version = body.split('const VERSION = "')[1].split('"')[0]
    assert len(version) == 12
    assert Client().get("/field/sw.js").content.decode() == body  # stable while files are


def test_the_precached_files_exist():
    body = Client().get("/field/sw.js").content.decode()
    files = json.loads(body.split("const SHELL_STATIC = ")[1].split(";")[0])
    for path in files:
        response = Client().get(path)
        assert response.status_code == 200, path


def test_the_manifest_starts_and_stays_in_the_field_app():
    response = Client().get("/field/manifest.webmanifest")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/manifest+json")
    manifest = json.loads(response.content)
    assert manifest["start_url"] == "/field/" and manifest["scope"] == "/field/"
    assert manifest["display"] == "standalone" and manifest["icons"]
    assert Client().get(manifest["icons"][0]["src"]).status_code == 200


def test_the_shell_carries_the_sampling_form(login, grid_worker):
    html = login(grid_worker).get("/field/").content.decode()
    # Both scripts, app.js first: sampling.js plugs into what app.js sets up.
    assert html.index("field/app.js") < html.index("field/sampling.js")
    assert 'id="view-sample"' in html and "提交采样单" in html
    for part in ("s-kinds", "s-plan", "s-lab", "s-plots", "s-product", "s-foods", "s-pesticides",
                 "s-analytes", "s-photo-input", "s-co-samplers", "s-signature", "s-refusal"):
        assert f'id="{part}"' in html, part
    assert html.count('capture="environment"') == 2  # a camera for each form


def test_the_service_worker_changes_with_the_sampling_script(settings, tmp_path):
    """The worker's version covers sampling.js, so a new sampling form reaches every phone."""
    from nongan.field import views

    body = Client().get("/field/sw.js").content.decode()
    files = json.loads(body.split("const SHELL_STATIC = ")[1].split(";")[0])
    assert "/static/field/sampling.js" in files
    before = views._version()
    changed = tmp_path / "field"
    changed.mkdir()
    (changed / "sampling.js").write_text("/* a new sampling form */")
    # Django's test signals reset the static file finders when this setting changes.
    settings.STATICFILES_DIRS = [str(tmp_path), *settings.STATICFILES_DIRS]
    assert views._version() != before

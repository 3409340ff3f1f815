import hypothesis
import pytest
from django.test import Client

from nongan.testing import PASSWORD, make_world

# Property tests run beside a second suite and a browser in CI: wall-clock limits there
# measure the machine's load, not the code (speed has its own benchmarks in bench/).
hypothesis.settings.register_profile(
    "nongan", deadline=None, suppress_health_check=[hypothesis.HealthCheck.too_slow])
hypothesis.settings.load_profile("nongan")


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The real Shanghai divisions, loaded once per test session."""
    from nongan.regions.services import SHIPPED_DIVISIONS, apply_divisions

    with django_db_blocker.unblock():
        apply_divisions(SHIPPED_DIVISIONS, actor=None)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Real hashing costs ~0.3 s a user; tests make dozens.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def world(db):
    return make_world()


@pytest.fixture
def login():
    """A browser-like client logged in as `user` (session cookie, CSRF enforced)."""

    def _login(user):
        client = Client(enforce_csrf_checks=False)
        client.force_login(user)
        return client

    return _login


@pytest.fixture
def api():
    """An API client that sends `user`'s bearer token."""
    from nongan.people.services import issue_token

    class Api:
        def __init__(self, user=None):
            self.client = Client()
            self.headers = {}
            if user is not None:
                key, _ = issue_token(user)
                self.headers = {"Authorization": f"Bearer {key}"}

        def get(self, path, **params):
            return self.client.get(f"/api/v1{path}", params, headers=self.headers)

        def post(self, path, data=None, **kw):
            return self.client.post(f"/api/v1{path}", data, content_type="application/json",
                                    headers=self.headers, **kw)

        def patch(self, path, data=None):
            return self.client.patch(f"/api/v1{path}", data, content_type="application/json",
                                     headers=self.headers)

    return Api


@pytest.fixture
def browser():
    """Debian's Chromium driven by Playwright (no browser download: CI installs chromium)."""
    import os

    from nongan.testing import BROWSER_ARGS, CHROMIUM

    sync_api = pytest.importorskip("playwright.sync_api")
    # Playwright's sync API runs an event loop in this thread; the ORM calls made by the test
    # itself are still synchronous.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_api.sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                      args=BROWSER_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def live_divisions(transactional_db):
    """Transactional tests (a live server) start from flushed tables: load the divisions."""
    from nongan.regions.models import Region
    from nongan.regions.services import SHIPPED_DIVISIONS, apply_divisions

    if not Region.objects.exists():
        apply_divisions(SHIPPED_DIVISIONS, actor=None)


__all__ = ["PASSWORD"]

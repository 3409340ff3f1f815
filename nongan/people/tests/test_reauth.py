"""Admin changes need the password (or an authenticator code) confirmed within
NONGAN_REAUTH_MINUTES: a login counts; after that a page goes to the confirm page and back,
and the API answers 403 {"detail": "需要重新验证身份", "reauth": true}. Reading stays free;
a bearer token counts as a fresh login for its first minutes."""

import datetime as dt
import time

import pytest
from django.urls import get_resolver
from django.utils import timezone

from nongan.api import api as ninja_api
from nongan.core.models import AuditEntry
from nongan.core.reauth import SESSION_KEY
from nongan.people.models import ApiToken
from nongan.testing import PASSWORD


def _stale(client, settings):
    session = client.session
    session[SESSION_KEY] = time.time() - settings.NONGAN_REAUTH_MINUTES * 60 - 1
    session.save()


def _risk_form(client) -> dict:
    page = client.get("/risk-settings/")
    return {f["name"]: ("1" if f["value"] is True else "0" if f["value"] is False
                        else f["value"])
            for s in page.context["sections"] for f in s["fields"]}


def test_a_fresh_login_may_change_settings(world, login):
    client = login(world.city_admin)
    answer = client.post("/risk-settings/", _risk_form(client))
    assert answer.status_code == 302 and answer["Location"] == "/risk-settings/"


def test_after_the_window_a_change_goes_to_the_confirm_page_and_back(world, login, settings):
    client = login(world.city_admin)
    form = _risk_form(client)
    _stale(client, settings)
    assert client.get("/risk-settings/").status_code == 200  # reading stays free
    answer = client.post("/risk-settings/", form, HTTP_REFERER="http://testserver/risk-settings/")
    assert answer.status_code == 302
    assert answer["Location"].startswith("/account/confirm/?next=")
    page = client.get(answer["Location"])
    assert page.status_code == 200 and "重新验证身份" in page.content.decode()
    wrong = client.post("/account/confirm/", {"password": "nope",
                                              "next": "http://testserver/risk-settings/"})
    assert wrong.status_code == 401 and "密码不正确" in wrong.content.decode()
    right = client.post("/account/confirm/", {"password": PASSWORD,
                                              "next": "http://testserver/risk-settings/"})
    assert right["Location"] == "http://testserver/risk-settings/"
    assert AuditEntry.objects.filter(action="account.reauth",
                                     object_id=str(world.city_admin.pk)).exists()
    assert client.post("/risk-settings/", form)["Location"] == "/risk-settings/"


def test_the_confirm_page_never_sends_elsewhere(world, login, settings):
    client = login(world.city_admin)
    answer = client.post("/account/confirm/", {"password": PASSWORD,
                                               "next": "https://evil.example/"})
    assert answer["Location"] == "/"


def test_a_role_without_the_action_still_gets_its_403(world, login, settings):
    client = login(world.pudong.district_officer)
    _stale(client, settings)
    assert client.post("/credit-rules/", {}).status_code == 403


def test_a_fresh_token_may_change_settings_and_a_stale_one_is_told_to_reauthenticate(
        world, api, settings):
    admin = api(world.city_admin)
    body = admin.client.get("/api/v1/risk/settings", headers=admin.headers).json()
    put = admin.client.put("/api/v1/risk/settings", body, content_type="application/json",
                           headers=admin.headers)
    assert put.status_code == 200
    ApiToken.objects.filter(user=world.city_admin).update(
        created_at=timezone.now() - dt.timedelta(minutes=settings.NONGAN_REAUTH_MINUTES + 1))
    stale = admin.client.put("/api/v1/risk/settings", body, content_type="application/json",
                             headers=admin.headers)
    assert stale.status_code == 403
    assert stale.json() == {"detail": "需要重新验证身份", "reauth": True}
    assert admin.get("/risk/settings").status_code == 200  # reading stays free
    assert admin.get("/me").status_code == 200  # the token itself lives on (its own TTL)


# Each admin action and the URL names / API operations it guards.
PAGES = {"inspection_templates", "credit_rules", "standard_import", "assessment_refresh",
         "assessment_indicators", "risk_settings", "exchange_agency_new"}


def _page_views():
    found = {}

    def walk(patterns):
        for p in patterns:
            if hasattr(p, "url_patterns"):
                walk(p.url_patterns)
            elif getattr(p.callback, "reauth_action", None):
                found[p.name] = p.callback.reauth_action

    walk(get_resolver().url_patterns)
    return found


def test_every_admin_page_is_guarded():
    guarded = _page_views()
    missing = {name for name in PAGES if name not in guarded}
    assert not missing, missing
    assert set(guarded.values()) == {"template.edit", "credit.rules.edit", "standard.import",
                                     "assessment.edit", "risk.run", "agency.manage"}


@pytest.mark.parametrize(("method", "path"), [
    ("PUT", "/risk/settings"), ("PUT", "/credit-rules"), ("POST", "/standards/mrl/import"),
    ("PUT", "/assessment/indicators"), ("POST", "/assessment/refresh"),
    ("POST", "/inspection-templates/{code}/versions"), ("POST", "/agencies"),
    ("PATCH", "/agencies/{pk}"), ("POST", "/agencies/{pk}/api-keys"),
    ("POST", "/api-keys/{pk}/revoke"), ("POST", "/agencies/{pk}/subscriptions"),
])
def test_every_admin_api_write_is_guarded(method, path):
    guarded = {(m, route) for router_prefix, router in ninja_api._routers
               for route, view in router.path_operations.items()
               for op in view.operations for m in op.methods
               if getattr(op.view_func, "reauth_action", None)}
    assert (method, path) in guarded


def test_binding_another_phone_needs_a_recent_confirmation(world, login, settings):
    from nongan.people.models import User

    User.objects.filter(pk=world.pudong.producer.pk).update(totp_enabled_at=timezone.now())
    client = login(world.pudong.producer)
    _stale(client, settings)
    answer = client.post("/account/two-factor/", {"code": "123456"})
    assert answer["Location"] == "/account/confirm/?next=%2Faccount%2Ftwo-factor%2F"

"""City administrators must log in with an authenticator app: one without an authenticator
is sent to bind one right after the password and can do nothing else until it has; from
then on every login needs its code (page and API)."""

import base64
import time

from django.test import Client

from nongan.people import totp
from nongan.people.models import User
from nongan.testing import PASSWORD, make_user


def _now() -> float:
    if time.time() % 30 > 27:
        time.sleep(3.5)
    return time.time()


def _code(secret: str, at: float) -> str:
    return totp.totp(base64.b32decode(secret), at)


def test_a_city_admin_account_always_needs_a_second_factor(world):
    assert world.city_admin.otp_required
    assert world.city_admin.needs_totp_enrolment
    other = make_user("district_officer", world.pudong.district)
    assert not other.otp_required and not other.needs_totp_enrolment


def test_an_admin_binds_an_authenticator_then_logs_in_with_its_codes(world):
    client = Client()
    answer = client.post("/login/", {"username": "city-admin", "password": PASSWORD})
    assert answer["Location"] == "/account/two-factor/"
    assert client.get("/")["Location"] == "/account/two-factor/"
    assert client.get("/credit-rules/")["Location"] == "/account/two-factor/"
    assert client.get("/api/v1/me").json()["totp_enrolment"] is True
    page = client.get("/account/two-factor/")
    secret = page.context["secret"]
    now = _now()
    bound = client.post("/account/two-factor/", {"code": _code(secret, now - 30)})
    assert bound["Location"] == "/"
    assert client.get("/").status_code == 200
    admin = User.objects.get(pk=world.city_admin.pk)
    assert admin.second_factor == "totp" and not admin.needs_totp_enrolment
    client.get("/logout/")

    again = Client()
    assert again.post("/login/", {"username": "city-admin", "password": PASSWORD}
                      )["Location"] == "/login/code/"
    assert again.get("/").status_code == 302
    assert again.post("/login/code/", {"code": _code(secret, now)})["Location"] == "/"
    assert again.get("/").status_code == 200


def test_the_api_refuses_a_token_until_the_authenticator_is_bound(world):
    body = {"username": "city-admin", "password": PASSWORD}
    answer = Client().post("/api/v1/auth/token", body, content_type="application/json")
    assert answer.status_code == 403 and answer.json()["totp_enrolment"] is True


def test_a_bound_admin_gets_a_token_only_with_the_code(world):
    client = Client()
    client.force_login(world.city_admin)
    secret = client.get("/account/two-factor/").context["secret"]
    now = _now()
    client.post("/account/two-factor/", {"code": _code(secret, now - 30)})
    body = {"username": "city-admin", "password": PASSWORD}
    first = Client().post("/api/v1/auth/token", body, content_type="application/json")
    assert first.status_code == 401 and first.json()["second_factor"] == "totp"
    right = Client().post("/api/v1/auth/token", body | {"code": _code(secret, now)},
                          content_type="application/json")
    assert right.status_code == 200 and "token" in right.json()


def test_the_confirm_page_takes_the_authenticators_code(world, settings):
    from nongan.core.reauth import SESSION_KEY

    client = Client()
    client.force_login(world.city_admin)
    secret = client.get("/account/two-factor/").context["secret"]
    now = _now()
    client.post("/account/two-factor/", {"code": _code(secret, now - 30)})
    session = client.session
    session[SESSION_KEY] = 0
    session.save()
    answer = client.post("/account/confirm/", {"code": _code(secret, now), "next": "/"})
    assert answer["Location"] == "/"


def test_the_rule_is_a_setting(world, settings):
    settings.NONGAN_TOTP_ROLES = []  # NONGAN_ADMIN_TOTP_ROLES="" (a demo without phones)
    make_user("city_admin", "310000000000", username="plain-admin")
    answer = Client().post("/login/", {"username": "plain-admin", "password": PASSWORD})
    assert answer["Location"] == "/"


def test_the_demo_admin_logs_in_with_the_demo_password_and_binds_an_authenticator(db, settings):
    from nongan.seeding import seed

    seed(producers=5)
    answer = Client().post("/login/", {"username": "admin",
                                       "password": settings.DEMO_PASSWORD})
    assert answer["Location"] == "/account/two-factor/"

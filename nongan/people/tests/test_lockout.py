"""Repeated failures lock an account for LOGIN_LOCK_MINUTES, wherever they happen: the
login page, the API token, the code step, the re-authentication page; every failure and
every lock is in the audit log, and the API answers a locked account 429."""

from django.test import Client

from nongan.core.models import AuditEntry
from nongan.people.models import User
from nongan.testing import PASSWORD


def token(username, password, **extra):
    return Client().post("/api/v1/auth/token", {"username": username, "password": password}
                         | extra, content_type="application/json")


def test_page_failures_lock_and_are_audited(world, settings):
    user = world.pudong.town_officer
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        Client().post("/login/", {"username": user.username, "password": "wrong"})
    failed = AuditEntry.objects.filter(action="account.login_failed", object_id=str(user.pk))
    assert failed.count() == settings.LOGIN_FAILURE_LIMIT
    assert {e.changes["after"]["step"] for e in failed} == {"password"}
    assert AuditEntry.objects.filter(action="account.locked", object_id=str(user.pk)).exists()
    assert token(user.username, PASSWORD).status_code == 429


def test_api_failures_lock_the_page_login_too(world, settings):
    user = world.pudong.town_officer
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        assert token(user.username, "wrong").status_code == 401
    page = Client().post("/login/", {"username": user.username, "password": PASSWORD})
    assert "锁定" in page.content.decode()


def test_the_lock_ends_after_its_minutes(world, settings):
    import datetime as dt

    from django.utils import timezone

    user = world.pudong.town_officer
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        token(user.username, "wrong")
    User.objects.filter(pk=user.pk).update(
        locked_until=timezone.now() - dt.timedelta(seconds=1))
    assert token(user.username, PASSWORD).status_code == 200


def test_wrong_api_codes_lock_the_account_and_answer_429(world, settings, sms):
    from .sms import last_code

    User.objects.filter(pk=world.pudong.producer.pk).update(phone="13900005555",
                                                            otp_required=True)
    first = token("pudong-producer", PASSWORD)
    assert first.json()["second_factor"] == "sms"
    wrong = f"{(int(last_code('13900005555')) + 1) % 1_000_000:06d}"
    answers = [token("pudong-producer", PASSWORD, code=wrong).status_code
               for _ in range(settings.LOGIN_FAILURE_LIMIT)]
    assert answers[:-1] == [401] * (settings.LOGIN_FAILURE_LIMIT - 1) and answers[-1] == 429
    steps = set(c["after"]["step"] for c in AuditEntry.objects.filter(action="account.login_failed",
                                          object_id=str(world.pudong.producer.pk))
                .values_list("changes", flat=True))
    assert steps == {"sms"}


def test_wrong_passwords_on_the_confirm_page_lock_too(world, settings):
    client = Client()
    client.force_login(world.city_admin)
    for _ in range(settings.LOGIN_FAILURE_LIMIT - 1):
        assert client.post("/account/confirm/", {"password": "wrong"}).status_code == 401
    answer = client.post("/account/confirm/", {"password": "wrong"})
    assert answer["Location"] == "/login/"
    assert User.objects.get(pk=world.city_admin.pk).is_locked()

"""A producer account with `otp_required` and no authenticator finishes its login with a
six-digit code sent by the SMS hook: valid 5 minutes, once, 5 tries, stored hashed, sent at
most once a minute; every refused code counts toward the lock-out."""

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from nongan.core.models import AuditEntry
from nongan.people.models import LoginCode, User
from nongan.people.services import CODE_ATTEMPTS
from nongan.testing import PASSWORD

from .sms import last_code

PHONE = "13900004444"


@pytest.fixture
def account(world, sms):
    User.objects.filter(pk=world.pudong.producer.pk).update(phone=PHONE, otp_required=True)
    return User.objects.get(pk=world.pudong.producer.pk)


def password_step(client=None) -> Client:
    client = client or Client()
    answer = client.post("/login/", {"username": PHONE, "password": PASSWORD})
    assert answer.status_code == 302 and answer["Location"] == "/login/code/"
    return client


def test_the_right_code_logs_in_and_lands_on_the_portal(account, sms):
    client = password_step()
    assert client.get("/my/").status_code == 302  # not logged in yet
    assert len(sms) == 1 and sms[0][0] == PHONE
    answer = client.post("/login/code/", {"code": last_code(PHONE)})
    assert answer.status_code == 302 and answer["Location"] == "/my/"
    assert client.get("/my/").status_code == 200
    assert AuditEntry.objects.filter(action="account.login", object_id=str(account.pk)).exists()


def test_a_wrong_code_is_refused(account):
    client = password_step()
    wrong = f"{(int(last_code(PHONE)) + 1) % 1_000_000:06d}"
    answer = client.post("/login/code/", {"code": wrong})
    assert answer.status_code == 401 and "验证码错误" in answer.content.decode()
    assert client.get("/my/").status_code == 302


def test_an_expired_code_is_refused(account):
    client = password_step()
    LoginCode.objects.filter(user=account).update(
        expires_at=timezone.now() - dt.timedelta(seconds=1))
    answer = client.post("/login/code/", {"code": last_code(PHONE)})
    assert answer.status_code == 401 and "已过期" in answer.content.decode()


def test_a_code_lives_five_minutes(account):
    password_step()
    code = LoginCode.objects.get(user=account)
    assert code.expires_at - code.created_at == dt.timedelta(minutes=5)


def test_a_used_code_is_refused(account):
    client = password_step()
    code = last_code(PHONE)
    assert client.post("/login/code/", {"code": code}).status_code == 302
    client.get("/logout/")
    again = password_step()  # within the resend pause: no new code, the used one is latest
    answer = again.post("/login/code/", {"code": code})
    assert answer.status_code == 401 and "已使用" in answer.content.decode()


def test_a_code_is_worn_out_after_five_tries(account, settings):
    settings.LOGIN_FAILURE_LIMIT = 100  # the code's own limit, not the account's
    client = password_step()
    right = last_code(PHONE)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    for _ in range(CODE_ATTEMPTS):
        assert "验证码错误" in client.post("/login/code/", {"code": wrong}).content.decode()
    answer = client.post("/login/code/", {"code": right})
    assert answer.status_code == 401 and "次数过多" in answer.content.decode()


def test_the_code_is_stored_hashed(account):
    password_step()
    code = last_code(PHONE)
    stored = LoginCode.objects.get(user=account)
    assert code not in stored.code_hash and len(stored.code_hash) == 64


def test_sending_is_rate_limited(account, sms):
    client = password_step()
    answer = client.post("/login/code/", {"resend": "1"}, follow=True)
    assert "过于频繁" in answer.content.decode()
    assert len(sms) == 1
    LoginCode.objects.filter(user=account).update(
        created_at=timezone.now() - dt.timedelta(seconds=61))
    client.post("/login/code/", {"resend": "1"})
    assert len(sms) == 2


def test_at_most_five_codes_an_hour(account, sms):
    from nongan.people.services import CODES_PER_HOUR, Throttled, send_login_code

    for n in range(CODES_PER_HOUR):
        LoginCode.objects.filter(user=account).update(
            created_at=timezone.now() - dt.timedelta(minutes=50 - n))
        send_login_code(account)
    with pytest.raises(Throttled):
        LoginCode.objects.filter(user=account).update(
            created_at=timezone.now() - dt.timedelta(minutes=30))
        send_login_code(account)


def test_wrong_codes_lock_the_account(account, settings):
    client = password_step()
    wrong = f"{(int(last_code(PHONE)) + 1) % 1_000_000:06d}"
    for _ in range(settings.LOGIN_FAILURE_LIMIT - 1):
        assert client.post("/login/code/", {"code": wrong}).status_code == 401
    locked = client.post("/login/code/", {"code": wrong})
    assert "锁定" in locked.content.decode()
    answer = Client().post("/login/", {"username": PHONE, "password": PASSWORD})
    assert answer.status_code == 401 and "锁定" in answer.content.decode()


def test_wrong_passwords_and_wrong_codes_add_up(account, settings):
    for _ in range(settings.LOGIN_FAILURE_LIMIT - 1):
        Client().post("/login/", {"username": PHONE, "password": "wrong"})
    client = password_step()
    wrong = f"{(int(last_code(PHONE)) + 1) % 1_000_000:06d}"
    assert "锁定" in client.post("/login/code/", {"code": wrong}).content.decode()


def test_the_api_token_needs_the_code(account, sms):
    body = {"username": PHONE, "password": PASSWORD}
    first = Client().post("/api/v1/auth/token", body, content_type="application/json")
    assert first.status_code == 401
    assert first.json() == {"detail": "需要动态验证码", "second_factor": "sms",
                                 "code_sent": True}
    wrong_code = f"{(int(last_code(PHONE)) + 1) % 1_000_000:06d}"
    wrong = Client().post("/api/v1/auth/token", body | {"code": wrong_code},
                          content_type="application/json")
    assert wrong.status_code == 401 and wrong.json()["detail"] == "验证码错误"
    right = Client().post("/api/v1/auth/token", body | {"code": last_code(PHONE)},
                          content_type="application/json")
    assert right.status_code == 200 and "token" in right.json()

"""An authenticator app (RFC 6238 TOTP): the implementation meets the RFC's SHA-1 test
vectors; an enrolled account logs in with the code of the current 30-second step, once;
the seed is sealed at rest and never shown again."""

import base64
import hashlib
import hmac
import re
import struct
import time

import pytest
from django.test import Client

from nongan.people import totp
from nongan.people.models import User
from nongan.testing import PASSWORD

# RFC 6238 appendix B: the SHA-1 seed is the ASCII string "12345678901234567890";
# (time, 8-digit TOTP) pairs.
RFC_SEED = b"12345678901234567890"
RFC_SHA1 = [(59, "94287082"), (1111111109, "07081804"), (1111111111, "14050471"),
            (1234567890, "89005924"), (2000000000, "69279037"), (20000000000, "65353130")]


def rfc6238(key: bytes, unix_time: float, digits: int = 6) -> str:
    """The algorithm as the RFC writes it (section 4 and RFC 4226 5.3), written here
    apart from the code under test."""
    counter = struct.pack(">Q", int(unix_time) // 30)
    mac = hmac.new(key, counter, hashlib.sha1).digest()
    offset = mac[19] & 0xF
    number = ((mac[offset] & 0x7F) << 24 | mac[offset + 1] << 16 | mac[offset + 2] << 8
              | mac[offset + 3])
    return str(number % 10 ** digits).zfill(digits)


@pytest.mark.parametrize(("unix_time", "expected"), RFC_SHA1)
def test_the_rfc_6238_sha1_vectors(unix_time, expected):
    assert rfc6238(RFC_SEED, unix_time, digits=8) == expected
    assert totp.totp(RFC_SEED, unix_time, digits=8) == expected


def _settled_now() -> float:
    """Now, not within two seconds of a step's end (a test's two requests share a step)."""
    if time.time() % 30 > 27:
        time.sleep(3.5)
    return time.time()


def _b32key(secret: str) -> bytes:
    return base64.b32decode(secret)


@pytest.fixture
def enrolled(world):
    """The producer enrols an authenticator with the previous step's code (the allowed
    drift), so the current step's code is still unused."""
    client = Client()
    client.force_login(world.pudong.producer)
    page = client.get("/account/two-factor/")
    secret = page.context["secret"]
    assert secret in page.content.decode() and "<svg" in page.content.decode()
    now = _settled_now()
    answer = client.post("/account/two-factor/", {"code": rfc6238(_b32key(secret), now - 30)})
    assert answer.status_code == 302 and answer["Location"] == "/my/"
    user = User.objects.get(pk=world.pudong.producer.pk)
    assert user.otp_required and user.second_factor == "totp"
    return user, secret


def password_step() -> Client:
    client = Client()
    answer = client.post("/login/", {"username": "pudong-producer", "password": PASSWORD})
    assert answer["Location"] == "/login/code/"
    return client


def test_the_current_steps_code_logs_in_once(enrolled):
    _user, secret = enrolled
    client = password_step()
    code = rfc6238(_b32key(secret), _settled_now())
    assert client.post("/login/code/", {"code": code})["Location"] == "/my/"
    reuse = password_step().post("/login/code/", {"code": code})
    assert reuse.status_code == 401 and "已使用" in reuse.content.decode()


def test_a_wrong_or_stale_code_is_refused(enrolled):
    _user, secret = enrolled
    now = _settled_now()
    client = password_step()
    stale = rfc6238(_b32key(secret), now - 120)
    assert client.post("/login/code/", {"code": stale}).status_code == 401
    answer = client.post("/login/code/", {"code": "12345"})
    assert answer.status_code == 401 and "验证码错误" in answer.content.decode()


def test_wrong_codes_lock_the_account(enrolled, settings):
    client = password_step()
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        answer = client.post("/login/code/", {"code": "abcdef"})
    assert "锁定" in answer.content.decode()
    assert "锁定" in Client().post("/login/", {"username": "pudong-producer",
                                              "password": PASSWORD}).content.decode()


def test_a_wrong_enrolment_code_enrols_nothing(world):
    client = Client()
    client.force_login(world.pudong.producer)
    client.get("/account/two-factor/")
    answer = client.post("/account/two-factor/", {"code": "000000x"})
    assert answer.status_code == 422 and "验证码不正确" in answer.content.decode()
    assert User.objects.get(pk=world.pudong.producer.pk).second_factor is None


def test_the_seed_is_sealed_and_never_shown_again(enrolled):
    user, secret = enrolled
    assert secret not in user.totp_secret and re.fullmatch(r"[\w=-]+", user.totp_secret)
    client = Client()
    client.force_login(user)
    page = client.get("/account/two-factor/").content.decode()
    assert "已启用" in page and secret not in page
    assert secret not in client.get("/my/").content.decode()
    assert "已绑定身份验证器" in client.get("/my/").content.decode()


def test_the_qr_code_carries_the_otpauth_uri():
    uri = totp.provisioning_uri("JBSWY3DPEHPK3PXP", "pudong-producer", "农安")
    assert uri.startswith("otpauth://totp/%E5%86%9C%E5%AE%89%3Apudong-producer?")
    assert "secret=JBSWY3DPEHPK3PXP" in uri and "period=30" in uri and "digits=6" in uri

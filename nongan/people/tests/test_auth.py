import os

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from nongan.people.models import User
from nongan.testing import PASSWORD


def token_for(username, password):
    return Client().post("/api/v1/auth/token", {"username": username, "password": password},
                         content_type="application/json")


def test_a_token_identifies_the_caller(world):
    response = token_for("pudong-district", PASSWORD)
    assert response.status_code == 200
    assert set(response.json()) == {"token", "expires_at"}
    me = Client().get("/api/v1/me",
                      headers={"Authorization": f"Bearer {response.json()['token']}"})
    assert me.json()["role"] == "district_officer"
    assert me.json()["region"] == {"code": "310115000000", "name": "浦东新区"}


def test_no_token_or_a_wrong_one_is_401(world):
    assert Client().get("/api/v1/me").status_code == 401
    assert Client().get("/api/v1/me", headers={"Authorization": "Bearer nope"}).status_code == 401
    assert token_for("pudong-district", "wrong").status_code == 401


def test_repeated_failures_lock_the_account(world, settings):
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        assert token_for("pudong-district", "wrong").status_code == 401
    locked = token_for("pudong-district", PASSWORD)
    assert locked.status_code == 429
    assert "锁定" in locked.json()["detail"]
    page = Client().post("/login/", {"username": "pudong-district", "password": PASSWORD})
    assert "锁定" in page.content.decode()


def test_the_browser_login_form_signs_in(world):
    client = Client()
    response = client.post("/login/", {"username": "pudong-town", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/api/v1/me").json()["username"] == "pudong-town"


def test_the_session_api_needs_csrf_for_writes(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.pudong.district_officer)
    response = client.patch(f"/api/v1/producers/{world.pudong.the_producer.pk}",
                            {"phone": "13912345678"}, content_type="application/json")
    assert response.status_code in (401, 403)


def test_createuser_checks_role_and_region(db, monkeypatch):
    monkeypatch.setitem(os.environ, "NONGAN_PASSWORD", "a-Long-enough-pass-42")
    call_command("createuser", "--username", "jd", "--role", "district_officer",
                 "--region", "310114000000")
    assert User.objects.get(username="jd").region.name == "嘉定区"
    with pytest.raises(CommandError, match="region"):
        call_command("createuser", "--username", "jd2", "--role", "district_officer",
                     "--region", "310114001000")
    with pytest.raises(CommandError, match="producer"):
        call_command("createuser", "--username", "jd3", "--role", "producer",
                     "--region", "310115103201")

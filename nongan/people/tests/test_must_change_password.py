"""An administrator may make an account change its password at the next login: until it
does, every page leads to the change page and the API gives no token."""

from django.test import Client

from nongan.core.models import AuditEntry
from nongan.people import services
from nongan.people.models import User
from nongan.testing import PASSWORD


def test_the_next_login_can_do_nothing_but_change_the_password(world):
    user = world.pudong.town_officer
    services.require_password_change(user, actor=world.city_admin)
    assert AuditEntry.objects.filter(action="account.must_change_password",
                                     object_id=str(user.pk)).exists()
    client = Client()
    answer = client.post("/login/", {"username": user.username, "password": PASSWORD})
    assert answer["Location"] == "/account/password/"
    assert client.get("/")["Location"] == "/account/password/"
    assert client.get("/producers/")["Location"] == "/account/password/"
    api = client.get("/api/v1/me")
    assert api.status_code == 403 and api.json()["must_change_password"] is True
    page = client.get("/account/password/")
    assert "管理员要求您修改密码" in page.content.decode()
    changed = client.post("/account/password/", {"old_password": PASSWORD,
                                                 "new_password": "Fresh-Start-77",
                                                 "new_password2": "Fresh-Start-77"})
    assert changed.status_code == 302
    assert client.get("/").status_code == 200
    assert not User.objects.get(pk=user.pk).must_change_password


def test_the_api_gives_no_token_until_the_password_is_changed(world):
    user = world.pudong.town_officer
    services.require_password_change(user, actor=world.city_admin)
    answer = Client().post("/api/v1/auth/token", {"username": user.username,
                                                  "password": PASSWORD},
                           content_type="application/json")
    assert answer.status_code == 403 and answer.json()["must_change_password"] is True


def test_logging_out_stays_possible(world):
    user = world.pudong.town_officer
    services.require_password_change(user, actor=world.city_admin)
    client = Client()
    client.post("/login/", {"username": user.username, "password": PASSWORD})
    assert client.get("/logout/")["Location"] == "/login/"


def test_an_administrator_forces_it_from_the_command_line(world):
    from django.core.management import call_command

    call_command("forcepasswordchange", "pudong-grid", stdout=__import__("io").StringIO())
    assert User.objects.get(username="pudong-grid").must_change_password

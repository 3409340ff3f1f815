"""The password policy (等保 2.0 level 3): at least 10 characters of three classes, not the
username, not a common password, not one of the last five; the user changes it on a page
with the current one; demo and test accounts set without the policy keep working."""

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client

from nongan.core.errors import FieldErrors
from nongan.core.models import AuditEntry
from nongan.people import services
from nongan.people.models import PasswordHistory, User
from nongan.testing import PASSWORD, region


def refused(password, user=None) -> str:
    with pytest.raises(ValidationError) as exc:
        validate_password(password, user)
    return "；".join(exc.value.messages)


def test_a_short_password_is_refused():
    assert "10" in refused("Ab1!xyz")


@pytest.mark.parametrize("password", ["alllowercaseletters", "lowercase12345678",
                                      "UPPERlowerletters"])
def test_fewer_than_three_character_classes_are_refused(password):
    assert "至少 3 类" in refused(password)


@pytest.mark.parametrize("password", ["Lower-and-digits-42", "UPPERlower123", "lower!symbol9"])
def test_three_classes_of_four_pass(password):
    validate_password(password)


def test_a_password_containing_the_username_is_refused(world):
    user = world.pudong.district_officer
    assert "用户名" in refused(f"X1!{user.username.upper()}", user)


def test_a_common_password_is_refused():
    assert "常见" in refused("Password123")


def test_the_last_five_passwords_are_refused_and_the_sixth_is_allowed(world):
    user = world.pudong.town_officer
    passwords = [f"Tide-{n}-Harbour" for n in range(6)]
    old = PASSWORD
    for new in passwords:
        services.change_password(user, old=old, new=new, actor=user)
        old = new
    assert PasswordHistory.objects.filter(user=user).count() == 5
    for recent in passwords[1:5]:
        with pytest.raises(FieldErrors) as exc:
            services.change_password(user, old=old, new=recent, actor=user)
        assert "最近 5 次" in exc.value.by_field()["new_password"]
    services.change_password(user, old=old, new=passwords[0], actor=user)  # sixth back


def test_creating_an_account_applies_the_policy_unless_told_not_to(db):
    with pytest.raises(FieldErrors) as exc:
        services.create_user(username="weak", role="district_officer",
                             region=region("310115000000"), password="weakpassword",
                             actor=None)
    assert "password" in exc.value.by_field()
    seeded = services.create_user(username="seeded", role="district_officer",
                                  region=region("310115000000"), password="nongan-demo",
                                  actor=None, check_password=False)
    assert seeded.check_password("nongan-demo")


def test_the_demo_password_still_logs_in(db, settings):
    from nongan.seeding import seed

    seed(producers=5)
    answer = Client().post("/login/", {"username": "pudong", "password": settings.DEMO_PASSWORD})
    assert answer.status_code == 302 and answer["Location"] == "/"


def test_the_user_changes_the_password_on_a_page(world):
    user = world.pudong.grid_worker
    client = Client()
    client.force_login(user)
    page = client.get("/account/password/")
    assert page.status_code == 200 and "至少 3 类" in page.content.decode()
    answer = client.post("/account/password/", {"old_password": PASSWORD,
                                                "new_password": "River-Bank-2026",
                                                "new_password2": "River-Bank-2026"})
    assert answer.status_code == 302
    assert client.get("/api/v1/me").status_code == 200  # still logged in
    assert User.objects.get(pk=user.pk).check_password("River-Bank-2026")
    assert AuditEntry.objects.filter(action="account.password_change",
                                     object_id=str(user.pk)).exists()


def test_the_page_needs_the_current_password_and_a_good_new_one(world):
    client = Client()
    client.force_login(world.pudong.grid_worker)
    wrong = client.post("/account/password/", {"old_password": "nope",
                                               "new_password": "River-Bank-2026",
                                               "new_password2": "River-Bank-2026"})
    assert wrong.status_code == 422 and "当前密码不正确" in wrong.content.decode()
    weak = client.post("/account/password/", {"old_password": PASSWORD,
                                              "new_password": "riverbankriver",
                                              "new_password2": "riverbankriver"})
    assert weak.status_code == 422 and "至少 3 类" in weak.content.decode()
    typo = client.post("/account/password/", {"old_password": PASSWORD,
                                              "new_password": "River-Bank-2026",
                                              "new_password2": "River-Bank-2027"})
    assert typo.status_code == 422 and "不一致" in typo.content.decode()
    assert User.objects.get(pk=world.pudong.grid_worker.pk).check_password(PASSWORD)

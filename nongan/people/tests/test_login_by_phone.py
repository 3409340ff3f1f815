"""Producers log in with their phone number (or username) and land on their own portal;
officers log in as before and land on the home page."""

from django.test import Client

from nongan.people.models import User
from nongan.testing import PASSWORD, make_user


def test_a_producer_logs_in_with_its_phone_number_and_lands_on_its_portal(world):
    User.objects.filter(pk=world.pudong.producer.pk).update(phone="13900001111")
    client = Client()
    answer = client.post("/login/", {"username": "13900001111", "password": PASSWORD})
    assert answer.status_code == 302 and answer["Location"] == "/my/"
    assert client.get("/api/v1/me").json()["username"] == "pudong-producer"
    assert client.get("/my/").status_code == 200


def test_a_producer_logs_in_with_its_username_too(world):
    answer = Client().post("/login/", {"username": "pudong-producer", "password": PASSWORD})
    assert answer.status_code == 302 and answer["Location"] == "/my/"


def test_an_officer_logs_in_as_before_and_lands_on_home(world):
    answer = Client().post("/login/", {"username": "pudong-town", "password": PASSWORD})
    assert answer.status_code == 302 and answer["Location"] == "/"


def test_a_page_asked_for_wins_over_the_portal(world):
    answer = Client().post("/login/?next=/rectifications/",
                           {"username": "pudong-producer", "password": PASSWORD})
    assert answer["Location"] == "/rectifications/"


def test_a_phone_number_shared_by_two_accounts_names_neither(world):
    make_user("producer", world.pudong.village, producer=world.pudong.the_producer,
              phone="13900002222", username="a")
    make_user("producer", world.pudong.village, producer=world.pudong.the_producer,
              phone="13900002222", username="b")
    answer = Client().post("/login/", {"username": "13900002222", "password": PASSWORD})
    assert answer.status_code == 401 and "密码错误" in answer.content.decode()


def test_a_wrong_password_by_phone_counts_toward_the_lock_out(world, settings):
    User.objects.filter(pk=world.pudong.producer.pk).update(phone="13900003333")
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        Client().post("/login/", {"username": "13900003333", "password": "wrong"})
    answer = Client().post("/login/", {"username": "13900003333", "password": PASSWORD})
    assert answer.status_code == 401 and "锁定" in answer.content.decode()

"""A session without a request for NONGAN_SESSION_IDLE_MINUTES is logged out; the absolute
lifetime stays SESSION_COOKIE_AGE; bearer tokens keep their own TTL."""

import time

from django.conf import settings as django_settings

from nongan.people.middleware import SEEN


def _idle(client, seconds):
    session = client.session
    session[SEEN] = time.time() - seconds
    session.save()


def test_a_recent_request_keeps_the_session(world, login, settings):
    client = login(world.pudong.town_officer)
    assert client.get("/").status_code == 200
    _idle(client, settings.NONGAN_SESSION_IDLE_MINUTES * 60 - 30)
    assert client.get("/").status_code == 200


def test_an_idle_session_is_logged_out(world, login, settings):
    client = login(world.pudong.town_officer)
    assert client.get("/").status_code == 200
    _idle(client, settings.NONGAN_SESSION_IDLE_MINUTES * 60 + 1)
    answer = client.get("/producers/")
    assert answer.status_code == 302 and answer["Location"].startswith("/login/?next=")
    assert "长时间未操作" in client.get(answer["Location"]).content.decode()
    assert client.get("/").status_code == 302  # logged out for good


def test_an_idle_session_is_401_on_the_api(world, login, settings):
    client = login(world.pudong.town_officer)
    client.get("/")
    _idle(client, settings.NONGAN_SESSION_IDLE_MINUTES * 60 + 1)
    assert client.get("/api/v1/me").status_code == 401


def test_the_idle_minutes_are_a_setting(world, login, settings):
    settings.NONGAN_SESSION_IDLE_MINUTES = 5
    client = login(world.pudong.town_officer)
    client.get("/")
    _idle(client, 6 * 60)
    assert client.get("/").status_code == 302


def test_bearer_tokens_are_not_idle_sessions(world, api):
    assert api(world.pudong.town_officer).get("/me").status_code == 200


def test_the_absolute_lifetime_is_eight_hours():
    assert django_settings.SESSION_COOKIE_AGE == 8 * 3600
    assert "nongan.people.middleware.SessionPolicyMiddleware" in django_settings.MIDDLEWARE

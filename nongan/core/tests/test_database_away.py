"""With the database server away (a PostgreSQL restart, a failover), pages and the API answer 503
with Retry-After — the field app keeps its record and sends it again — not a bare 500.

The server is made unreachable for real: the connection is closed and pointed at a port
where nothing listens, and put back afterwards.
"""

import pytest
from django.db import connection
from django.test import Client

from nongan.testing import make_user

# SQLite's test database lives in memory and is never closed: only a server can go away.
pytestmark = [pytest.mark.django_db(transaction=True),
              pytest.mark.skipif(connection.vendor != "postgresql", reason="needs a server")]


@pytest.fixture
def away():
    saved = dict(connection.settings_dict)
    connection.close()
    connection.settings_dict["PORT"] = "1"  # nothing listens there
    yield
    connection.close()
    connection.settings_dict.clear()
    connection.settings_dict.update(saved)


@pytest.fixture
def signed_in(live_divisions):
    client = Client(raise_request_exception=False)
    client.force_login(make_user("district_officer", "310115000000"))
    return client


def test_a_page_answers_503_with_retry_after(signed_in, away):
    response = signed_in.get("/producers/")
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "系统暂时不可用" in response.content.decode()


def test_the_api_answers_503_in_json(signed_in, away):
    response = signed_in.get("/api/v1/producers")
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "数据库暂时不可用" in response.json()["detail"]


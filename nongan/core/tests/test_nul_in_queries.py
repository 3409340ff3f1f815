"""A NUL character in a search (%00) is dropped before any list filters by it: PostgreSQL
text cannot hold one, and no request may end in a server error for bad input."""

import pytest
from django.test import Client


@pytest.mark.parametrize("path", [
    "/producers/?q=%00", "/api/v1/producers?q=a%00b", "/samples/?q=%00", "/cases/?q=%00",
    "/spot-checks/?q=%00", "/inspections/?producer=%00",
])
def test_a_nul_in_a_search_is_ignored(world, login, path):
    assert login(world.pudong.district_officer).get(path).status_code == 200


def test_the_public_search_ignores_it_too(db):
    assert Client().get("/public/producers/", {"q": "\x00"}).status_code == 200

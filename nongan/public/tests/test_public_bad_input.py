"""Whatever the public sends, the site answers without an error: pages fall back to sensible
paging, the API names the bad field (422), a malformed token is simply not found."""

import pytest
from django.test import Client


@pytest.mark.parametrize("path", [
    "/public/penalties/?page=abc&district=%3Cscript%3E",
    "/public/spot-checks/?page_size=-5&q=" + "x" * 500,
    "/public/producers/?q=%00",
])
def test_pages_survive_odd_parameters(db, path):
    assert Client().get(path).status_code == 200


def test_the_api_names_a_bad_parameter_and_caps_the_page(db):
    bad = Client().get("/api/v1/public/penalties", {"page": "abc"})
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["loc"][-1] == "page"
    big = Client().get("/api/v1/public/spot-checks", {"page_size": 100000})
    assert big.status_code == 200 and len(big.json()["items"]) <= 200


def test_a_malformed_token_is_not_found(db):
    assert Client().get("/public/producers/%3Aabc/").status_code == 404

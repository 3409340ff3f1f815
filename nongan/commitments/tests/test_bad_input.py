"""No request gets a 500 for bad input (CONTRACT.md): odd JSON values in every field of a
campaign, a commitment and a delivery answer 4xx and change nothing."""

import pytest

from nongan.commitments.models import Campaign, Commitment, Delivery

from .factories import start

ODD = [None, "", 0, -1, 3.5, True, [], {}, [1, "a"], {"a": 1}, "x" * 5000, "🌾", "[",
       "{producer", "1e309", "2026-02-30"]
SIGN_FIELDS = ["producer", "year", "area_mu", "products", "methods", "scope", "villages",
               "plots", "new_plots", "signatory", "signed_on", "supersedes", "reason"]


@pytest.mark.parametrize("field", SIGN_FIELDS)
def test_odd_values_in_a_commitment(world, api, field):
    start(world.pudong.district_officer)
    base = {"area_mu": "15", "products": "青菜", "methods": ["open_field"], "scope": "蔬菜",
            "plots": [world.pudong.plot.pk], "signatory": "张三"}
    client = api(world.pudong.producer)
    for value in ODD:
        answer = client.post("/commitments", base | {field: value})
        assert answer.status_code in (201, 404, 409, 422), (field, value, answer.content)
    officer = api(world.pudong.town_officer)
    for value in ODD:
        answer = officer.post("/commitments", base | {"producer": world.pudong.the_producer.pk,
                                                      field: value})
        assert answer.status_code in (404, 409, 422), (field, value, answer.content)
    assert Commitment.objects.count() <= 1  # at most the one a valid value made


@pytest.mark.parametrize("field", ["region", "year", "deadline", "letter_template", "pledge"])
def test_odd_values_in_a_campaign(world, api, field):
    client = api(world.pudong.district_officer)
    for value in ODD:
        answer = client.post("/commitment-campaigns", {"year": 2030} | {field: value})
        assert answer.status_code in (201, 409, 422), (field, value, answer.content)
    assert Campaign.objects.count() <= 1


@pytest.mark.parametrize("field", ["method", "delivered_on", "note"])
def test_odd_values_in_a_delivery(world, api, field):
    letter = start(world.pudong.district_officer).letters.get()
    client = api(world.pudong.grid_worker)
    for value in ODD:
        answer = client.post(f"/letters/{letter.pk}/deliveries", {"method": "post"} | {
            field: value})
        assert answer.status_code in (201, 422), (field, value, answer.content)
    assert Delivery.objects.count() <= len(ODD)


def test_a_body_that_is_not_json(world, api):
    start(world.pudong.district_officer)
    client = api(world.pudong.producer)
    answer = client.client.post("/api/v1/commitments", "not json", content_type="application/json",
                                headers=client.headers)
    assert answer.status_code == 422 and answer.json()["detail"][0]["loc"] == ["body"]

"""A producer account sees its own letter, commitment, map and scan — another producer's
answer 404 on every path, API and pages alike; so do another district's officer's."""

import pytest

from .factories import city_campaign, sign


@pytest.fixture
def theirs(world):
    """Chongming's producer's letter and commitment (entered with a scan), seen from Pudong."""
    campaign = city_campaign(world.city_admin)
    commitment = sign(world.chongming.district_officer, world.chongming.the_producer)
    letter = campaign.letters.get(producer=world.chongming.the_producer)
    return campaign, letter, commitment


API_PATHS = ["/commitments/{c}", "/commitments/{c}/map.png", "/commitments/{c}/scan",
             "/commitments/{c}.pdf", "/letters/{l}.pdf"]
PAGE_PATHS = ["/commitments/{c}/", "/commitments/{c}/map.png", "/commitments/{c}/scan",
              "/commitments/{c}/print.pdf", "/commitments/{c}/change/",
              "/commitments/letters/{l}.pdf"]


def paths(template, letter, commitment):
    return [t.format(c=commitment.pk, l=letter.pk) for t in template]


@pytest.mark.parametrize("who", ["producer", "district_officer", "grid_worker"])
def test_another_producers_records_are_404_on_every_path(world, api, login, theirs, who):
    campaign, letter, commitment = theirs
    user = getattr(world.pudong, who)
    client = api(user)
    for path in paths(API_PATHS, letter, commitment):
        assert client.get(path).status_code == 404, path
    assert client.post(f"/letters/{letter.pk}/deliveries",
                       {"method": "post"}).status_code == 404
    assert client.post("/commitments", {"supersedes": commitment.pk, "reason": "x",
                                        "producer": world.chongming.the_producer.pk}
                       ).status_code == 404
    assert client.get("/commitments").json()["count"] == 0
    browser = login(user)
    for path in paths(PAGE_PATHS, letter, commitment):
        assert browser.get(path).status_code == 404, path
    assert browser.post(f"/commitments/letters/{letter.pk}/deliveries/",
                        {"method": "post"}).status_code == 404
    assert browser.post(f"/commitments/{commitment.pk}/change/", {}).status_code == 404


def test_a_producer_sees_its_own_and_no_campaign(world, api, login, theirs):
    campaign, letter, commitment = theirs
    owner = world.chongming.producer
    client = api(owner)
    for path in paths(API_PATHS, letter, commitment):
        assert client.get(path).status_code == 200, path
    assert client.get("/commitments").json()["count"] == 1
    # the campaign's rates are the offices' business
    assert client.get(f"/commitment-campaigns/{campaign.pk}").status_code == 404
    assert client.get("/commitment-campaigns").json()["count"] == 0
    browser = login(owner)
    for path in paths(PAGE_PATHS, letter, commitment):
        assert browser.get(path).status_code == 200, path


def test_an_officer_prints_only_its_own_towns_letters(world, api, theirs):
    campaign, letter, commitment = theirs
    pudong = api(world.pudong.district_officer)
    letters = pudong.get(f"/commitment-campaigns/{campaign.pk}/letters").json()
    assert [x["producer"] for x in letters["items"]] == [world.pudong.the_producer.pk]
    assert pudong.get(f"/commitment-campaigns/{campaign.pk}/letters.pdf",
                      town=world.chongming.town).status_code == 404
    assert pudong.get(f"/commitment-campaigns/{campaign.pk}/letters.pdf",
                      town=world.pudong.town).status_code == 200


def test_no_login_no_commitment(world, api, theirs):
    _, letter, commitment = theirs
    for path in paths(API_PATHS, letter, commitment):
        assert api().get(path).status_code == 401, path


def test_a_testing_institution_sees_no_commitment_work(world, api, login, theirs):
    campaign, letter, commitment = theirs
    client = api(world.lab)
    assert client.get("/commitment-campaigns").json()["count"] == 0
    assert client.get(f"/commitment-campaigns/{campaign.pk}").status_code == 404
    for path in paths(API_PATHS, letter, commitment):
        assert client.get(path).status_code == 404, path
    assert "告知承诺" not in login(world.lab).get("/commitments/").content.decode()

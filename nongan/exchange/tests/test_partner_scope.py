"""A key reads only its datasets and its regions: a key of one district gets nothing of
another — not in JSON, not in CSV, not in the event feed — and naming the other district
is a 404; a dataset the key is not scoped to is a 403."""

import csv
import io

import pytest

from .factories import agency, api_key, decided_case, failed_sample, partner


@pytest.fixture
def both(world, client):
    """A non-compliant sample and a penalty decision in each district, and a key of a
    Pudong agency over Pudong."""
    found = {side: (failed_sample(world, getattr(world, side)),
                    decided_case(getattr(world, side))) for side in ("pudong", "chongming")}
    pudong = agency(world, world.pudong.district)
    key, plain = api_key(world, pudong)
    return found, partner(client, plain)


def test_a_district_key_reads_only_its_districts_samples_as_json(world, both):
    found, get = both
    answer = get("/exchange/datasets/samples")
    assert answer.status_code == 200
    numbers = [row["sample_no"] for row in answer.json()["items"]]
    assert numbers == [found["pudong"][0].sample_no]
    assert answer.json()["count"] == 1
    assert {row["district"]["code"] for row in answer.json()["items"]} == {world.pudong.district}


def test_a_district_key_reads_only_its_districts_penalties_as_csv(world, both):
    found, get = both
    answer = get("/exchange/datasets/penalties", format="csv")
    assert answer.status_code == 200
    rows = list(csv.DictReader(io.StringIO(answer.content.decode("utf-8"))))
    assert [r["case_no"] for r in rows] == [found["pudong"][1].case_no]
    assert found["chongming"][1].case_no not in answer.content.decode("utf-8")


def test_the_event_feed_of_a_district_key_has_only_its_district(world, both):
    found, get = both
    items = get("/exchange/events").json()["items"]
    assert items, "the services emitted events"
    assert {e["district"] for e in items} == {world.pudong.district}
    assert found["chongming"][0].sample_no not in str(items)


def test_naming_another_district_is_not_found(world, both):
    _found, get = both
    for path in ("/exchange/datasets/samples", "/exchange/datasets/penalties",
                 "/exchange/events"):
        assert get(path, district=world.chongming.district).status_code == 404, path
    assert get("/exchange/datasets/samples", district="310000000000").status_code == 404
    own = get("/exchange/datasets/samples", district=world.pudong.district)
    assert own.status_code == 200 and own.json()["count"] == 1


def test_a_dataset_outside_the_keys_scope_is_forbidden_and_an_unknown_one_not_found(
        world, client):
    key, plain = api_key(world, agency(world, world.pudong.district), datasets=["grades"])
    get = partner(client, plain)
    assert get("/exchange/datasets/samples").status_code == 403
    assert get("/exchange/datasets/samples", format="csv").status_code == 403
    assert get("/exchange/datasets/nothing").status_code == 404
    assert [d["name"] for d in get("/exchange/datasets").json()["items"]] == ["grades"]


def test_the_event_feed_leaves_out_datasets_the_key_may_not_read(world, client):
    failed_sample(world, world.pudong)
    key, plain = api_key(world, agency(world, world.pudong.district), datasets=["grades"])
    kinds = {e["kind"] for e in partner(client, plain)("/exchange/events").json()["items"]}
    assert "sample.non_compliant" not in kinds


def test_a_city_key_reads_every_district_and_may_narrow_to_one(world, both, client):
    found, _get = both
    key, plain = api_key(world, agency(world), regions=["310000000000"])
    get = partner(client, plain)
    assert get("/exchange/datasets/samples").json()["count"] == 2
    one = get("/exchange/datasets/samples", district=world.chongming.district).json()
    assert [r["sample_no"] for r in one["items"]] == [found["chongming"][0].sample_no]

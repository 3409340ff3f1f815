"""Pulling a dataset: pages of `{"count", "items"}` ordered by the change time then id,
`since` (inclusive) and `until` (exclusive), CSV in the documented column order and UTF-8,
and the event feed read onwards from the last event id; bad parameters are 422, named."""

import csv
import datetime as dt
import io

from django.utils import timezone

from nongan.exchange.datasets import DATASETS
from nongan.exchange.models import Event

from .factories import agency, api_key, failed_sample, partner


def _three(world):
    return [failed_sample(world, world.pudong) for _ in range(3)]


def test_pages_follow_the_change_time_then_the_id(world, client):
    samples = _three(world)
    _key, plain = api_key(world, agency(world, world.pudong.district))
    get = partner(client, plain)
    first = get("/exchange/datasets/samples", page_size="2").json()
    second = get("/exchange/datasets/samples", page_size="2", page="2").json()
    assert first["count"] == second["count"] == 3
    assert [r["id"] for r in first["items"] + second["items"]] == [s.pk for s in samples]
    stamps = [r["judged_at"] for r in first["items"] + second["items"]]
    assert stamps == sorted(stamps)


def test_since_and_until_bound_the_change_time(world, client):
    samples = _three(world)
    _key, plain = api_key(world, agency(world, world.pudong.district))
    get = partner(client, plain)
    rows = get("/exchange/datasets/samples").json()["items"]
    middle = rows[1]["judged_at"]
    after = get("/exchange/datasets/samples", since=middle).json()
    assert [r["id"] for r in after["items"]] == [s.pk for s in samples[1:]]
    before = get("/exchange/datasets/samples", until=middle).json()
    assert [r["id"] for r in before["items"]] == [samples[0].pk]
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    assert get("/exchange/datasets/samples", since=tomorrow).json()["count"] == 0
    assert get("/exchange/datasets/samples", until=tomorrow).json()["count"] == 3


def test_csv_has_the_documented_columns_in_order_in_utf8(world, client):
    sample = failed_sample(world, world.pudong)
    _key, plain = api_key(world, agency(world, world.pudong.district))
    answer = partner(client, plain)("/exchange/datasets/samples", format="csv")
    assert answer["Content-Type"] == "text/csv; charset=utf-8"
    assert answer["X-Total-Count"] == "1"
    text = answer.content.decode("utf-8")
    assert not text.startswith("\ufeff")
    reader = csv.reader(io.StringIO(text))
    header = next(reader)
    assert header == list(DATASETS["samples"].columns)
    [row] = list(reader)
    values = dict(zip(header, row, strict=True))
    assert values["sample_no"] == sample.sample_no and values["producer.name"] == "pudong合作社"
    assert values["failed_results"].startswith('[{"analyte":"毒死蜱"')
    assert values["district.name"] == "浦东新区"


def test_an_empty_csv_still_has_its_header(world, client):
    _key, plain = api_key(world, agency(world, world.pudong.district))
    text = partner(client, plain)("/exchange/datasets/grades", format="csv").content.decode()
    assert text.strip() == ",".join(DATASETS["grades"].columns)


def test_bad_parameters_are_named(world, client):
    _key, plain = api_key(world, agency(world, world.pudong.district))
    get = partner(client, plain)
    answer = get("/exchange/datasets/samples", since="last week", page="0", format="xml")
    assert answer.status_code == 422
    assert {tuple(d["loc"]) for d in answer.json()["detail"]} == {
        ("query", "since"), ("query", "page"), ("query", "format")}
    bad = get("/exchange/events", after="x", kind="nothing")
    assert bad.status_code == 422
    assert {tuple(d["loc"]) for d in bad.json()["detail"]} == {
        ("query", "after"), ("query", "kind")}


def test_the_event_feed_reads_on_from_the_last_id(world, client):
    _three(world)
    _key, plain = api_key(world, agency(world, world.pudong.district), datasets=["samples"])
    get = partner(client, plain)
    first = get("/exchange/events", page_size="2").json()
    assert first["count"] == 3 and len(first["items"]) == 2
    last = first["items"][-1]["id"]
    rest = get("/exchange/events", after=str(last)).json()
    assert rest["count"] == 1
    ids = [e["id"] for e in first["items"] + rest["items"]]
    assert ids == sorted(Event.objects.filter(kind="sample.non_compliant")
                         .values_list("pk", flat=True))
    assert get("/exchange/events", kind="penalty.decided").json()["count"] == 0
    event = rest["items"][0]
    assert set(event) == {"id", "kind", "dataset", "object_id", "district", "occurred_at",
                          "data"}
    assert event["data"]["verdict"] == "non_compliant"


def test_page_size_is_capped_at_200(world, client):
    failed_sample(world, world.pudong)
    _key, plain = api_key(world, agency(world, world.pudong.district))
    answer = partner(client, plain)("/exchange/datasets/samples", page_size="5000")
    assert answer.status_code == 200 and answer.json()["count"] == 1

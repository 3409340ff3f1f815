"""Sending a referral and recording an answer leave a partners' event (nongan.exchange) in
the same transaction, its payload the `referrals` dataset row: the case, the agency, the
state and dates, the party with its ID number masked, the documents' names."""

import pytest

from nongan.core.errors import FieldErrors
from nongan.enforcement.tests.case_factories import grower, open_case
from nongan.exchange.datasets import DATASETS
from nongan.exchange.models import Event

from .factories import answer, referral

pytestmark = pytest.mark.django_db


def test_sending_and_answering_emit_events_with_the_dataset_row(world):
    side = world.pudong
    made = referral(side)
    sent = Event.objects.get(kind="referral.sent")
    assert (sent.dataset, sent.object_id, sent.district_id) == (
        "referrals", str(made.pk), side.district)
    row = sent.payload
    assert row["referral_no"] == made.referral_no and row["case_no"] == made.case.case_no
    assert row["agency"]["name"] == "上海市公安局" and row["kind"] == "criminal"
    assert row["state"] == "sent" and row["reason"] == made.reason
    assert row["legal_basis"].startswith("《中华人民共和国行政处罚法》第二十七条")
    assert row["party"]["name"] == side.the_producer.name
    assert row["party"]["uscc"] == side.the_producer.uscc
    assert row["documents"] == [{"kind": "letter", "name": made.documents.get().name}]
    answer(made, side, "accepted", letter_no="立字88号")
    answered = Event.objects.get(kind="referral.answered")
    assert answered.payload["state"] == "accepted"
    assert answered.payload["agency_case_no"] == "立字88号"
    assert answered.payload == DATASETS["referrals"].row(made.__class__.objects.get(pk=made.pk))


def test_a_growers_id_number_is_masked_in_the_row(world):
    side = world.pudong
    person = grower(side)
    made = referral(side, case=open_case(side, party=person.pk))
    party = Event.objects.get(kind="referral.sent").payload["party"]
    assert party["name"] == "王小明" and party["uscc"] == ""
    assert party["id_number"] != person.id_number
    assert party["id_number"][:6] == person.id_number[:6] and "*" in party["id_number"]
    assert made.state == "sent"


def test_a_refused_write_leaves_no_event(world):
    side = world.pudong
    made = referral(side)
    with pytest.raises(FieldErrors):
        answer(made, side, "declined")
    assert not Event.objects.filter(kind="referral.answered").exists()


def test_the_referrals_dataset_reads_by_district(world):
    referral(world.pudong)
    referral(world.chongming)
    dataset = DATASETS["referrals"]
    mine = dataset.records().filter(**{dataset.district: world.pudong.district})
    assert [dataset.row(r)["district"] for r in mine] == [world.pudong.district]

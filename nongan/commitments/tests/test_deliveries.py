"""Delivery of the letters (送达): in person, by post or online, dated, recorded by the town and
the grid; shown on the campaign page."""

import pytest
from django.utils import timezone

from nongan.commitments.models import Delivery
from nongan.core.models import AuditEntry

from .factories import start


@pytest.fixture
def letter(world):
    return start(world.pudong.district_officer).letters.get()


def test_the_grid_worker_records_a_delivery(world, api, letter):
    answer = api(world.pudong.grid_worker).post(f"/letters/{letter.pk}/deliveries", {
        "method": "in_person", "note": "负责人张三签收"})
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert body["deliveries"] == [{"method": "in_person",
                                   "delivered_on": timezone.localdate().isoformat(),
                                   "note": "负责人张三签收", "recorded_by": "pudong-grid"}]
    assert AuditEntry.objects.filter(action="letter.delivery").count() == 1


@pytest.mark.parametrize("data,field", [
    ({"method": "fax"}, "method"),
    ({"method": "post", "delivered_on": "2999-01-01"}, "delivered_on"),
    ({"method": "post", "delivered_on": "2000-01-01"}, "delivered_on"),
    ({"method": "online", "delivered_on": "yesterday"}, "delivered_on"),
])
def test_a_bad_delivery_is_422_naming_the_field(world, api, letter, data, field):
    answer = api(world.pudong.town_officer).post(f"/letters/{letter.pk}/deliveries", data)
    assert answer.status_code == 422
    assert answer.json()["detail"][0]["loc"] == ["body", field]
    assert not Delivery.objects.exists()


def test_the_producer_and_enforcement_do_not_record_deliveries(world, api, letter):
    assert api(world.pudong.producer).post(f"/letters/{letter.pk}/deliveries",
                                           {"method": "online"}).status_code == 403
    assert api(world.pudong.enforcement_officer).post(f"/letters/{letter.pk}/deliveries",
                                                      {"method": "post"}).status_code == 403


def test_the_campaign_page_records_and_shows_it(world, login, letter):
    client = login(world.pudong.town_officer)
    today = timezone.localdate()
    page = f"/commitments/campaigns/{letter.campaign_id}/"
    answer = client.post(f"/commitments/letters/{letter.pk}/deliveries/", {
        "method": "post", "delivered_on": today.isoformat(), "next": page})
    assert answer.status_code == 302 and answer["Location"] == f"{page}#letter-{letter.pk}"
    delivery = Delivery.objects.get()
    assert (delivery.method, delivery.delivered_on) == ("post", today)
    text = client.get(page).content.decode()
    assert "邮寄送达" in text and letter.number in text
    for elsewhere in ("https://elsewhere.example/", "//elsewhere.example/"):
        bad = client.post(f"/commitments/letters/{letter.pk}/deliveries/", {
            "method": "carrier pigeon", "next": elsewhere})
        assert bad["Location"] == f"{page}#letter-{letter.pk}"  # never sent off-site
    assert Delivery.objects.count() == 1

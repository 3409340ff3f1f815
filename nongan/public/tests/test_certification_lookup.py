"""The public certification look-up: a producer's QR code opens its card without a login;
an individual's name is masked; the QR itself is only for officers who see the producer."""

import datetime as dt

from django.test import Client

from nongan.producers import services
from nongan.public.queries import producer_token
from nongan.testing import make_producer


def certify(producer, actor, *, status=None, **dates):
    today = dt.date.today()
    cert = services.add_certification(producer, {
        "kind": "green", "cert_no": f"LB-{producer.pk}", "products": "青菜",
        "valid_from": dates.get("valid_from", today - dt.timedelta(days=100)),
        "valid_to": dates.get("valid_to", today + dt.timedelta(days=200))}, actor=actor)
    if status:
        services.change_certification_status(cert, status, reason="证后监管", actor=actor)
    return cert


def test_qr_card_shows_certification_status_without_login(world):
    producer = world.pudong.the_producer
    certify(producer, world.city_admin)
    page = Client().get(f"/public/producers/{producer_token(producer)}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert producer.name in html and f"LB-{producer.pk}" in html and "有效" in html


def test_revoked_and_expired_certificates_say_so(world):
    producer = world.pudong.the_producer
    certify(producer, world.city_admin, status="revoked")
    other = make_producer(world.pudong.village, actor=world.city_admin)
    past = dt.date.today() - dt.timedelta(days=1)
    certify(other, world.city_admin, valid_from=past - dt.timedelta(days=300), valid_to=past)
    assert "撤销" in Client().get(f"/public/producers/{producer_token(producer)}/").content.decode()
    assert "已过期" in Client().get(f"/public/producers/{producer_token(other)}/").content.decode()


def test_a_guessed_or_forged_token_is_not_found(world):
    producer = world.pudong.the_producer
    assert Client().get(f"/public/producers/{producer.pk}/").status_code == 404
    forged = producer_token(producer).rsplit(":", 1)[0] + ":forged"
    assert Client().get(f"/public/producers/{forged}/").status_code == 404


def test_an_individual_growers_name_and_id_never_show(world):
    grower = make_producer(world.pudong.village, actor=world.city_admin, kind="grower",
                           name="李小龙", legal_rep="李小龙", phone="13912345678")
    certify(grower, world.city_admin)
    html = Client().get(f"/public/producers/{producer_token(grower)}/").content.decode()
    listing = Client().get("/public/producers/", {"q": f"LB-{grower.pk}"}).content.decode()
    for text in (html, listing):
        assert "李*" in text
        for secret in ("李小龙", grower.id_number, "13912345678"):
            assert secret not in text
    # Searching the name must not confirm who holds a certificate.
    assert "李*" not in Client().get("/public/producers/", {"q": "李小龙"}).content.decode()


def test_qr_code_is_for_officers_of_the_producers_district(world, login):
    producer = world.pudong.the_producer
    path = f"/producers/{producer.pk}/public-qr.svg"
    ok = login(world.pudong.district_officer).get(path)
    assert ok.status_code == 200 and ok["Content-Type"] == "image/svg+xml"
    assert b"<svg" in ok.content
    assert login(world.chongming.district_officer).get(path).status_code == 404
    assert Client().get(path).status_code in (302, 404)


def test_the_look_up_list_reads_the_same_queries_for_any_number_of_producers(world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries_for_list():
        with CaptureQueriesContext(connection) as seen:
            assert Client().get("/public/producers/").status_code == 200
        return len(seen)

    certify(world.pudong.the_producer, world.city_admin)
    few = queries_for_list()
    for _ in range(5):
        certify(make_producer(world.pudong.village, actor=world.city_admin), world.city_admin)
    assert queries_for_list() == few

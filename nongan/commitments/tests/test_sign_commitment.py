"""Signing: the producer's own account in JSON, or an officer on its behalf in multipart with
the signed paper scanned (PDF or image, judged by content, size-limited); plots chosen and
drawn (a drawn plot joins the register); a credit event when signed on time."""

import datetime as dt
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from nongan.commitments import services
from nongan.commitments.models import Commitment
from nongan.credit.models import CreditEvent
from nongan.producers.models import Plot
from nongan.testing import make_plot, square

from .factories import commitment_data, pdf_bytes, scan, sign, start


@pytest.fixture
def campaign(world):
    return start(world.pudong.district_officer)


def test_a_producer_signs_its_own_in_json(world, api, campaign):
    producer = world.pudong.the_producer
    data = commitment_data(producer)
    del data["producer"]
    answer = api(world.pudong.producer).post("/commitments", data)
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert body["version"] == 1 and body["year"] == campaign.year
    assert body["map_image"] == f"/api/v1/commitments/{body['id']}/map.png"
    assert body["on_behalf"] is False and body["scan"] is None
    assert body["products"] == [{"name": "青菜", "varieties": ["上海青"]},
                                {"name": "番茄", "varieties": ["粉果"]}]
    assert body["plots"][0]["plot_no"] == world.pudong.plot.plot_no
    image = api(world.pudong.producer).client.get(
        body["map_image"], headers=api(world.pudong.producer).headers)
    assert image.status_code == 200 and image["Content-Type"] == "image/png"
    assert b"".join(image.streaming_content).startswith(b"\x89PNG")


def test_an_officer_enters_a_paper_commitment_with_its_scan(world, api, campaign):
    producer = world.pudong.the_producer
    client = api(world.pudong.grid_worker)
    fields = commitment_data(producer) | {"signed_on": campaign.started_at.date().isoformat()}
    fields["plots"] = str(world.pudong.plot.pk)
    fields["methods"] = "open_field,protected"
    answer = client.client.post("/api/v1/commitments", fields | {"scan": scan("jpeg")},
                                headers=client.headers)
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert body["on_behalf"] is True and body["methods"] == ["open_field", "protected"]
    stored = Commitment.objects.get(pk=body["id"])
    assert stored.scan_content_type == "image/jpeg" and len(stored.scan_sha256) == 64
    got = client.client.get(body["scan"], headers=client.headers)
    assert got.status_code == 200 and got["Content-Type"] == "image/jpeg"


def test_an_officer_must_send_the_scan_and_a_real_one(world, api, campaign):
    client = api(world.pudong.town_officer)
    data = commitment_data(world.pudong.the_producer)
    missing = client.post("/commitments", data)
    assert missing.status_code == 422
    assert ["body", "scan"] in [d["loc"] for d in missing.json()["detail"]]
    fake = SimpleUploadedFile("scan.pdf", b"not a pdf at all", content_type="application/pdf")
    form = {k: json.dumps(v) if k == "plots" else v for k, v in data.items()}
    answer = client.client.post("/api/v1/commitments", form | {"scan": fake},
                                headers=client.headers)
    assert answer.status_code == 422
    assert "按文件内容判断" in answer.json()["detail"][0]["msg"]
    assert not Commitment.objects.exists()


def test_a_scan_over_the_size_limit_is_refused(world, settings, campaign, monkeypatch):
    monkeypatch.setattr(services, "MAX_SCAN_BYTES", 1000)
    big = SimpleUploadedFile("scan.pdf", pdf_bytes() + b"%" * 2000)
    with pytest.raises(services.FieldErrors) as caught:
        services.sign_commitment(commitment_data(world.pudong.the_producer),
                                 actor=world.pudong.district_officer, scan=big)
    assert "不能超过" in caught.value.by_field()["scan"]


def test_a_drawn_plot_joins_the_register_and_the_map(world, api, campaign):
    producer = world.pudong.the_producer
    drawn = square(121.71, 31.20, 80)
    client = api(world.pudong.grid_worker)
    data = commitment_data(producer) | {
        "new_plots": json.dumps([{"geometry": drawn, "crop": "番茄"}]), "scan": scan()}
    answer = client.client.post("/api/v1/commitments", data, headers=client.headers)
    assert answer.status_code == 201, answer.content
    plot = Plot.objects.get(producer=producer, crop="番茄")
    assert plot.plot_no.startswith(world.pudong.village)
    assert {p["plot_no"] for p in answer.json()["plots"]} == {world.pudong.plot.plot_no,
                                                             plot.plot_no}


def test_a_producer_account_draws_its_own_new_plot(world, api, campaign):
    producer = world.pudong.the_producer
    data = commitment_data(producer) | {
        "new_plots": [{"geometry": square(121.71, 31.20, 80), "crop": "番茄"}]}
    del data["producer"]
    answer = api(world.pudong.producer).post("/commitments", data)
    assert answer.status_code == 201, answer.content
    assert Plot.objects.filter(producer=producer, crop="番茄").exists()


def test_a_bad_drawn_plot_is_named_and_nothing_is_kept(world, api, campaign):
    data = commitment_data(world.pudong.the_producer) | {
        "new_plots": [{"geometry": {"type": "Point", "coordinates": [121.7, 31.2]}}]}
    answer = api(world.pudong.district_officer).post("/commitments", data)
    assert answer.status_code == 422
    # the scan is missing too: every bad field is named at once
    locs = [d["loc"] for d in answer.json()["detail"]]
    assert ["body", "scan"] in locs
    del data["producer"]
    mine = api(world.pudong.producer).post("/commitments", data)
    assert mine.status_code == 422
    assert mine.json()["detail"][0]["loc"] == ["body", "new_plots.0.geometry"]
    assert Plot.objects.count() == 2 and not Commitment.objects.exists()


def test_only_the_producers_own_plots_may_be_marked_and_some_must_be(world, api, campaign):
    client = api(world.pudong.producer)
    others = commitment_data(world.pudong.the_producer, plots=[world.chongming.plot])
    del others["producer"]
    assert client.post("/commitments", others).json()["detail"][0]["loc"] == ["body", "plots"]
    none = commitment_data(world.pudong.the_producer, plots=[])
    del none["producer"]
    answer = client.post("/commitments", none)
    assert answer.status_code == 422 and "标记生产地块" in answer.json()["detail"][0]["msg"]


def test_every_missing_field_is_named(world, api, campaign):
    answer = api(world.pudong.producer).post("/commitments", {"plots": [world.pudong.plot.pk],
                                                              "villages": ["310115999999"]})
    assert answer.status_code == 422
    assert {d["loc"][1] for d in answer.json()["detail"]} == {
        "area_mu", "products", "methods", "scope", "villages"}
    assert api(world.pudong.producer).post("/commitments", "[1]").status_code == 422


def test_no_campaign_no_commitment(world, api):
    data = commitment_data(world.chongming.the_producer)
    del data["producer"]
    answer = api(world.chongming.producer).post("/commitments", data)
    assert answer.status_code == 422
    assert answer.json()["detail"][0]["loc"] == ["body", "year"]


def test_an_officer_of_another_district_or_role_cannot_sign(world, api, campaign):
    data = commitment_data(world.pudong.the_producer)
    assert api(world.chongming.district_officer).post("/commitments", data).status_code == 404
    assert api(world.pudong.enforcement_officer).post("/commitments", data).status_code == 403
    mine = dict(data, producer=world.chongming.the_producer.pk)
    assert api(world.pudong.producer).post("/commitments", mine).status_code == 404


def test_signing_on_time_is_a_credit_event_and_late_is_not(world, campaign):
    on_time = sign(world.pudong.producer, world.pudong.the_producer)
    event = CreditEvent.objects.get(kind="commitment_signed")
    assert event.source == f"commitment:{on_time.pk}" and event.link == f"/commitments/{on_time.pk}/"
    assert event.producer_id == world.pudong.the_producer.pk
    # a change is not a second signature
    sign(world.pudong.producer, world.pudong.the_producer, supersedes=on_time.pk, reason="更正")
    assert CreditEvent.objects.filter(kind="commitment_signed").count() == 1
    last_year = start(world.chongming.district_officer, year=campaign.year - 2)
    late = last_year.deadline + dt.timedelta(days=60)
    sign(world.chongming.district_officer, world.chongming.the_producer, signed_on=late,
         year=last_year.year)
    assert not CreditEvent.objects.filter(producer=world.chongming.the_producer).exists()


def test_the_producer_signs_on_its_page_ticking_plots(world, login, campaign):
    extra = make_plot(world.pudong.the_producer, crop="黄瓜")
    client = login(world.pudong.producer)
    page = client.get("/commitments/new/")
    text = page.content.decode()
    assert page.status_code == 200 and extra.plot_no in text and "scan" not in text
    posted = client.post("/commitments/new/", {
        "area_mu": "30", "products": "黄瓜:津春", "methods": ["open_field"], "scope": "黄瓜种植",
        "villages": [world.pudong.village], "plots": [str(extra.pk)], "signatory": "张三"})
    assert posted.status_code == 302, posted.content.decode()[:3000]
    commitment = Commitment.objects.get()
    assert [p["plot_no"] for p in commitment.plots] == [extra.plot_no]
    again = client.get("/commitments/new/")
    assert again.status_code == 302 and again["Location"] == f"/commitments/{commitment.pk}/"


def test_an_officer_enters_one_on_the_page_with_a_drawn_plot(world, login, campaign):
    client = login(world.pudong.town_officer)
    producer = world.pudong.the_producer
    assert client.get("/commitments/new/").status_code == 200  # the producer picker
    url = f"/commitments/new/?producer={producer.pk}"
    refused = client.post(url, {"area_mu": "20", "products": "青菜", "methods": ["open_field"],
                                "scope": "蔬菜", "villages": [world.pudong.village],
                                "signatory": "张三"})
    assert refused.status_code == 422
    text = refused.content.decode()
    assert "扫描件" in text and "标记生产地块" in text
    posted = client.post(url, {
        "area_mu": "20", "products": "青菜", "methods": ["open_field"], "scope": "蔬菜",
        "villages": [world.pudong.village], "signatory": "张三", "signed_on": "",
        "new_plot": json.dumps(square(121.72, 31.21, 60)), "new_plot_crop": "茄子",
        "scan": scan()})
    assert posted.status_code == 302, posted.content.decode()[:3000]
    commitment = Commitment.objects.get()
    assert commitment.on_behalf and commitment.plots[0]["crop"] == "茄子"
    assert Plot.objects.filter(producer=producer, crop="茄子").exists()

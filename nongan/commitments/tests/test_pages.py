"""The campaign and commitment pages: starting a campaign from the form (with the shipped
texts pre-filled), the lists, the Excel exports, and who is offered what."""

import io

from openpyxl import load_workbook

from nongan.commitments.models import Campaign

from .factories import sign, start, this_year


def test_a_district_officer_starts_a_campaign_from_the_form(world, login):
    client = login(world.pudong.district_officer)
    form = client.get("/commitments/campaigns/new/")
    text = form.content.decode()
    assert form.status_code == 200
    assert f"{this_year() + 1}-03-31" in text or f"{this_year()}-03-31" in text
    assert "{producer}" in text and "本主体郑重承诺" in text
    year = this_year() + 1
    posted = client.post("/commitments/campaigns/new/", {
        "region": world.pudong.district, "year": year, "deadline": "",
        "letter_template": "{producer}：请签订。", "pledge": "遵守法律法规。"})
    campaign = Campaign.objects.get()
    assert posted.status_code == 302 and posted["Location"] == f"/commitments/campaigns/{campaign.pk}/"
    assert campaign.deadline.isoformat() == f"{year}-03-31" and campaign.pledge == "遵守法律法规。"
    again = client.post("/commitments/campaigns/new/", {
        "region": world.pudong.district, "year": year, "letter_template": "{oops}",
        "pledge": ""})
    assert again.status_code == 422 and "未知的占位符" in again.content.decode()
    clash = client.post("/commitments/campaigns/new/", {
        "region": world.pudong.district, "year": year, "letter_template": "", "pledge": ""})
    assert clash.status_code == 422 and "已有覆盖该范围" in clash.content.decode()


def test_who_is_offered_what(world, login):
    campaign = start(world.pudong.district_officer)
    town = login(world.pudong.town_officer)
    assert town.get("/commitments/campaigns/new/").status_code == 403
    page = town.get(f"/commitments/campaigns/{campaign.pk}/").content.decode()
    assert "代为录入承诺书" in page and "记录送达" in page and "补发告知书" not in page
    assert "告知承诺" in town.get("/commitments/campaigns/").content.decode()
    enforcement = login(world.pudong.enforcement_officer).get(
        f"/commitments/campaigns/{campaign.pk}/").content.decode()
    assert "代为录入承诺书" not in enforcement and "记录送达" not in enforcement
    assert login(world.pudong.enforcement_officer).get("/commitments/new/").status_code == 403


def test_the_lists_and_exports(world, login):
    campaign = start(world.pudong.district_officer)
    c = sign(world.pudong.producer, world.pudong.the_producer, area_mu="99")
    client = login(world.pudong.district_officer)
    listing = client.get("/commitments/campaigns/").content.decode()
    assert campaign.title in listing and "100.0%" in listing
    commitments = client.get("/commitments/", {"year": campaign.year}).content.decode()
    assert world.pudong.the_producer.name in commitments and "面积差异" in commitments
    exported = client.get("/commitments/", {"format": "xlsx"})
    rows = list(load_workbook(io.BytesIO(exported.content)).active.iter_rows(values_only=True))
    assert rows[1][:3] == (world.pudong.the_producer.name, campaign.year, 1)
    assert rows[1][7] == "是"  # flagged: 99 mu declared, 15 measured
    unsigned = client.get(f"/commitments/campaigns/{campaign.pk}/",
                          {"format": "xlsx", "what": "unsigned"})
    assert len(list(load_workbook(io.BytesIO(unsigned.content)).active.iter_rows())) == 1
    detail = client.get(f"/commitments/{c.pk}/").content.decode()
    assert f"/commitments/{c.pk}/map.png" in detail and "第 1 版" in detail
    assert client.get(f"/commitments/campaigns/{campaign.pk}/",
                      {"as_of": "31-03"}).status_code == 422


def test_the_officer_finds_the_producer_to_enter_for(world, login):
    start(world.pudong.district_officer)
    client = login(world.pudong.grid_worker)
    found = client.get("/commitments/new/", {"q": "pudong"}).content.decode()
    assert f"?producer={world.pudong.the_producer.pk}" in found
    assert world.chongming.the_producer.name not in client.get(
        "/commitments/new/", {"q": "合作社"}).content.decode()
    form = client.get("/commitments/new/", {"producer": world.pudong.the_producer.pk})
    assert form.status_code == 200 and "扫描件" in form.content.decode()
    assert client.get("/commitments/new/", {
        "producer": world.chongming.the_producer.pk}).status_code == 404

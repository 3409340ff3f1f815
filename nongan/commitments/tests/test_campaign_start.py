"""Starting a year's campaign: deadline 31 March unless given, one numbered letter per active
producer in scope from the editable template, one campaign per area and year, and only the
city and district offices start one."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied

from nongan.commitments import services
from nongan.commitments.models import Letter
from nongan.core.errors import Conflict, FieldErrors
from nongan.core.models import AuditEntry
from nongan.testing import make_producer

from .factories import start, this_year


def test_the_deadline_is_31_march_of_the_year_unless_given(world):
    year = this_year() + 1
    campaign = start(world.pudong.district_officer, year=year)
    assert campaign.deadline == dt.date(year, 3, 31)
    assert campaign.region_id == world.pudong.district
    other = start(world.chongming.district_officer, year=year, deadline=f"{year}-04-15")
    assert other.deadline == dt.date(year, 4, 15)
    assert services.default_deadline(2031) == dt.date(2031, 3, 31)


def test_a_deadline_outside_the_year_is_refused(world):
    with pytest.raises(FieldErrors) as caught:
        start(world.pudong.district_officer, year=2030, deadline="2031-03-31")
    assert "2030年内" in caught.value.by_field()["deadline"]


def test_one_letter_per_active_producer_of_the_district_numbered_from_the_template(world):
    second = make_producer(world.pudong.village2, actor=world.city_admin, name="柴场果蔬合作社")
    gone = make_producer(world.pudong.village, actor=world.city_admin)
    gone.active = False
    gone.save(update_fields=["active"])
    year = this_year() + 1
    campaign = start(world.pudong.district_officer, year=year,
                     letter_template="{producer}：请于{deadline}前签订{year}年度承诺书（{number}）。")
    letters = list(campaign.letters.order_by("serial"))
    assert {x.producer_id for x in letters} == {world.pudong.the_producer.pk, second.pk}
    assert [x.number for x in letters] == [f"浦农承告〔{year}〕1号", f"浦农承告〔{year}〕2号"]
    first = next(x for x in letters if x.producer_id == second.pk)
    assert first.text == (f"柴场果蔬合作社：请于{year}年3月31日前签订{year}年度承诺书"
                          f"（{first.number}）。")
    assert first.issuer == "上海市浦东新区农业农村委员会"
    assert AuditEntry.objects.filter(action="campaign.letters", object_id=str(campaign.pk),
                                     changes__after__count=2).exists()


def test_the_shipped_template_fills_in(world):
    campaign = start(world.pudong.district_officer)
    letter = campaign.letters.get()
    assert letter.text.startswith("pudong合作社（负责人：张三）：")
    assert f"{campaign.year}年3月31日前" in letter.text and "{" not in letter.text


def test_unknown_placeholders_and_unpaired_braces_are_named(world):
    with pytest.raises(FieldErrors) as caught:
        start(world.pudong.district_officer, letter_template="{name}：请签订。")
    assert "{name}" in caught.value.by_field()["letter_template"]
    with pytest.raises(FieldErrors) as caught:
        start(world.pudong.district_officer, letter_template="请签订{producer")
    assert "花括号" in caught.value.by_field()["letter_template"]


def test_a_city_campaign_covers_every_district_and_excludes_a_second_one(world, api):
    year = this_year() + 1
    city = start(world.city_admin, year=year, region=services.CITY)
    assert sorted(city.letters.values_list("number", flat=True)) == [
        f"崇农承告〔{year}〕1号", f"浦农承告〔{year}〕1号"]
    with pytest.raises(Conflict):
        start(world.pudong.district_officer, year=year)
    refused = api(world.chongming.district_officer).post(
        "/commitment-campaigns", {"year": year})
    assert refused.status_code == 409
    assert Letter.objects.count() == 2


def test_the_same_district_and_year_twice_is_a_conflict_another_year_is_not(world):
    start(world.pudong.district_officer, year=2030)
    with pytest.raises(Conflict):
        start(world.pudong.district_officer, year=2030)
    assert start(world.pudong.district_officer, year=2031).year == 2031


def test_only_city_and_district_offices_start_and_only_in_their_area(world, api):
    with pytest.raises(PermissionDenied):
        start(world.pudong.town_officer)
    assert api(world.pudong.grid_worker).post("/commitment-campaigns",
                                              {"year": 2030}).status_code == 403
    outside = api(world.pudong.district_officer).post(
        "/commitment-campaigns", {"year": 2030, "region": world.chongming.district})
    assert outside.status_code == 422
    assert outside.json()["detail"][0]["loc"] == ["body", "region"]
    city = api(world.pudong.district_officer).post(
        "/commitment-campaigns", {"year": 2030, "region": services.CITY})
    assert city.status_code == 422


def test_the_api_starts_one_and_lists_it(world, api):
    client = api(world.pudong.district_officer)
    created = client.post("/commitment-campaigns", {"year": 2030})
    assert created.status_code == 201
    body = created.json()
    assert body["deadline"] == "2030-03-31" and body["totals"]["letters"] == 1
    assert "{producer}" in body["letter_template"]
    assert client.get("/commitment-campaigns").json()["count"] == 1
    # another district's officer does not see it; the city does
    assert api(world.chongming.district_officer).get(
        f"/commitment-campaigns/{body['id']}").status_code == 404
    assert api(world.chongming.district_officer).get("/commitment-campaigns").json()[
        "count"] == 0
    assert api(world.city_admin).get(f"/commitment-campaigns/{body['id']}").status_code == 200


def test_bad_input_is_422_naming_each_field(world, api):
    answer = api(world.pudong.district_officer).post(
        "/commitment-campaigns", {"year": "next", "deadline": "31/03"})
    assert answer.status_code == 422
    assert {tuple(d["loc"]) for d in answer.json()["detail"]} == {
        ("body", "year"), ("body", "deadline")}


def test_producers_registered_later_get_their_letter_when_issued_again(world, api):
    campaign = start(world.pudong.district_officer)
    late = make_producer(world.pudong.village, actor=world.city_admin)
    client = api(world.pudong.district_officer)
    assert client.post(f"/commitment-campaigns/{campaign.pk}/letters").json() == {"issued": 1}
    assert client.post(f"/commitment-campaigns/{campaign.pk}/letters").json() == {"issued": 0}
    letter = campaign.letters.get(producer=late)
    assert letter.number == f"浦农承告〔{campaign.year}〕2号"

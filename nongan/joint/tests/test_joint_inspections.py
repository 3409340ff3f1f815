"""Joint inspections (联合检查): at least one partner agency and two of the district's own
staff; the inspections and the spot check linked are the district's (another district's is
a 404 as if it did not exist); the inspection and spot-check pages name the agencies and
the people with a link."""

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from nongan.core.errors import FieldErrors
from nongan.core.models import AuditEntry
from nongan.enforcement.tests.spot_check_factories import drawn, matter
from nongan.inspections.models import ChecklistTemplate
from nongan.joint import services
from nongan.joint.models import JointInspection
from nongan.regions.models import Region
from nongan.testing import make_inspection, make_template, make_user

from .factories import agency, joint_inspection

pytestmark = pytest.mark.django_db


def an_inspection(side):
    if not ChecklistTemplate.objects.filter(code="test-daily").exists():
        make_template()
    return make_inspection(side.the_producer, actor=side.grid_worker)


def test_a_joint_inspection_lists_agencies_and_people_of_both_sides(world):
    side = world.pudong
    inspection = an_inspection(side)
    joint = joint_inspection(side, inspections=[inspection.pk])
    assert [a.name for a in joint.agencies.all()] == ["上海市市场监督管理局"]
    people = [(p.name, p.card_no, p.agency_id is None) for p in joint.participants.all()]
    assert people == [(str(side.enforcement_officer), side.enforcement_officer.enforcement_card_no,
                       True),
                      (str(side.enforcement_officer2),
                       side.enforcement_officer2.enforcement_card_no, True),
                      ("赵市监", "SC0001", False)]
    assert list(joint.inspections.all()) == [inspection]
    assert joint.district_id == side.district
    assert AuditEntry.objects.filter(action="joint.record", object_id=str(joint.pk)).exists()


def test_it_needs_a_partner_agency_and_two_of_our_officers(world):
    side = world.pudong
    with pytest.raises(FieldErrors) as refused:
        services.record_joint_inspection(
            {"title": "检查", "participants": [{"user": side.enforcement_officer.username}]},
            actor=side.enforcement_officer)
    assert set(refused.value.by_field()) == {"agencies", "participants"}
    with pytest.raises(FieldErrors) as stranger:
        joint_inspection(side, participants=[
            {"user": side.enforcement_officer.username},
            {"user": world.chongming.enforcement_officer.username},
            {"user": side.producer.username}])
    messages = " ".join(message for _loc, message in stranger.value.errors)
    assert "不是本区工作人员账号" in messages
    with pytest.raises(FieldErrors):
        joint_inspection(side, participants=[{"user": side.enforcement_officer.username},
                                             {"user": side.district_officer.username},
                                             {"agency": agency().pk, "name": ""}])
    assert not JointInspection.objects.exists()


def test_a_partners_agency_joins_the_inspection(world):
    side = world.pudong
    police = agency("public_security")
    joint = joint_inspection(side, participants=[
        {"user": side.enforcement_officer.username}, {"user": side.town_officer.username},
        {"agency": police.pk, "name": "钱警官"}])
    assert {a.name for a in joint.agencies.all()} == {"上海市市场监督管理局", "上海市公安局"}


def test_another_districts_inspection_or_spot_check_is_not_found(world):
    side, other = world.pudong, world.chongming
    with pytest.raises(Http404):
        joint_inspection(side, inspections=[an_inspection(other).pk])
    theirs = drawn(other.enforcement_officer, matter(region=other.district), share="1")
    with pytest.raises(Http404):
        joint_inspection(side, spot_check=theirs.pk)
    joint = joint_inspection(side)
    with pytest.raises(Http404):
        services.link_inspection(joint, {"inspections": [an_inspection(other).pk]},
                                 actor=side.enforcement_officer)
    with pytest.raises(Http404):
        services.link_inspection(joint, {"inspections": [an_inspection(side).pk]},
                                 actor=other.enforcement_officer)


def test_roles_that_do_not_inspect_may_not_record_one(world):
    with pytest.raises(PermissionDenied):
        joint_inspection(world.pudong, actor=world.pudong.producer)
    with pytest.raises(PermissionDenied):
        joint_inspection(world.pudong, actor=world.lab)


def test_the_inspection_and_spot_check_pages_show_the_joint_inspection(world, login):
    side = world.pudong
    inspection = an_inspection(side)
    check = drawn(side.enforcement_officer, matter(region=side.district), share="1")
    joint = joint_inspection(side, inspections=[inspection.pk], spot_check=check.pk)
    client = login(side.district_officer)
    for path in (f"/inspections/{inspection.pk}/", f"/spot-checks/{check.pk}/"):
        page = client.get(path).content.decode()
        assert "联合检查：" in page, path
        assert f'href="/joint-inspections/{joint.pk}/"' in page
        assert "上海市市场监督管理局 · " in page and "赵市监（上海市市场监督管理局）" in page
    producer_page = login(side.producer).get(f"/inspections/{inspection.pk}/")
    assert producer_page.status_code == 200
    assert "联合检查：" not in producer_page.content.decode()


def test_the_pages_record_list_and_link(world, login):
    side = world.pudong
    market = agency("market_regulation")
    client = login(side.enforcement_officer)
    form = client.get("/joint-inspections/new/")
    assert form.status_code == 200
    refused = client.post("/joint-inspections/new/", {"title": "联合检查", "agencies": [market.pk],
                                                      "officers": [side.enforcement_officer.username]})
    assert refused.status_code == 422
    assert "须有2名以上本区工作人员参加" in refused.content.decode()
    made = client.post("/joint-inspections/new/", {
        "title": "春季联合检查", "inspected_on": "2026-01-05", "agencies": [market.pk],
        "officers": [side.enforcement_officer.username, side.enforcement_officer2.username],
        "p_agency": [str(market.pk), ""], "p_name": ["孙市监", ""], "p_card_no": ["SC9", ""],
        "p_role": ["", ""]})
    assert made.status_code == 302
    joint = JointInspection.objects.get(title="春季联合检查")
    assert joint.participants.count() == 3
    inspection = an_inspection(side)
    linked = client.post(f"/joint-inspections/{joint.pk}/inspections/",
                         {"inspections": f"{inspection.pk}"})
    assert linked.status_code == 302
    assert list(joint.inspections.all()) == [inspection]
    listing = client.get("/joint-inspections/").content.decode()
    assert "春季联合检查" in listing
    export = client.get("/joint-inspections/?format=xlsx")
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")
    assert login(world.chongming.district_officer).get(
        f"/joint-inspections/{joint.pk}/").status_code == 404
    assert "春季联合检查" not in login(world.chongming.district_officer).get(
        "/joint-inspections/").content.decode()


def test_the_api_records_reads_and_links(world, api):
    side = world.pudong
    market = agency("market_regulation")
    officer = api(side.town_officer)
    made = officer.post("/joint-inspections", {
        "title": "联合执法检查", "agencies": [market.pk],
        "participants": [{"user": side.town_officer.username},
                         {"user": side.grid_worker.username},
                         {"agency": market.pk, "name": "李市监", "card_no": "SC2"}]})
    assert made.status_code == 201, made.content
    pk = made.json()["id"]
    assert officer.get(f"/joint-inspections/{pk}").json()["participants"][2]["name"] == "李市监"
    assert officer.get("/joint-inspections").json()["count"] == 1
    inspection = an_inspection(side)
    linked = officer.post(f"/joint-inspections/{pk}/inspections",
                          {"inspections": [inspection.pk]})
    assert linked.status_code == 200 and linked.json()["inspections"] == [inspection.pk]
    theirs = an_inspection(world.chongming)
    assert officer.post(f"/joint-inspections/{pk}/inspections",
                        {"inspections": [theirs.pk]}).status_code == 404
    assert officer.post(f"/joint-inspections/{pk}/inspections", {}).status_code == 422
    # Found by the schema fuzzer: a number beyond any key was a server error.
    huge = officer.post(f"/joint-inspections/{pk}/inspections",
                        {"inspections": [2 ** 70]})
    assert huge.status_code == 422 and huge.json()["detail"][0]["loc"][-1] == "inspections"
    stranger = api(world.chongming.district_officer)
    assert stranger.get(f"/joint-inspections/{pk}").status_code == 404
    assert stranger.get("/joint-inspections").json()["count"] == 0
    assert api(side.producer).get(f"/joint-inspections/{pk}").status_code == 404
    assert api(side.producer).post("/joint-inspections", {}).status_code == 403


def test_the_form_offers_district_staff_and_own_town_and_takes_others_by_account(world, login):
    side = world.pudong
    market = agency("market_regulation")
    elsewhere = Region.objects.filter(district=side.district, level="village").exclude(
        town=side.town).first()
    far_grid = make_user("grid_worker", elsewhere.code, username="pudong-far-grid")
    form = login(side.town_officer).get("/joint-inspections/new/").content.decode()
    for user in (side.district_officer, side.enforcement_officer, side.grid_worker):
        assert f'value="{user.username}"' in form
    assert 'value="pudong-far-grid"' not in form and 'name="other_officers"' in form
    base = {"title": "跨镇联合检查", "inspected_on": "2026-01-05", "agencies": [market.pk],
            "officers": [side.town_officer.username]}
    refused = login(side.town_officer).post("/joint-inspections/new/",
                                            base | {"other_officers": "pudong-far-grid，nobody"})
    assert refused.status_code == 422
    assert "不是本区工作人员账号：nobody" in refused.content.decode()
    elsewhere = login(side.town_officer).post("/joint-inspections/new/", base | {
        "other_officers": world.chongming.grid_worker.username})
    assert elsewhere.status_code == 422
    assert f"不是本区工作人员账号：{world.chongming.grid_worker.username}" in \
        elsewhere.content.decode()
    made = login(side.town_officer).post("/joint-inspections/new/",
                                         base | {"other_officers": f"{far_grid.username}"})
    assert made.status_code == 302
    joint = JointInspection.objects.get(title="跨镇联合检查")
    assert {p.user for p in joint.participants.all()} == {side.town_officer, far_grid}

"""Recusal declarations (回避声明): an officer declares an interest in a producer or a town
and withdraws it; the district office records one for its officers; each is audited and
shows in the inspector directory."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied

from nongan.core.errors import Conflict, FieldErrors
from nongan.core.models import AuditEntry
from nongan.enforcement.models import ConflictDeclaration
from nongan.enforcement.services import spot_checks as services

from .spot_check_factories import grid_duty, officer, planned


def test_an_officer_declares_and_withdraws(world, api):
    side = world.pudong
    client = api(side.enforcement_officer)
    created = client.post("/conflicts", {"producer": side.the_producer.pk, "town": side.town,
                                         "reason": "近亲属为该社理事长"})
    assert created.status_code == 201
    answer = created.json()
    assert (answer["officer"], answer["producer"], answer["town"]) == (
        side.enforcement_officer.username, side.the_producer.pk, side.town)
    assert client.post("/conflicts", {"producer": side.the_producer.pk, "town": side.town,
                                      "reason": "再次声明"}).status_code == 409
    pool = {o["username"]: o for o in planned(side.district_officer).snapshot["officers"]}
    assert pool[side.enforcement_officer.username]["conflict_towns"] == [side.town]
    # Another officer may not withdraw it; the officer may, once.
    assert api(side.enforcement_officer2).post(
        f"/conflicts/{answer['id']}/withdraw").status_code == 403
    withdrawn = client.post(f"/conflicts/{answer['id']}/withdraw")
    assert withdrawn.status_code == 200 and withdrawn.json()["withdrawn_at"]
    assert client.post(f"/conflicts/{answer['id']}/withdraw").status_code == 409
    assert client.get("/conflicts", active=True).json()["count"] == 0
    assert client.get("/conflicts").json()["count"] == 1
    actions = list(AuditEntry.objects.filter(object_type="enforcement.conflictdeclaration")
                   .order_by("seq").values_list("action", flat=True))
    assert actions == ["conflict.declare", "conflict.withdraw"]
    pool = {o["username"]: o for o in planned(side.district_officer).snapshot["officers"]}
    assert pool[side.enforcement_officer.username]["conflict_towns"] == []


def test_the_district_office_records_one_for_its_officer(world):
    side = world.pudong
    declaration = services.declare_conflict(
        {"officer": side.enforcement_officer2.username, "town": side.town, "reason": "原籍"},
        actor=side.district_officer)
    assert declaration.officer == side.enforcement_officer2
    services.withdraw_conflict(declaration, actor=side.district_officer)
    with pytest.raises(FieldErrors) as caught:
        services.declare_conflict({"officer": world.chongming.enforcement_officer.username,
                                   "town": side.town, "reason": "x"},
                                  actor=side.district_officer)
    assert "本区执法人员" in caught.value.by_field()["officer"]
    with pytest.raises(FieldErrors) as caught:
        services.declare_conflict({"officer": side.enforcement_officer2.username,
                                   "town": side.town, "reason": "x"},
                                  actor=side.enforcement_officer)
    assert "officer" in caught.value.by_field()


@pytest.mark.parametrize(("data", "field"), [
    ({"reason": "无对象"}, "producer"),
    ({"producer": "chongming", "reason": "另一区的主体"}, "producer"),
    ({"town": "310151101000", "reason": "另一区的镇"}, "town"),
    ({"town": "310115000000", "reason": "不是镇"}, "town"),
    ({"town": "310115103000", "reason": ""}, "reason"),
])
def test_a_bad_declaration_is_refused(world, data, field):
    if data.get("producer") == "chongming":
        data = data | {"producer": world.chongming.the_producer.pk}
    with pytest.raises(FieldErrors) as caught:
        services.declare_conflict(data, actor=world.pudong.enforcement_officer)
    assert field in caught.value.by_field()
    assert not ConflictDeclaration.objects.exists()


def test_other_roles_and_districts(world, api):
    side = world.pudong
    with pytest.raises(PermissionDenied):
        services.declare_conflict({"town": side.town, "reason": "x"}, actor=side.town_officer)
    declaration = services.declare_conflict({"town": side.town, "reason": "原籍"},
                                            actor=side.enforcement_officer)
    assert api(world.chongming.enforcement_officer).post(
        f"/conflicts/{declaration.pk}/withdraw").status_code == 404
    assert api(world.chongming.district_officer).get("/conflicts").json()["count"] == 0
    assert api(side.grid_worker).get("/conflicts").json()["count"] == 0
    with pytest.raises(Conflict):
        services.withdraw_conflict(services.withdraw_conflict(declaration,
                                                              actor=side.enforcement_officer),
                                   actor=side.enforcement_officer)


def test_the_directories_show_cards_duties_and_conflicts(world, login):
    side = world.pudong
    lapsed = officer(valid_to=dt.date(2020, 1, 1))
    grid_duty(side.enforcement_officer, side.the_producer.village)
    services.declare_conflict({"producer": side.the_producer.pk, "reason": "曾任该社技术顾问"},
                              actor=side.enforcement_officer2)
    client = login(side.district_officer)
    html = client.get("/officers/").content.decode()
    assert lapsed.enforcement_card_no in html and "执法证无效，不参与抽取" in html
    assert side.enforcement_officer.enforcement_card_no in html
    assert side.the_producer.village.name in html  # the grid of the duty
    assert "曾任该社技术顾问" in html
    assert world.chongming.enforcement_officer.username not in html
    page = login(side.enforcement_officer).get("/conflicts/").content.decode()
    assert "曾任该社技术顾问" in page and "声明回避" in page
    response = login(side.enforcement_officer).post("/conflicts/", {"town": side.town,
                                                                     "reason": "配偶在该镇任职"})
    assert response.status_code == 302
    assert ConflictDeclaration.objects.filter(officer=side.enforcement_officer,
                                              town=side.town).exists()
    bad = login(side.enforcement_officer).post("/conflicts/", {"reason": "缺对象"})
    assert bad.status_code == 422 and "须指定回避的生产主体或镇（街道）" in bad.content.decode()

"""Penalty decisions on the public site: only once published, only while on display, gone
when withdrawn — and never an individual's name, ID number or phone number."""

import datetime as dt
import json

from django.test import Client

from nongan.enforcement.models import PenaltyNotice
from nongan.enforcement.services import cases as services
from nongan.enforcement.tests.case_factories import decided_case, grower


def public_texts(notice) -> list[str]:
    return [Client().get(path).content.decode() for path in (
        "/public/", "/public/penalties/", f"/public/penalties/{notice.pk}/",
        "/api/v1/public/penalties", f"/api/v1/public/penalties/{notice.pk}")]


def test_an_unpublished_decision_is_not_public(world):
    case = decided_case(world.pudong)
    notice = PenaltyNotice.objects.get(case=case)
    assert Client().get(f"/public/penalties/{notice.pk}/").status_code == 404
    assert Client().get(f"/api/v1/public/penalties/{notice.pk}").status_code == 404
    assert Client().get("/api/v1/public/penalties").json()["count"] == 0


def test_published_decision_masks_personal_data_everywhere(world):
    party = grower(world.pudong)
    facts = (f"当事人王小明（身份证号{party.id_number}，电话13912345678）在泥城镇种植的青菜"
             "经检测毒死蜱超标。")
    case = decided_case(world.pudong, party=party.pk, facts=facts)
    notice = services.publish_notice(case, {}, actor=world.pudong.enforcement_officer)
    texts = public_texts(notice)
    assert "王*" in texts[2] and case.case_no in texts[2]
    answer = json.loads(texts[4])
    assert answer["party"] == "王**" or answer["party"].startswith("王*")
    for text in texts:
        for secret in ("王小明", party.id_number, "13912345678"):
            assert secret not in text


def test_withdrawn_and_expired_decisions_leave_the_site(world):
    officer = world.pudong.enforcement_officer
    first = services.publish_notice(decided_case(world.pudong), {}, actor=officer)
    second = services.publish_notice(decided_case(world.pudong), {}, actor=officer)
    assert Client().get("/api/v1/public/penalties").json()["count"] == 2
    services.withdraw_notice(first.case, "复议撤销", actor=officer)
    PenaltyNotice.objects.filter(pk=second.pk).update(
        display_until=dt.date.today() - dt.timedelta(days=1))
    assert Client().get("/api/v1/public/penalties").json()["count"] == 0
    for notice in (first, second):
        assert Client().get(f"/public/penalties/{notice.pk}/").status_code == 404


def test_search_by_party_and_case_number(world):
    officer = world.pudong.enforcement_officer
    notice = services.publish_notice(decided_case(world.pudong), {}, actor=officer)
    found = Client().get("/api/v1/public/penalties", {"q": notice.content["case_no"]}).json()
    assert [n["id"] for n in found["items"]] == [notice.pk]
    assert Client().get("/api/v1/public/penalties", {"q": "没有这个当事人"}).json()["count"] == 0
    html = Client().get("/public/penalties/", {"district": world.pudong.district}).content.decode()
    assert notice.content["doc_no"] in html

"""The referral pages: the 移送 section of a case page and its form, the list (filters,
paging, Excel), one referral with its answer, document and hand-over forms. Another
district's referral is a 404 on each; a role that only reads sees no forms."""

from io import BytesIO

import pytest
from openpyxl import load_workbook

from nongan.enforcement.tests.case_factories import days_ago, open_case
from nongan.joint.models import Referral

from .factories import REASON, agency, answer, referral, upload

pytestmark = pytest.mark.django_db


def test_the_case_page_refers_the_case_and_lists_its_referrals(world, login):
    side = world.pudong
    case = open_case(side)
    police = agency()
    client = login(side.enforcement_officer)
    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert 'id="referrals"' in page and "移送其他部门" in page and police.name in page
    refused = client.post(f"/cases/{case.pk}/referrals/", {"agency": police.pk,
                                                          "kind": "criminal"})
    assert refused.status_code == 422 and "须写明移送理由" in refused.content.decode()
    sent = client.post(f"/cases/{case.pk}/referrals/", {
        "agency": police.pk, "kind": "criminal", "reason": REASON,
        "sent_on": days_ago(1).isoformat()})
    made = Referral.objects.get()
    assert sent.status_code == 302 and sent["Location"] == f"/referrals/{made.pk}/"
    twice = client.post(f"/cases/{case.pk}/referrals/", {
        "agency": police.pk, "kind": "criminal", "reason": REASON})
    assert twice.status_code == 409
    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert made.referral_no in page
    reader = login(side.town_officer).get(f"/cases/{case.pk}/").content.decode()
    assert made.referral_no in reader and "移送其他部门" not in reader
    assert login(side.town_officer).get(f"/cases/{case.pk}/referrals/").status_code == 403
    party = login(side.producer).get(f"/cases/{case.pk}/")
    assert party.status_code == 200
    assert made.referral_no not in party.content.decode()
    assert 'id="referrals"' not in party.content.decode()


def test_the_referral_page_records_answers_documents_and_the_hand_over(world, login):
    side = world.pudong
    made = referral(side)
    client = login(side.enforcement_officer)
    page = client.get(f"/referrals/{made.pk}/").content.decode()
    assert made.referral_no in page and "移送时限" in page
    assert "公安机关审查决定是否立案并书面通知" in page
    missing = client.post(f"/referrals/{made.pk}/answer/", {"state": "declined"})
    assert missing.status_code == 422
    closing = client.post(f"/referrals/{made.pk}/answer/", {"state": "closed", "text": "x"})
    assert closing.status_code == 409
    accepted = client.post(f"/referrals/{made.pk}/answer/", {
        "state": "accepted", "on": days_ago(5).isoformat(), "letter_no": "立字1号",
        "scan": upload("立案通知书.pdf")})
    assert accepted.status_code == 302
    made.refresh_from_db()
    assert made.state == "accepted" and made.answers.get().document is not None
    fake = client.post(f"/referrals/{made.pk}/documents/", {
        "kind": "report", "file": upload("调查报告.pdf", b"not a pdf")})
    assert fake.status_code == 422 and "按文件内容判断" in fake.content.decode()
    added = client.post(f"/referrals/{made.pk}/documents/", {"kind": "report",
                                                             "file": upload("调查报告.pdf")})
    assert added.status_code == 302 and made.documents.filter(kind="report").exists()
    handed = client.post(f"/referrals/{made.pk}/handover/", {"on": days_ago(3).isoformat(),
                                                              "note": "青菜样品及检测报告"})
    assert handed.status_code == 302
    made.refresh_from_db()
    assert made.handed_over_on == days_ago(3)
    assert client.post(f"/referrals/{made.pk}/handover/", {}).status_code == 409


def test_the_list_filters_pages_and_exports(world, login):
    side = world.pudong
    police = referral(side)
    market = referral(side, kind="circulation")
    answer(market, side, "accepted")
    referral(world.chongming)
    client = login(side.district_officer)
    page = client.get("/referrals/").content.decode()
    assert police.referral_no in page and market.referral_no in page
    assert "崇农移" not in page
    by_state = client.get("/referrals/?state=accepted").content.decode()
    assert market.referral_no in by_state and police.referral_no not in by_state
    by_agency = client.get(f"/referrals/?agency={police.agency_id}").content.decode()
    assert police.referral_no in by_agency and market.referral_no not in by_agency
    paged = client.get("/referrals/?page_size=1&page=2").content.decode()
    assert "第 2 / 2 页" in paged
    export = client.get("/referrals/?format=xlsx")
    rows = list(load_workbook(BytesIO(export.content)).active.iter_rows(values_only=True))
    assert rows[0][0] == "移送书编号" and len(rows) == 3
    assert {r[0] for r in rows[1:]} == {police.referral_no, market.referral_no}

def test_the_api_lists_filters_and_exports(world, api):
    side = world.pudong
    police = referral(side)
    market = referral(side, kind="circulation")
    referral(world.chongming)
    officer = api(side.district_officer)
    listed = officer.get("/referrals", page_size=1).json()
    assert listed["count"] == 2 and len(listed["items"]) == 1
    assert [i["id"] for i in officer.get("/referrals", kind="circulation").json()["items"]] \
        == [market.pk]
    assert [i["id"] for i in officer.get(f"/cases/{police.case_id}/referrals").json()[
        "items"]] == [police.pk]
    export = officer.get("/referrals", format="xlsx")
    assert export.status_code == 200
    rows = list(load_workbook(BytesIO(export.content)).active.iter_rows(values_only=True))
    assert len(rows) == 3


def test_another_districts_referral_is_not_found_on_any_page(world, login):
    theirs = referral(world.chongming)
    for role in ("district_officer", "enforcement_officer", "town_officer", "producer",
                 "grid_worker"):
        client = login(getattr(world.pudong, role))
        assert client.get(f"/referrals/{theirs.pk}/").status_code == 404, role
        assert client.post(f"/referrals/{theirs.pk}/answer/",
                           {"state": "received"}).status_code == 404, role
        assert client.get(f"/cases/{theirs.case_id}/referrals/").status_code == 404, role
    assert login(world.chongming.grid_worker).get(f"/referrals/{theirs.pk}/").status_code == 404
    assert login(world.lab).get("/referrals/").status_code == 200

"""Who sees and handles a case: its district's officers; another district's enforcement
officer gets 404 on every path (API, pages, print); labs and grid workers see no case."""

import pytest

from nongan.enforcement.models import CaseStep

from .case_factories import FACTS, days_ago, decided_case


@pytest.fixture
def case(world):
    return decided_case(world.pudong)


def test_another_districts_officer_gets_404_everywhere(world, api, login, case):
    outsider = world.chongming.enforcement_officer
    client = api(outsider)
    assert client.get(f"/cases/{case.pk}").status_code == 404
    assert client.post(f"/cases/{case.pk}/stages", {
        "kind": "service", "method": "直接送达", "recipient": "x"}).status_code == 404
    assert client.post(f"/cases/{case.pk}/notice", {}).status_code == 404
    assert client.post(f"/cases/{case.pk}/notice/withdraw", {"reason": "x"}).status_code == 404
    assert client.get("/cases").json() == {"count": 0, "items": []}
    browser = login(outsider)
    step = CaseStep.objects.get(case=case, kind="decision")
    for url in (f"/cases/{case.pk}/", f"/cases/{case.pk}/steps/{step.pk}/print/"):
        assert browser.get(url).status_code == 404, url
    for url, data in ((f"/cases/{case.pk}/steps/", {"kind": "service"}),
                      (f"/cases/{case.pk}/notice/", {}),
                      (f"/cases/{case.pk}/notice/withdraw/", {"reason": "x"})):
        assert browser.post(url, data).status_code == 404, url
    assert case.case_no not in browser.get("/cases/").content.decode()
    case.refresh_from_db()
    assert case.stage == "decision"


@pytest.mark.parametrize("who", ["lab", "grid"])
def test_labs_and_grid_workers_see_no_case(world, api, login, case, who):
    user = world.lab if who == "lab" else world.pudong.grid_worker
    assert api(user).get("/cases").json() == {"count": 0, "items": []}
    assert api(user).get(f"/cases/{case.pk}").status_code == 404
    assert login(user).get(f"/cases/{case.pk}/").status_code == 404
    assert case.case_no not in login(user).get("/cases/").content.decode()


def test_a_district_officer_reads_and_publishes_but_does_not_act(world, api, case):
    client = api(world.pudong.district_officer)
    assert client.get(f"/cases/{case.pk}").status_code == 200
    refused = client.post(f"/cases/{case.pk}/stages", {
        "kind": "service", "occurred_on": days_ago(1).isoformat(), "method": "直接送达",
        "recipient": "张三"})
    assert refused.status_code == 403
    assert client.post("/cases", {"source": "complaint", "complaint": "x", "title": "x",
                                  "facts": FACTS, "party": world.pudong.the_producer.pk,
                                  "officers": []}).status_code == 403
    assert client.post(f"/cases/{case.pk}/notice", {}).status_code == 200


def test_the_party_sees_its_own_case_only(world, api, case):
    assert api(world.pudong.producer).get("/cases").json()["count"] == 1
    assert api(world.chongming.producer).get(f"/cases/{case.pk}").status_code == 404


def test_no_login_no_case(world, api, case):
    assert api().get(f"/cases/{case.pk}").status_code == 401

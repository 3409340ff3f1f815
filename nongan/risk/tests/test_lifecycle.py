"""The lifecycle over the API: issued → acknowledged → acting (by a measure) → closed with a
conclusion; a step the state does not allow is 409, missing input 422 naming the field, a
role that may not act 403, another district's warning 404."""

import pytest

from .factories import a_warning


def _post(api, user, warning, **body):
    return api(user).post(f"/warnings/{warning.pk}/transitions", body)


def test_acknowledge_then_close_with_a_conclusion(world, api):
    warning = a_warning(world.pudong)
    officer = world.pudong.district_officer
    answer = _post(api, officer, warning, to="acknowledged", note="已阅，安排核查")
    assert answer.status_code == 200 and answer.json()["status"] == "acknowledged"
    assert _post(api, officer, warning, to="acknowledged").status_code == 409

    empty = _post(api, officer, warning, to="closed", conclusion="  ")
    assert empty.status_code == 422
    assert empty.json()["detail"] == [{"loc": ["body", "conclusion"], "msg": "须填写办结结论"}]

    closed = _post(api, officer, warning, to="closed", conclusion="经核查为个别主体用药不规范，已整改")
    body = closed.json()
    assert closed.status_code == 200 and body["status"] == "closed"
    assert body["conclusion"].startswith("经核查") and body["closed_at"]
    assert [e["kind"] for e in body["events"]] == ["issued", "acknowledged", "closed"]
    assert _post(api, officer, warning, to="acknowledged").status_code == 409
    assert _post(api, officer, warning, to="acting",
                 measure={"kind": "inspection"}).status_code == 409


def test_an_issued_warning_is_acknowledged_before_it_is_closed(world, api):
    warning = a_warning(world.pudong)
    answer = _post(api, world.pudong.district_officer, warning, to="closed", conclusion="误报")
    assert answer.status_code == 409
    assert "须先签收" in answer.json()["detail"]


def test_bad_transitions_name_their_field(world, api):
    warning = a_warning(world.pudong)
    officer = world.pudong.district_officer
    assert _post(api, officer, warning, to="done").json()["detail"][0]["loc"] == ["body", "to"]
    acting = _post(api, officer, warning, to="acting")
    assert acting.status_code == 422 and acting.json()["detail"][0]["loc"] == ["body", "measure"]
    kind = _post(api, officer, warning, to="acting", measure={"kind": "visit"})
    assert kind.json()["detail"][0]["loc"] == ["body", "measure", "kind"]


@pytest.mark.parametrize("role", ["grid_worker", "producer"])
def test_roles_that_may_not_handle_warnings(world, api, role):
    warning = a_warning(world.pudong)
    answer = _post(api, getattr(world.pudong, role), warning, to="acknowledged")
    # A producer account never sees warnings (404); a grid worker sees and may not act.
    assert answer.status_code == (403 if role == "grid_worker" else 404)


def test_another_districts_warning_is_not_found(world, api):
    warning = a_warning(world.chongming)
    for role in ("district_officer", "town_officer", "enforcement_officer"):
        user = getattr(world.pudong, role)
        assert api(user).get(f"/warnings/{warning.pk}").status_code == 404
        assert _post(api, user, warning, to="acknowledged").status_code == 404


def test_a_city_wide_warning_is_closed_by_the_city(world, api):
    warning = a_warning(world.pudong, city=True, kind="systemic")
    officer = world.pudong.district_officer
    assert api(officer).get(f"/warnings/{warning.pk}").status_code == 200
    assert _post(api, officer, warning, to="acknowledged").status_code == 200
    assert _post(api, officer, warning, to="closed", conclusion="已排查").status_code == 403
    assert _post(api, world.city_admin, warning, to="closed",
                 conclusion="各区已排查").status_code == 200

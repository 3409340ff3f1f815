"""The spot-check API (CONTRACT.md names): plan → 201 with `id` and `seed_hash`; 422 naming
each bad field; draw → `seed`, `targets`, `teams`; lists filtered, paged and exported;
another district's spot check is 404 on every endpoint."""

import datetime as dt
import io

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from nongan.enforcement.models import SpotCheck

from .spot_check_factories import drawn, matter, plan_data, planned, producers, villages


def body(the_matter, **fields) -> dict:
    today = timezone.localdate()
    return plan_data(the_matter, period_start=str(today),
                     period_end=str(today + dt.timedelta(days=45))) | fields


def test_plan_then_draw_over_the_api(world, api):
    side = world.pudong
    producers(villages(), per_place=2)
    client = api(side.enforcement_officer)
    created = client.post("/spot-checks", body(matter(), share=0.5, stratify_by="town",
                                               population={"kind": "cooperative"}))
    assert created.status_code == 201
    plan = created.json()
    assert plan["id"] and len(plan["seed_hash"]) == 64 and plan["state"] == "planned"
    assert plan["share"] == 0.5 and plan["stratify_by"] == "town"
    assert plan["population"]["region"] == side.district
    assert plan["population_size"] == 7 and sorted(plan["pool"]) == sorted(
        [side.enforcement_officer.username, side.enforcement_officer2.username])
    assert sum(s["take"] for s in plan["strata"]) == 4  # 1×0.5→1 (half up), 2×0.5→1 ×3
    answer = client.post(f"/spot-checks/{plan['id']}/draw").json()
    check = SpotCheck.objects.get(pk=plan["id"])
    assert answer["seed"] == check.seed and answer["state"] == "drawn"
    assert answer["targets"] == list(check.targets.order_by("position")
                                     .values_list("producer_id", flat=True))
    assert answer["teams"] == [t.team for t in check.targets.order_by("position")]
    assert len(answer["targets"]) == 4 and all(len(team) == 2 for team in answer["teams"])
    detail = client.get(f"/spot-checks/{plan['id']}").json()
    assert detail["seed"] == check.seed and len(detail["checks"]) == 4
    target = detail["checks"][0]
    result = client.post(f"/spot-checks/{plan['id']}/targets/{target['id']}/result",
                         {"result": "refer", "note": "使用禁用农药"})
    assert result.status_code == 200 and result.json()["result"] == "refer"
    assert result.json()["publish_due"]
    published = client.post(f"/spot-checks/{plan['id']}/publish").json()
    assert published["published"] == 1 and published["checks"][0]["published_at"]


def test_grade_shares_over_the_api(world, api):
    producers(villages(), "ABCD", per_place=4)
    answer = api(world.pudong.district_officer).post("/spot-checks", body(
        matter(), share=None, grade_shares={"A": 0.05, "B": 0.1, "C": 0.3, "D": 0.65}))
    assert answer.status_code == 201
    plan = answer.json()
    assert plan["grade_shares"] == {"A": 0.05, "B": 0.1, "C": 0.3, "D": 0.65}
    takes = {s["grade"]: (s["size"], s["take"]) for s in plan["strata"]}
    # 3 producers of each grade (one per town), B also the world's producer (grade B).
    assert takes == {"A": (3, 0), "B": (4, 0), "C": (3, 1), "D": (3, 2)}


@pytest.mark.parametrize(("fields", "loc"), [
    ({"team_size": 1}, ["body", "team_size"]),
    ({"count": 1, "share": 0.5}, ["body", "count"]),
    ({"count": 1, "share": 0.5}, ["body", "share"]),
    ({"share": 1.5}, ["body", "share"]),
    ({"population": {"region": "310151000000"}}, ["body", "population", "region"]),
    ({"matter": 999999}, ["body", "matter"]),
    ({"period_start": "not a date"}, ["body", "period_start"]),
])
def test_bad_plans_answer_422_naming_the_field(world, api, fields, loc):
    response = api(world.pudong.enforcement_officer).post("/spot-checks",
                                                          body(matter(), **fields))
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert loc in [d["loc"] for d in detail]
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in d["msg"]) for d in detail)  # Chinese
    assert not SpotCheck.objects.exists()


def test_roles_without_the_right_get_403(world, api):
    assert api(world.pudong.town_officer).post("/spot-checks", body(matter())).status_code == 403
    check = planned(world.pudong.enforcement_officer, share="1")
    assert api(world.pudong.town_officer).post(
        f"/spot-checks/{check.pk}/draw").status_code == 403
    assert api(world.pudong.town_officer).get(f"/spot-checks/{check.pk}").status_code == 200


def test_another_districts_spot_check_is_404_everywhere(world, api):
    side = world.pudong
    check = drawn(side.enforcement_officer, share="1")
    target = check.targets.get()
    for user in (world.chongming.enforcement_officer, world.chongming.district_officer,
                 world.chongming.town_officer, side.producer):
        client = api(user)
        assert client.get(f"/spot-checks/{check.pk}").status_code == 404
        assert client.post(f"/spot-checks/{check.pk}/draw").status_code == 404
        assert client.get(f"/spot-checks/{check.pk}/replay").status_code == 404
        assert client.get(f"/spot-checks/{check.pk}/snapshot").status_code == 404
        assert client.post(f"/spot-checks/{check.pk}/cancel", {"reason": "x"}).status_code == 404
        assert client.post(f"/spot-checks/{check.pk}/publish").status_code == 404
        assert client.post(f"/spot-checks/{check.pk}/targets/{target.pk}/result",
                           {"result": "pass"}).status_code == 404
        assert client.get("/spot-checks").json()["count"] == 0
    # A target of another check under this check's id is not found either.
    other = drawn(side.enforcement_officer, share="1")
    assert api(side.enforcement_officer).post(
        f"/spot-checks/{other.pk}/targets/{target.pk}/result",
        {"result": "pass"}).status_code == 404
    assert api(world.chongming.enforcement_officer).get(
        "/spot-checks", region=side.district).status_code == 404


def test_the_list_filters_pages_and_exports(world, api):
    side = world.pudong
    first, second = matter(), matter()
    a = planned(side.enforcement_officer, first, share="1", title="计划A")
    b = drawn(side.enforcement_officer, second, share="1", title="计划B",
              population={"region": side.town})
    client = api(side.district_officer)

    def ids(**params):
        return [i["id"] for i in client.get("/spot-checks", **params).json()["items"]]

    assert ids() == [b.pk, a.pk]
    assert ids(state="drawn") == [b.pk]
    assert ids(matter=first.pk) == [a.pk]
    assert ids(region=side.town) == [b.pk, a.pk]  # the district-wide plan covers the town
    other_town = villages()[1].town_id
    assert ids(region=other_town) == [a.pk]
    assert ids(q="计划b") == [b.pk]
    assert ids(sort="title") == [a.pk, b.pk]
    page = client.get("/spot-checks", page=2, page_size=1).json()
    assert page["count"] == 2 and [i["id"] for i in page["items"]] == [a.pk]
    listed = client.get("/spot-checks").json()["items"][0]
    assert listed["targets_count"] == 1 and "seed" not in listed
    export = client.get("/spot-checks", format="xlsx")
    rows = list(load_workbook(io.BytesIO(export.content)).active.iter_rows(values_only=True))
    assert rows[0][:3] == ("编号", "计划名称", "抽查事项")
    assert [r[1] for r in rows[1:]] == ["计划B", "计划A"]
    assert rows[1][8] == "已抽取" and rows[1][12] == b.seed_hash


def test_the_population_endpoint_counts_by_town_and_grade(world, api):
    producers(villages(), "AC")
    answer = api(world.pudong.enforcement_officer).get("/spot-checks/population").json()
    assert answer["count"] == 4
    grades = {}
    for row in answer["items"]:
        for grade, n in row["grades"].items():
            grades[grade] = grades.get(grade, 0) + n
    assert grades == {"A": 2, "B": 1, "C": 1}
    narrowed = api(world.pudong.enforcement_officer).get("/spot-checks/population",
                                                         credit_grade="A").json()
    assert narrowed["count"] == 2

"""一公开 of 双随机 checks: the plan with its seed hash from the start, the seed and the targets
from the draw, each result only once published — on the site and the API, without a login."""

import json

from django.test import Client

from nongan.enforcement.services import spot_checks as services
from nongan.enforcement.tests.spot_check_factories import (
    drawn,
    officer,
    planned,
    villages,
)
from nongan.testing import make_producer


def public(path, **params):
    response = Client().get(path, params)
    assert response.status_code == 200, response.content[:300]
    return response


def test_plan_is_public_with_its_hash_but_not_its_seed(world):
    officer()
    check = planned(world.pudong.enforcement_officer)
    html = public(f"/public/spot-checks/{check.pk}/").content.decode()
    answer = public(f"/api/v1/public/spot-checks/{check.pk}").json()
    listing = public("/api/v1/public/spot-checks").json()
    assert check.seed_hash in html and answer["seed_hash"] == check.seed_hash
    assert answer["seed"] is None and answer["targets"] == []
    assert check.pk in [c["id"] for c in listing["items"]]
    for text in (html, json.dumps(answer), json.dumps(listing)):
        assert check.seed not in text


def test_draw_reveals_seed_and_targets_and_results_wait_for_publication(world):
    officer()
    make_producer(villages(towns=1)[0].code, kind="grower", name="赵大海",
                  legal_rep="赵大海")
    check = drawn(world.pudong.enforcement_officer, population={"kind": "grower"}, share="1")
    html = public(f"/public/spot-checks/{check.pk}/").content.decode()
    answer = public(f"/api/v1/public/spot-checks/{check.pk}").json()
    assert check.seed in html and answer["seed"] == check.seed
    assert [t["party"] for t in answer["targets"]] == ["赵**"]
    assert "赵大海" not in html and "赵大海" not in json.dumps(answer)

    target = check.targets.get()
    services.record_check_result(target, {"result": "rectify", "note": "生产记录不全"},
                                 actor=world.pudong.enforcement_officer)
    answer = public(f"/api/v1/public/spot-checks/{check.pk}").json()
    assert answer["targets"][0]["result"] == "" and "生产记录不全" not in json.dumps(answer)
    services.publish_results(check, actor=world.pudong.enforcement_officer)
    answer = public(f"/api/v1/public/spot-checks/{check.pk}").json()
    assert answer["targets"][0]["result_code"] == "rectify"
    assert "责令整改" in public(f"/public/spot-checks/{check.pk}/").content.decode()


def test_cancelled_plan_stays_listed_with_its_reason(world):
    officer()
    check = planned(world.pudong.enforcement_officer, title="取消的计划")
    services.cancel_spot_check(check, "检查期间遇台风", actor=world.pudong.enforcement_officer)
    html = public("/public/spot-checks/", q="取消的计划").content.decode()
    assert "取消的计划" in html
    assert "检查期间遇台风" in public(f"/public/spot-checks/{check.pk}/").content.decode()


def test_search_filters_and_pages(world):
    officer()
    for n in range(3):
        planned(world.pudong.enforcement_officer, title=f"浦东抽查{n}")
    answer = public("/api/v1/public/spot-checks", q="浦东抽查", page_size=2).json()
    assert answer["count"] == 3 and len(answer["items"]) == 2
    assert public("/api/v1/public/spot-checks", district="310151000000").json()["count"] == 0
    assert Client().get("/public/spot-checks/999999/").status_code == 404

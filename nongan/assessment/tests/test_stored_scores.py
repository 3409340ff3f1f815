"""The city table reads the districts' stored scores (computed at most once a day, and again
when the table changes); a district's own page and the one-district API are live; the
worker and the city administrator refresh the stored scores on demand."""

from nongan.assessment.models import DistrictScore
from nongan.core.models import AuditEntry
from nongan.producers.models import Producer

from .factories import LAST_YEAR

PUDONG = "310115000000"


def _register(answer):
    district = next(d for d in answer["items"] if d["code"] == PUDONG)
    return next(i for i in district["indicators"] if i["code"] == "register_complete")


def test_the_city_table_is_stored_and_refreshed_on_demand(world, api):
    client = api(world.city_admin)
    assert _register(client.get("/assessment", year=LAST_YEAR).json())["score"] == 10.0
    assert DistrictScore.objects.filter(year=LAST_YEAR).count() == 16

    Producer.objects.filter(pk=world.pudong.the_producer.pk).update(phone="")
    # the stored row of today stands; the district asked alone is computed live
    assert _register(client.get("/assessment", year=LAST_YEAR).json())["score"] == 10.0
    live = client.get("/assessment", year=LAST_YEAR, district=PUDONG).json()
    assert _register(live)["score"] == 0.0

    assert api(world.pudong.district_officer).post(
        f"/assessment/refresh?year={LAST_YEAR}").status_code == 403
    done = client.post(f"/assessment/refresh?year={LAST_YEAR}")
    assert done.status_code == 200 and done.json()["districts"] == 16
    assert _register(client.get("/assessment", year=LAST_YEAR).json())["score"] == 0.0
    entry = AuditEntry.objects.filter(action="assessment.refresh").latest("seq")
    assert entry.actor == world.city_admin and entry.object_id == str(LAST_YEAR)


def test_a_changed_table_makes_the_stored_scores_stale(world, api):
    client = api(world.city_admin)
    client.get("/assessment", year=LAST_YEAR)
    rows = [{"code": "register", "name": "名录完整", "weight": 100,
             "method": "register_completeness", "target": 1}]
    client.client.put("/api/v1/assessment/indicators", {"year": LAST_YEAR, "indicators": rows},
                      content_type="application/json", headers=client.headers)
    answer = client.get("/assessment", year=LAST_YEAR).json()
    assert answer["table_year"] == LAST_YEAR
    assert {len(d["indicators"]) for d in answer["items"]} == {1}


def test_the_worker_task_refreshes_this_year(world, settings):
    from nongan.assessment.tasks import refresh_scores

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    result = refresh_scores.enqueue()
    assert result.return_value["districts"] == 16
    assert DistrictScore.objects.filter(year=LAST_YEAR + 1).count() == 16


def test_the_refresh_button(world, login):
    client = login(world.city_admin)
    answer = client.post(f"/assessment/refresh/?year={LAST_YEAR}")
    assert answer.status_code == 302
    assert DistrictScore.objects.filter(year=LAST_YEAR).count() == 16
    page = client.get(answer.url)
    assert "已重新计算" in page.content.decode()
    assert login(world.pudong.district_officer).post("/assessment/refresh/").status_code == 403

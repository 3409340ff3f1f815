"""The warning pages: the list filters and sorts, the detail shows the explanation, figures,
samples and the forms the user may use; the forms acknowledge, close (a conclusion beside
the field when missing) and take measures; another district's warning is a 404 for every
POST; the city administrator recomputes and edits the parameters."""

from django_tasks_db.models import DBTaskResult

from nongan.risk import rules
from nongan.risk.models import RiskWarning

from .factories import a_warning


def test_the_list_filters_by_level_and_status(world, login):
    yellow = a_warning(world.pudong)
    red = a_warning(world.pudong, level="red")
    client = login(world.pudong.district_officer)
    page = client.get("/warnings/", {"level": "red"}).content.decode()
    assert f"/warnings/{red.pk}/" in page and f"/warnings/{yellow.pk}/" not in page
    by_level = client.get("/warnings/", {"sort": "-level"}).content.decode()
    assert by_level.index(f"/warnings/{red.pk}/") < by_level.index(f"/warnings/{yellow.pk}/")
    RiskWarning.objects.filter(pk=red.pk).update(status="closed")
    open_page = client.get("/warnings/").content.decode()
    assert f"/warnings/{red.pk}/" not in open_page
    assert f"/warnings/{red.pk}/" in client.get("/warnings/", {"status": ""}).content.decode()
    export = client.get("/warnings/", {"format": "xlsx", "status": ""})
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")


def test_the_detail_page_acknowledges_and_closes(world, login):
    warning = a_warning(world.pudong)
    client = login(world.pudong.district_officer)
    page = client.get(f"/warnings/{warning.pk}/").content.decode()
    assert warning.explanation in page and "签收" in page and "巡查核查" in page
    assert client.post(f"/warnings/{warning.pk}/acknowledge/", {"ack-note": "收到"}
                       ).status_code == 302
    empty = client.post(f"/warnings/{warning.pk}/close/", {"close-conclusion": ""})
    assert empty.status_code == 422 and "须填写办结结论" in empty.content.decode()
    done = client.post(f"/warnings/{warning.pk}/close/", {"close-conclusion": "已整改"})
    assert done.status_code == 302
    warning.refresh_from_db()
    assert warning.status == "closed" and warning.conclusion == "已整改"
    closed = client.get(f"/warnings/{warning.pk}/").content.decode()
    assert 'action="/warnings/' not in closed  # no forms on a closed warning


def test_a_grid_worker_reads_but_has_no_forms(world, login):
    warning = a_warning(world.pudong)
    client = login(world.pudong.grid_worker)
    page = client.get(f"/warnings/{warning.pk}/").content.decode()
    assert warning.explanation in page and f"/warnings/{warning.pk}/close/" not in page
    assert client.post(f"/warnings/{warning.pk}/acknowledge/").status_code == 403


def test_posts_to_another_districts_warning_are_not_found(world, login):
    warning = a_warning(world.chongming)
    client = login(world.pudong.district_officer)
    for action in ("acknowledge", "close", "measures"):
        assert client.post(f"/warnings/{warning.pk}/{action}/").status_code == 404


def test_an_inspection_measure_from_the_page(world, login):
    warning = a_warning(world.pudong)
    client = login(world.pudong.town_officer)
    answer = client.post(f"/warnings/{warning.pk}/measures/", {
        "kind": "inspection", "inspection-producers": [world.pudong.the_producer.pk],
        "inspection-due_on": "2000-01-01"})
    assert answer.status_code == 422 and "完成期限不能早于今天" in answer.content.decode()
    answer = client.post(f"/warnings/{warning.pk}/measures/", {
        "kind": "inspection", "inspection-producers": [world.pudong.the_producer.pk]})
    assert answer.status_code == 302
    warning.refresh_from_db()
    assert warning.status == "acting"


def test_the_city_administrator_recomputes_and_edits_the_parameters(world, login, api):
    client = login(world.city_admin)
    assert client.post("/warnings/run/").status_code == 302
    assert DBTaskResult.objects.filter(task_path="nongan.risk.tasks.run_risk").count() == 1
    queued = api(world.city_admin).post("/risk/run")
    assert queued.status_code == 202 and queued.json()["task_id"]
    now = api(world.city_admin).post("/risk/run?wait=1")
    assert now.status_code == 200 and now.json()["issued"] == 0
    assert api(world.pudong.district_officer).post("/risk/run").status_code == 403
    assert login(world.pudong.district_officer).get("/risk-settings/").status_code == 403

    form = {f"{section}.{key}": value for section, values in rules.current().items()
            for key, value in values.items() if not isinstance(value, bool)}
    form["spatial.by_category"] = "1"
    bad = client.post("/risk-settings/", form | {"temporal.min_cases": "0"})
    assert bad.status_code == 422 and "应在 1 到 100 之间" in bad.content.decode()
    assert client.post("/risk-settings/", form | {"temporal.min_cases": "3"}).status_code == 302
    assert rules.current()["temporal"]["min_cases"] == 3

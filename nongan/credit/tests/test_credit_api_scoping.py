"""GET /api/v1/producers/{id}/credit: the grade, score, reasons, events and history — for
the producer's own district and the producer itself; another district's officer and another
producer's account get 404, as for a producer that does not exist."""

from nongan.credit.services import refresh
from nongan.testing import make_producer, make_user

from .factories import visit


def test_the_credit_file_answers_grade_score_reasons_events_and_history(world, api):
    side = world.pudong
    refresh()
    inspection = visit(side, "refer")
    answer = api(side.district_officer).get(f"/producers/{side.the_producer.pk}/credit")
    assert answer.status_code == 200
    body = answer.json()
    assert (body["grade"], body["score"]) == ("B", 85)
    assert len(body["reasons"]) == 1 and "-15 分" in body["reasons"][0]
    [event] = body["events"]
    assert (event["kind"], event["source"], event["link"]) == (
        "inspection_refer", f"inspection:{inspection.pk}", f"/inspections/{inspection.pk}/")
    assert event["counts_until"] and event["label"] == "巡查移交执法"
    assert [(h["from"], h["to"], h["cause"]) for h in body["history"]] == [
        ("A", "B", "event"), ("B", "A", "refresh")]


def test_officers_of_another_district_get_404(world, api):
    path = f"/producers/{world.pudong.the_producer.pk}/credit"
    assert api(world.chongming.district_officer).get(path).status_code == 404
    assert api(world.chongming.town_officer).get(path).status_code == 404
    assert api(world.city_admin).get(path).status_code == 200
    assert api(world.pudong.town_officer).get(path).status_code == 200
    assert api(world.pudong.district_officer).get("/producers/987654321/credit").status_code \
        == 404


def test_a_producer_sees_its_own_file_only(world, api):
    side = world.pudong
    neighbour = make_producer(side.village, name="邻村合作社")
    own = api(side.producer)
    assert own.get(f"/producers/{side.the_producer.pk}/credit").status_code == 200
    assert own.get(f"/producers/{neighbour.pk}/credit").status_code == 404
    other = make_user("producer", side.village, producer=neighbour)
    assert api(other).get(f"/producers/{side.the_producer.pk}/credit").status_code == 404


def test_it_needs_a_login(world, api):
    assert api().get(f"/producers/{world.pudong.the_producer.pk}/credit").status_code == 401


from django.utils import timezone

from nongan.testing import make_inspection, make_template


def test_the_schedule_lists_due_done_and_overdue_per_producer(world, api):
    make_template()
    producer = world.pudong.the_producer  # a 25-mu cooperative: a scale producer
    make_inspection(producer, actor=world.pudong.grid_worker)
    today = timezone.localdate()
    quarter = f"{today.year}-Q{(today.month - 1) // 3 + 1}"
    officer = api(world.pudong.district_officer)

    this_quarter = officer.get("/schedules", period=quarter).json()
    mine = next(i for i in this_quarter["items"] if i["producer"] == producer.pk)
    assert (mine["required"], mine["done"], mine["status"]) == (1, 1, "done")

    last_year = officer.get("/schedules", period=str(today.year - 1)).json()
    mine = next(i for i in last_year["items"] if i["producer"] == producer.pk)
    assert (mine["required"], mine["done"], mine["status"]) == (4, 0, "overdue")
    assert all(i["producer"] != world.chongming.the_producer.pk for i in last_year["items"])


def test_a_bad_period_or_another_region_is_refused(world, api):
    officer = api(world.pudong.district_officer)
    bad = officer.get("/schedules", period="2026-13")
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["query", "period"]
    assert officer.get("/schedules", period="2026", region="310151000000").status_code == 404

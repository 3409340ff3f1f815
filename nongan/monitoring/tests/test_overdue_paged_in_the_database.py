"""The to-do page's monitoring list, counted and paged by the database (`overdue_page`), is
the whole list (`overdue`) cut into pages: the same items in the same order, the same
count and late count on every page; the order is the earliest due first (the most days
overdue first), kinds and samples on the same day in a fixed order; another district's
samples never appear."""

import datetime as dt

import pytest
from django.utils import timezone

from nongan.monitoring import queries, services
from nongan.monitoring.models import FollowUp, Sample
from nongan.testing import assert_pages_slice, make_plan, make_sample

from .helpers import small_standard

FAILED = [{"analyte": "毒死蜱", "value": "0.5"}, {"analyte": "啶虫脒", "value": None}]
PASSED = [{"analyte": "毒死蜱", "value": None}, {"analyte": "啶虫脒", "value": "0.1"}]


def noon(days_ago: int) -> dt.datetime:
    day = timezone.localdate() - dt.timedelta(days=days_ago)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(12)))


@pytest.fixture
def samples(world) -> dict:
    """Pudong's samples s1…s8 (sampled an hour apart, s8 the latest) in every kind of the
    list, with ties of due dates within and across kinds; two of Chongming's."""
    small_standard()
    plan = make_plan(actor=world.city_admin, lab=world.lab.org)
    now = timezone.now()

    def sample(side, n):
        return make_sample(side.the_producer, actor=world.lab, plan=plan.pk,
                           sampled_at=now - dt.timedelta(hours=20 - n))

    found = {f"s{n}": sample(world.pudong, n) for n in range(1, 9)}
    found |= {"c1": sample(world.chongming, 1), "c2": sample(world.chongming, 2)}
    for key in ("s5",):
        services.record_results(found[key], PASSED, actor=world.lab)
    for key in ("s6", "s7", "s8", "c2"):
        services.record_results(found[key], FAILED, actor=world.lab)
    today = timezone.localdate()
    for key, days in (("s1", 5), ("s2", 5), ("s3", 2), ("s4", 9), ("s5", 5), ("c1", 7)):
        Sample.objects.filter(pk=found[key].pk).update(results_due=today - dt.timedelta(days))
    # s5: completed 40 days ago, so a monthly summary of the lab is due or overdue too.
    for key, days in (("s5", 40), ("s6", 3), ("s7", 5), ("s8", 3), ("c2", 3)):
        Sample.objects.filter(pk=found[key].pk).update(completed_at=noon(days))
    Sample.objects.filter(pk=found["s8"].pk).update(kind="rapid")
    for key, days in (("s6", 1), ("s7", 1), ("s8", 0)):
        FollowUp.objects.filter(sample=found[key]).update(opened_at=noon(days))
    return {key: Sample.objects.get(pk=s.pk).sample_no for key, s in found.items()}


def entries(items) -> list[tuple]:
    return [(i["kind"], i["sample"].sample_no if i["sample"] else None) for i in items]


def test_the_whole_list_keeps_its_order(world, samples):
    s = samples
    items = queries.overdue(world.pudong.district_officer)
    assert items == sorted(items, key=lambda i: (-i["days_overdue"], i["due"]))
    assert [e for e in entries(items) if e[0] != "summary"] == [
        ("results", s["s4"]),                                         # due 9 days ago
        ("results", s["s2"]), ("results", s["s1"]), ("report", s["s5"]),  # 5 days ago
        ("notify", s["s7"]),                                          # 4 days ago
        ("confirm", s["s8"]),                                         # 3 days ago
        ("results", s["s3"]), ("notify", s["s8"]), ("notify", s["s6"]),   # 2 days ago
        ("follow_up", s["s7"]), ("follow_up", s["s6"]),               # yesterday
        ("follow_up", s["s8"])]                                       # today
    assert "summary" in {kind for kind, _ in entries(items)}
    assert [i["days_overdue"] for i in items if i["kind"] != "summary"] == [
        9, 5, 5, 5, 4, 3, 2, 2, 2, 1, 1, 0]


@pytest.mark.parametrize("who", ["pudong.district_officer", "city_admin", "lab",
                                 "chongming.district_officer", "pudong.town_officer"])
def test_every_page_is_a_slice_of_the_whole_list(world, samples, who):
    user = world
    for name in who.split("."):
        user = getattr(user, name)
    whole = queries.overdue(user)
    assert len(whole) >= 3  # a page 2 at the smallest page size
    late = sum(1 for i in whole if i["days_overdue"])
    assert_pages_slice(whole, lambda number, size: queries.overdue_page(user, number, size),
                       late)


def test_another_districts_samples_never_appear(world, samples):
    s = samples
    pudong = {no for _, no in entries(queries.overdue(world.pudong.district_officer))}
    chongming = entries(queries.overdue(world.chongming.district_officer))
    assert {no for _, no in chongming} - {None} == {s["c1"], s["c2"]}
    assert not pudong & {s["c1"], s["c2"]}
    city = {no for _, no in entries(queries.overdue(world.city_admin))}
    assert {s["c1"], s["c2"], s["s1"]} <= city
    page = queries.overdue_page(world.chongming.district_officer, 1, 50)
    assert page["count"] == len(chongming)
    assert not {no for _, no in entries(page["items"])} & pudong - {None}

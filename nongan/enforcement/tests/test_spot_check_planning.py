"""Planning a spot check: the population and the officer pool are frozen in the snapshot, the
seed is committed by its SHA-256, and the seed is shown nowhere until the draw."""

import datetime as dt
import hashlib

import pytest
from django.utils import timezone

from nongan.core.errors import FieldErrors
from nongan.core.models import AuditEntry
from nongan.enforcement import draws
from nongan.testing import make_inspection, make_template

from .spot_check_factories import (
    drawn,
    grid_duty,
    matter,
    officer,
    plan_data,
    planned,
    producers,
    villages,
)


def test_a_plan_commits_to_its_seed_and_freezes_population_and_pool(world):
    side = world.pudong
    extra = producers(villages(), "AB")
    expired = officer(valid_to=timezone.localdate() + dt.timedelta(days=10))
    no_card = officer(card=False)
    check = planned(side.enforcement_officer, share="0.5")
    assert len(check.seed) == 64 and int(check.seed, 16) >= 0
    assert check.seed_hash == hashlib.sha256(check.seed.encode("utf-8")).hexdigest()
    assert check.snapshot_hash == hashlib.sha256(draws.canonical(check.snapshot)).hexdigest()
    population = check.snapshot["population"]
    ids = [m["id"] for m in population]
    assert ids == sorted(ids)
    assert set(ids) == {side.the_producer.pk, *(p.pk for p in extra)}  # not chongming's
    assert {m["id"]: m["grade"] for m in population}[extra[1].pk] == "B"
    assert {m["id"]: m["town"] for m in population}[side.the_producer.pk] == side.town
    pool = [o["username"] for o in check.snapshot["officers"]]
    # Cards must cover the check period; no card, no draw; another district's never.
    assert pool == sorted([side.enforcement_officer.username,
                           side.enforcement_officer2.username])
    assert expired.username not in pool and no_card.username not in pool
    assert check.snapshot["officers"][0]["card_valid_to"] == "2099-12-31"
    assert check.snapshot["plan"]["share"] == "0.5"
    assert check.state == "planned" and check.region_id == side.district
    assert planned(side.enforcement_officer).seed != check.seed


def test_grid_duties_and_conflicts_are_in_the_pool(world):
    side = world.pudong
    place = villages()[1]
    grid_duty(side.enforcement_officer, place)
    from nongan.enforcement.services.spot_checks import declare_conflict

    declare_conflict({"producer": side.the_producer.pk, "reason": "亲属经营"},
                     actor=side.enforcement_officer2)
    pool = {o["username"]: o for o in planned(side.enforcement_officer).snapshot["officers"]}
    assert pool[side.enforcement_officer.username]["towns"] == [place.town_id]
    assert pool[side.enforcement_officer2.username]["conflict_producers"] == [
        side.the_producer.pk]


def test_the_seed_appears_nowhere_before_the_draw(world, api, login):
    side = world.pudong
    client = api(side.enforcement_officer)
    created = client.post("/spot-checks", plan_data(matter(), share="1", period_start=str(
        timezone.localdate()), period_end=str(timezone.localdate() + dt.timedelta(days=30))))
    assert created.status_code == 201
    answer = created.json()
    from nongan.enforcement.models import SpotCheck

    check = SpotCheck.objects.get(pk=answer["id"])
    assert answer["seed_hash"] == hashlib.sha256(check.seed.encode()).hexdigest()
    assert "seed" not in answer and "targets" not in answer
    pages = [client.get(f"/spot-checks/{check.pk}"), client.get("/spot-checks"),
             client.get(f"/spot-checks/{check.pk}/snapshot")]
    browser = login(side.district_officer)
    pages += [browser.get(path) for path in (
        f"/spot-checks/{check.pk}/", "/spot-checks/", f"/spot-checks/{check.pk}/replay/",
        f"/spot-checks/{check.pk}/snapshot.json", "/spot-checks/?format=xlsx")]
    for response in pages:
        assert response.status_code == 200
        assert check.seed.encode() not in response.content
    assert check.seed_hash.encode() in pages[3].content
    entries = AuditEntry.objects.filter(object_type="enforcement.spotcheck")
    assert entries.count() == 1
    assert check.seed not in str(entries.get().changes)
    # After the draw the seed is revealed: in the answer, the page and the audit entry.
    drawn_answer = client.post(f"/spot-checks/{check.pk}/draw").json()
    assert drawn_answer["seed"] == check.seed
    assert check.seed.encode() in browser.get(f"/spot-checks/{check.pk}/").content
    assert check.seed in str(AuditEntry.objects.get(action="spotcheck.draw").changes)


def test_recently_inspected_or_drawn_producers_can_be_left_out(world):
    side = world.pudong
    make_template()
    first, second = villages(towns=2)
    inside, before = producers([first], per_place=2)
    [drawn_one] = producers([second])
    now = timezone.now()
    for producer, days in ((inside, 60), (before, 240)):
        finished = now - dt.timedelta(days=days)
        make_inspection(producer, actor=side.district_officer,
                        started_at=(finished - dt.timedelta(minutes=30)).isoformat(),
                        finished_at=finished.isoformat())
    drawn(side.enforcement_officer, population={"region": drawn_one.village_id},
          share="1")
    ids = {m["id"] for m in planned(side.enforcement_officer,
                                    exclude_months=6).snapshot["population"]}
    assert inside.pk not in ids and drawn_one.pk not in ids
    assert before.pk in ids and side.the_producer.pk in ids
    everyone = {m["id"] for m in planned(side.enforcement_officer).snapshot["population"]}
    assert {inside.pk, before.pk, drawn_one.pk} <= everyone


def test_the_population_filter_narrows_by_region_kind_certification_and_grade(world):
    side = world.pudong
    places = villages()
    a, b, c = producers(places, "ABC")
    from nongan.producers.models import Certification

    Certification.objects.create(producer=b, kind="green", cert_no="LB-1", products="青菜",
                                 valid_from=dt.date(2020, 1, 1), valid_to=dt.date(2099, 1, 1))
    Certification.objects.create(producer=c, kind="green", cert_no="LB-2", products="青菜",
                                 valid_from=dt.date(2020, 1, 1), valid_to=dt.date(2021, 1, 1))

    def ids(**population):
        return {m["id"] for m in planned(side.enforcement_officer, share="1",
                                         population=population).snapshot["population"]}

    assert ids(region=places[0].town_id) == {a.pk}
    assert ids(certification="green") == {b.pk}  # c's certificate ran out in 2021
    assert ids(credit_grade="C") == {c.pk}
    assert side.the_producer.pk in ids(kind="cooperative")


@pytest.mark.parametrize(("fields", "where", "message"), [
    ({"team_size": 1}, "team_size", "不少于2人"),
    ({"count": 2, "share": "0.5"}, "count", "只能填写一项"),
    ({"share": "1.5"}, "share", "不超过1"),
    ({"share": "0"}, "share", "大于0"),
    ({"share": None, "grade_shares": {"A": "0.05", "E": "0.1"}}, "grade_shares.E",
     "A / B / C / D"),
    ({"share": None, "grade_shares": {"A": "2"}}, "grade_shares.A", "0到1之间"),
    ({"share": None}, "share", "三选一"),
    ({"count": 0, "share": None}, "count", "正整数"),
    ({"population": {"region": "310151000000"}}, "population.region", "不在本区"),
    ({"population": {"kind": "farm"}}, "population.kind", "主体类型"),
    ({"stratify_by": "village"}, "stratify_by", "分层"),
    ({"exclude_months": -1}, "exclude_months", "排除月数"),
    ({"period_end": "2020-01-01"}, "period_end", "不能早于"),
    ({"period_start": "2026-13-01"}, "period_start", "YYYY-MM-DD"),
    ({"title": ""}, "title", "计划名称"),
])
def test_bad_plans_are_refused_field_by_field(world, fields, where, message):
    with pytest.raises(FieldErrors) as caught:
        planned(world.pudong.enforcement_officer, **fields)
    errors = {".".join(loc): msg for loc, msg in caught.value.errors}
    assert message in errors[where]


def test_a_plan_needs_enough_officers_a_population_and_something_to_draw(world):
    side = world.pudong
    with pytest.raises(FieldErrors) as caught:
        planned(side.enforcement_officer, team_size=3)
    assert "只有 2 名" in caught.value.by_field()["team_size"]
    with pytest.raises(FieldErrors) as caught:
        planned(side.enforcement_officer, population={"credit_grade": "D"})
    assert "没有可抽取" in caught.value.by_field()["population"]
    with pytest.raises(FieldErrors) as caught:
        planned(side.enforcement_officer, share="0.1")  # 0.1 × 1 rounds to 0
    assert "数量为0" in caught.value.by_field()["share"]
    with pytest.raises(FieldErrors) as caught:
        planned(side.enforcement_officer, share=None, count=5)
    assert "超过检查对象总数（1）" in caught.value.by_field()["count"]
    retired = matter(active=False)
    with pytest.raises(FieldErrors) as caught:
        planned(side.enforcement_officer, retired)
    assert "在用的抽查事项" in caught.value.by_field()["matter"]
    from nongan.enforcement.models import SpotCheck

    assert not SpotCheck.objects.exists()


def test_only_district_enforcement_and_office_plan(world):
    from django.core.exceptions import PermissionDenied

    for role in ("town_officer", "grid_worker", "producer"):
        with pytest.raises(PermissionDenied):
            planned(getattr(world.pudong, role))
    assert planned(world.pudong.district_officer).created_by == world.pudong.district_officer

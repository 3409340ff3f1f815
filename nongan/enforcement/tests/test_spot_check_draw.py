"""The draw: made once from the snapshot and the seed, never redone or edited; refused whole
when an officer's card lapsed, a new recusal appeared, or a team cannot be formed; a
cancelled plan stays listed with its reason."""

import datetime as dt
from collections import Counter

import pytest
from django.utils import timezone

from nongan.core.errors import Conflict, FieldErrors
from nongan.core.models import AuditEntry, Notification
from nongan.enforcement import draws
from nongan.enforcement.models import SpotCheck, Target
from nongan.enforcement.services import spot_checks as services

from .spot_check_factories import drawn, grid_duty, officer, planned, producers, villages


def test_a_draw_stores_what_the_seed_and_snapshot_give(world):
    side = world.pudong
    producers(villages(), "ABCD", per_place=2)
    officer(), officer()
    check = planned(side.enforcement_officer, share="0.5", stratify_by="town")
    expected = draws.derive(check.snapshot, check.seed)
    check = services.draw(check, actor=side.district_officer)
    assert check.state == "drawn" and check.drawn_by == side.district_officer
    targets = list(check.targets.order_by("position"))
    assert [t.producer_id for t in targets] == expected["targets"]
    assert [t.team for t in targets] == expected["teams"]
    assert [t.position for t in targets] == list(range(1, len(targets) + 1))
    members = {m["id"]: m for m in check.snapshot["population"]}
    for t in targets:
        assert (t.town_id, t.grade) == (members[t.producer_id]["town"],
                                        members[t.producer_id]["grade"])
        assert len(t.team) == 2
    entry = AuditEntry.objects.get(action="spotcheck.draw")
    assert entry.changes["after"]["seed"] == check.seed
    assert entry.changes["after"]["targets"] == expected["targets"]
    # Every drawn officer is told how many targets they check.
    told = Notification.objects.filter(kind="spot_check.drawn")
    load = Counter(u for team in expected["teams"] for u in team)
    assert sorted(told.values_list("recipient__username", flat=True)) == sorted(load)
    first = told.get(recipient=side.enforcement_officer)
    assert f"检查 {load[side.enforcement_officer.username]} 个对象" in first.text
    assert first.link == f"/spot-checks/{check.pk}/"


def test_a_draw_cannot_be_redone_and_nothing_changes(world, api):
    side = world.pudong
    producers(villages(), per_place=2)
    check = drawn(side.enforcement_officer, share="0.5")
    client = api(side.enforcement_officer)
    before = (list(Target.objects.values_list("pk", "producer_id", "team")), check.drawn_at,
              AuditEntry.objects.count())
    with pytest.raises(Conflict, match="不能重做"):
        services.draw(check, actor=side.enforcement_officer)
    assert client.post(f"/spot-checks/{check.pk}/draw").status_code == 409
    check.refresh_from_db()
    assert (list(Target.objects.values_list("pk", "producer_id", "team")), check.drawn_at,
            AuditEntry.objects.count()) == before


def test_a_cancelled_plan_stays_listed_with_its_reason_and_cannot_be_drawn(world, api, login):
    side = world.pudong
    check = planned(side.enforcement_officer, share="1")
    with pytest.raises(FieldErrors) as caught:
        services.cancel_spot_check(check, "  ", actor=side.enforcement_officer)
    assert caught.value.by_field() == {"reason": "须填写取消理由"}
    services.cancel_spot_check(check, "检查期间与专项整治冲突", actor=side.district_officer)
    check.refresh_from_db()
    assert check.state == "cancelled" and check.cancel_reason == "检查期间与专项整治冲突"
    with pytest.raises(Conflict):
        services.draw(check, actor=side.enforcement_officer)
    with pytest.raises(Conflict):
        services.cancel_spot_check(check, "再次取消", actor=side.enforcement_officer)
    assert not check.targets.exists()
    listed = api(side.enforcement_officer).get("/spot-checks", state="cancelled").json()
    assert [(i["id"], i["cancel_reason"]) for i in listed["items"]] == [
        (check.pk, "检查期间与专项整治冲突")]
    html = login(side.district_officer).get("/spot-checks/").content.decode()
    assert "检查期间与专项整治冲突" in html and "已取消" in html


def test_a_drawn_check_is_cancelled_only_before_any_result(world):
    side = world.pudong
    first = drawn(side.enforcement_officer, share="1")
    services.cancel_spot_check(first, "对象已停产", actor=side.enforcement_officer)
    first.refresh_from_db()
    assert first.state == "cancelled" and first.targets.count() == 1  # stays visible
    second = drawn(side.enforcement_officer, share="1")
    services.record_check_result(second.targets.get(), {"result": "pass"},
                                 actor=side.enforcement_officer)
    with pytest.raises(Conflict, match="已有检查结果"):
        services.cancel_spot_check(second, "理由", actor=side.enforcement_officer)


def test_a_card_expired_since_planning_stops_the_draw(world):
    side = world.pudong
    check = planned(side.enforcement_officer, share="1")
    lapsed = side.enforcement_officer2
    lapsed.enforcement_card_valid_to = timezone.localdate() + dt.timedelta(days=5)
    lapsed.save()
    with pytest.raises(Conflict) as caught:
        services.draw(check, actor=side.enforcement_officer)
    assert lapsed.username in str(caught.value) and "执法证" in str(caught.value)
    check.refresh_from_db()
    assert check.state == "planned" and not Target.objects.exists()


def test_a_recusal_declared_after_planning_stops_the_draw(world):
    side = world.pudong
    check = planned(side.enforcement_officer, share="1")
    services.declare_conflict({"town": side.town, "reason": "配偶在该镇经营合作社"},
                              actor=side.enforcement_officer2)
    with pytest.raises(Conflict, match=side.enforcement_officer2.username):
        services.draw(check, actor=side.enforcement_officer)
    assert SpotCheck.objects.get(pk=check.pk).state == "planned"


def test_a_target_without_a_full_team_fails_the_whole_draw(world, api):
    side = world.pudong
    others = producers(villages()[1:], per_place=2)
    grid_duty(side.enforcement_officer, side.the_producer.village)
    check = planned(side.enforcement_officer, share="1")
    assert draws.short_of_officers(check.snapshot) == [side.the_producer.pk]
    response = api(side.enforcement_officer).post(f"/spot-checks/{check.pk}/draw")
    assert response.status_code == 409
    assert f"编号 {side.the_producer.pk}" in response.json()["detail"]
    assert not Target.objects.exists()  # no partial draw, though the others had teams
    assert SpotCheck.objects.get(pk=check.pk).state == "planned"
    assert len(others) == 4


def test_teams_respect_grid_duties_and_declared_conflicts(world):
    side = world.pudong
    places = villages()
    population = producers(places, per_place=2)
    extra = [officer(), officer()]
    grid_duty(extra[0], places[0])
    services.declare_conflict({"producer": population[2].pk, "reason": "曾在该社任职"},
                              actor=extra[1])
    check = drawn(side.enforcement_officer, share="1")
    for t in check.targets.all():
        if t.town_id == places[0].town_id:
            assert extra[0].username not in t.team
        if t.producer_id == population[2].pk:
            assert extra[1].username not in t.team
        assert len(set(t.team)) == 2

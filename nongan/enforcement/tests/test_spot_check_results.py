"""Check results (一公开): recorded once by the district's enforcement officers with the
inspection and supervisory samples that support them, due for publication within 20 working
days on China's official calendar, published, and listed when overdue."""

import datetime as dt

import pytest
from django.utils import timezone

from nongan.core.errors import Conflict, FieldErrors
from nongan.core.models import AuditEntry
from nongan.core.workdays import add_working_days, load_calendar
from nongan.enforcement import spot_check_queries as queries
from nongan.enforcement.models import Target
from nongan.enforcement.services import spot_checks as services
from nongan.testing import make_inspection, make_sample, make_template

from .spot_check_factories import drawn, planned, producers, villages


@pytest.fixture
def target(world):
    return drawn(world.pudong.enforcement_officer, share="1").targets.get()


@pytest.mark.parametrize(("concluded", "due"), [
    (dt.date(2026, 9, 25), dt.date(2026, 10, 29)),  # Mid-Autumn and National Day 2026
    (dt.date(2025, 9, 26), dt.date(2025, 10, 30)),  # National Day 2025, make-up days
    (dt.date(2026, 2, 13), dt.date(2026, 3, 19)),   # Spring Festival 2026
])
def test_results_are_due_twenty_working_days_after_they_are_formed(db, concluded, due):
    load_calendar()
    assert services.publication_due(concluded) == due


def test_a_team_member_records_the_result_once(world, target):
    load_calendar()
    member = world.pudong.enforcement_officer2
    assert member.username in target.team
    services.record_check_result(target, {"result": "rectify", "note": "农药使用记录不全"},
                                 actor=member)
    target.refresh_from_db()
    today = timezone.localdate()
    assert (target.result, target.result_note, target.concluded_by) == (
        "rectify", "农药使用记录不全", member)
    assert target.concluded_on == today
    assert target.publish_due == add_working_days(today, 20)
    assert AuditEntry.objects.filter(action="spotcheck.result",
                                     object_id=str(target.pk)).count() == 1
    with pytest.raises(Conflict, match="不能修改"):
        services.record_check_result(target, {"result": "pass"}, actor=member)
    target.refresh_from_db()
    assert target.result == "rectify"


def test_a_result_is_checked_field_by_field(world, target):
    officer = world.pudong.enforcement_officer
    with pytest.raises(FieldErrors) as caught:
        services.record_check_result(target, {"result": "fine"}, actor=officer)
    assert "pass / rectify" in caught.value.by_field()["result"]
    with pytest.raises(FieldErrors) as caught:
        services.record_check_result(target, {"result": "refer"}, actor=officer)
    assert caught.value.by_field() == {"note": "须说明发现的问题或无法检查的原因"}
    assert not Target.objects.get(pk=target.pk).result


def test_only_enforcement_officers_record_results(world, target):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.record_check_result(target, {"result": "pass"},
                                     actor=world.pudong.district_officer)


def test_the_inspection_and_samples_must_be_the_targets(world, target):
    side = world.pudong
    make_template()
    officer = side.enforcement_officer
    [other] = producers(villages()[1:2])
    mine = make_inspection(side.the_producer, actor=side.district_officer)
    theirs = make_inspection(other, actor=side.district_officer)
    finished = timezone.now() - dt.timedelta(days=200)
    old = make_inspection(side.the_producer, actor=side.district_officer,
                          started_at=(finished - dt.timedelta(hours=1)).isoformat(),
                          finished_at=finished.isoformat())
    supervisory = make_sample(side.the_producer, actor=officer, kind="supervisory",
                              lab=world.lab.org.pk,
                              co_samplers=[side.enforcement_officer2.username])
    rapid = make_sample(side.the_producer, actor=side.district_officer, kind="rapid",
                        lab=world.lab.org.pk)
    for inspection, message in ((theirs.pk, "不是该对象"), (str(old.uuid), "检查期间"),
                                ("no-such", "不是该对象")):
        with pytest.raises(FieldErrors) as caught:
            services.record_check_result(target, {"result": "pass", "inspection": inspection},
                                         actor=officer)
        assert message in caught.value.by_field()["inspection"]
    with pytest.raises(FieldErrors) as caught:
        services.record_check_result(target, {"result": "pass",
                                              "samples": [rapid.sample_no]}, actor=officer)
    assert rapid.sample_no in caught.value.by_field()["samples"]
    services.record_check_result(target, {"result": "pass", "inspection": str(mine.uuid),
                                          "samples": [supervisory.sample_no]}, actor=officer)
    target.refresh_from_db()
    assert target.inspection == mine
    assert list(target.samples.values_list("sample_no", flat=True)) == [supervisory.sample_no]


def test_results_are_recorded_only_on_a_drawn_check(world):
    side = world.pudong
    check = drawn(side.enforcement_officer, share="1")
    services.cancel_spot_check(check, "计划调整", actor=side.enforcement_officer)
    with pytest.raises(Conflict, match="不在已抽取状态"):
        services.record_check_result(check.targets.get(), {"result": "pass"},
                                     actor=side.enforcement_officer)


def test_formed_results_are_published_once(world):
    side = world.pudong
    producers(villages()[1:], per_place=1)
    check = drawn(side.enforcement_officer, share="1")
    first, second, third = check.targets.order_by("position")
    officer = side.enforcement_officer
    services.record_check_result(first, {"result": "pass"}, actor=officer)
    services.record_check_result(second, {"result": "absent", "note": "停产"}, actor=officer)
    assert services.publish_results(check, actor=side.district_officer) == 2
    published = dict(check.targets.values_list("pk", "published_at"))
    assert published[first.pk] and published[second.pk] and published[third.pk] is None
    with pytest.raises(Conflict, match="没有待公示"):
        services.publish_results(check, actor=officer)
    services.record_check_result(third, {"result": "pass"}, actor=officer)
    assert services.publish_results(check, actor=officer) == 1
    assert dict(check.targets.values_list("pk", "published_at"))[first.pk] == published[first.pk]
    entries = AuditEntry.objects.filter(action="spotcheck.publish")
    assert [e.changes["after"]["targets"] for e in entries.order_by("seq")] == [
        sorted([first.pk, second.pk]), [third.pk]]


def test_overdue_publications_are_listed_for_the_district_only(world):
    side = world.pudong
    check = drawn(side.enforcement_officer, share="1")
    target = check.targets.get()
    services.record_check_result(target, {"result": "pass"}, actor=side.enforcement_officer)
    assert not queries.overdue_publications(side.district_officer).exists()
    Target.objects.filter(pk=target.pk).update(
        publish_due=timezone.localdate() - dt.timedelta(days=1))
    assert list(queries.overdue_publications(side.district_officer)) == [target]
    assert list(queries.overdue_publications(side.town_officer)) == [target]
    assert not queries.overdue_publications(world.chongming.district_officer).exists()
    services.publish_results(check, actor=side.district_officer)
    assert not queries.overdue_publications(side.district_officer).exists()
    # A check without results has nothing overdue.
    planned(side.enforcement_officer, share="1")
    assert not queries.overdue_publications(side.district_officer).exists()

"""双随机抽查按期完成率, 抽查结果按期公示率, 案源按期处理率 and 案件按时限办理率, counted by
hand on records dated into last year."""

from nongan.core.workdays import add_working_days
from nongan.enforcement.models import Case, DeclinedLead, PenaltyNotice, SpotCheck, Target
from nongan.enforcement.services import cases as case_services
from nongan.enforcement.services import spot_checks
from nongan.enforcement.tests.case_factories import (
    decided_case,
    failed_sample,
    open_case,
    refer_target,
)
from nongan.enforcement.tests.spot_check_factories import drawn, matter, planned
from nongan.monitoring.models import FollowUp
from nongan.testing import make_producer

from .factories import day, inspected, measure, moment


def _spot_checks(side):
    """One check of May drawn over the village: the first target checked on 20 May and
    published on time, the second checked late (5 June) and never published; one check
    of July planned and never drawn."""
    second = make_producer(side.village, name="第二个抽查对象")
    check = drawn(side.enforcement_officer, matter(region=side.district), share="1",
                  population={"region": side.village})
    SpotCheck.objects.filter(pk=check.pk).update(period_start=day(5, 1), period_end=day(5, 31))
    first = check.targets.get(producer=side.the_producer)
    late = check.targets.get(producer=second)
    for target, on in ((first, day(5, 20)), (late, day(6, 5))):
        spot_checks.record_check_result(target, {"result": "pass"}, actor=side.enforcement_officer)
        Target.objects.filter(pk=target.pk).update(
            concluded_on=on, publish_due=spot_checks.publication_due(on))
    Target.objects.filter(pk=first.pk).update(published_at=moment(6, 10))
    never = planned(side.enforcement_officer, matter(region=side.district))
    SpotCheck.objects.filter(pk=never.pk).update(period_start=day(7, 1), period_end=day(7, 31))
    return check, late, never


def test_spot_checks_done_by_the_end_of_their_period(world):
    check, late, never = _spot_checks(world.pudong)
    found = measure("spot_checks_done", world.pudong.district)
    # first target on time, the yearly minimum met; the late target and the undrawn check not
    assert (found.numerator, found.denominator) == (2, 4)
    assert {m.pk: m.reason for m in found.misses} == {
        str(never.pk): f"抽取检查对象期限{day(7, 31)}已过，尚未完成",
        str(late.pk): f"形成检查结果于{day(6, 5)}完成，期限{day(5, 31)}，逾期5天"}
    assert {m.url for m in found.misses} == {f"/spot-checks/{check.pk}/",
                                             f"/spot-checks/{never.pk}/"}


def test_a_district_with_producers_and_no_check_all_year_misses_the_minimum(world):
    found = measure("spot_checks_done", world.chongming.district)
    assert (found.numerator, found.denominator) == (0, 1)
    assert found.misses[0].reason == "全年开展双随机抽查0次，少于1次"
    assert measure("spot_checks_done", world.chongming.district, min_checks=0).denominator == 0


def test_results_published_within_twenty_working_days(world):
    _check, late, _never = _spot_checks(world.pudong)
    found = measure("spot_checks_published", world.pudong.district)
    assert (found.numerator, found.denominator) == (1, 2)
    due = spot_checks.publication_due(day(6, 5))
    assert [(m.pk, m.reason) for m in found.misses] == [
        (str(late.pk), f"公示检查结果期限{due}已过，尚未完成")]


def test_leads_decided_within_seven_working_days(world):
    side = world.pudong
    received = day(5, 4)
    due = add_working_days(received, 7)
    target = refer_target(side, concluded_on=received)
    open_case(side, source="spot_check", target=target.pk, opened_on=day(5, 8))
    sample = failed_sample(world, side)
    FollowUp.objects.filter(sample=sample).update(proposed_at=moment(5, 4))
    inspection = inspected(side.the_producer, side.grid_worker, moment(5, 4), result="refer",
                           answers=[{"item": "records", "value": "no", "note": "无生产记录"}])
    case_services.decline_lead({"source": "inspection", "inspection": inspection.pk,
                                "reason": "经核查不属于本机关管辖"}, actor=side.enforcement_officer)
    DeclinedLead.objects.filter(inspection=inspection).update(decided_on=day(5, 20))

    found = measure("leads_decided", side.district)

    assert (found.numerator, found.denominator) == (1, 3)
    late = (day(5, 20) - due).days
    assert {(m.model, m.pk): m.reason for m in found.misses} == {
        ("monitoring.sample", str(sample.pk)):
            f"{received}移交执法，决定是否立案期限{due}已过，尚未完成",
        ("inspections.inspection", str(inspection.pk)):
            f"{received}移交执法，决定是否立案于{day(5, 20)}完成，期限{due}，逾期{late}天"}


def _dated(case, **dates):
    Case.objects.filter(pk=case.pk).update(**dates)
    return Case.objects.get(pk=case.pk)


def test_cases_decided_and_published_in_time(world):
    side = world.pudong
    first = _dated(decided_case(side), opened_on=day(3, 1), decision_due=day(5, 30),
                   decided_on=day(5, 10))
    PenaltyNotice.objects.filter(case=first).update(due_on=day(5, 19),
                                                    published_at=moment(5, 18))
    undecided = _dated(open_case(side), opened_on=day(6, 1), decision_due=day(8, 30))
    unpublished = _dated(decided_case(side), opened_on=day(6, 20), decision_due=day(9, 18),
                         decided_on=day(9, 1))
    PenaltyNotice.objects.filter(case=unpublished).update(due_on=day(9, 10))

    found = measure("cases_in_time", side.district)

    assert (found.numerator, found.denominator) == (3, 5)
    assert [(m.pk, m.reason) for m in found.misses] == [
        (str(undecided.pk), f"作出处罚决定期限{day(8, 30)}已过，尚未完成"),
        (str(unpublished.pk), f"公示处罚决定期限{day(9, 10)}已过，尚未完成")]
    assert found.misses[0].url == f"/cases/{undecided.pk}/"
    only = measure("cases_in_time", side.district, checks=["publication"])
    assert (only.numerator, only.denominator) == (1, 2)

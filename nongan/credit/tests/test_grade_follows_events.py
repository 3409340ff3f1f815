"""Each source writes its credit event as it is written, once, and the producer's grade is
recomputed at once, the change kept with its score and reasons."""

import pytest

from nongan.core.models import AuditEntry
from nongan.credit.models import CreditEvent, GradeChange
from nongan.credit.services import refresh
from nongan.enforcement.tests.case_factories import days_ago, step
from nongan.monitoring.services import record_results
from nongan.producers.services import change_certification_status

from .factories import closed_case, failed_sample, revoked_certificate, visit


@pytest.fixture
def side(world):
    refresh()  # every producer graded once: no event, grade A
    return world.pudong


def grade_of(side):
    side.the_producer.refresh_from_db()
    return side.the_producer.credit_grade


def events(side, kind=None):
    found = CreditEvent.objects.filter(producer=side.the_producer)
    return list(found.filter(kind=kind) if kind else found)


def test_a_clean_register_is_graded_a_by_the_first_refresh(side):
    assert grade_of(side) == "A"
    first = GradeChange.objects.get(producer=side.the_producer)
    assert (first.from_grade, first.to_grade, first.cause) == ("B", "A", "refresh")


def test_a_rectify_and_a_refer_visit_are_events_and_move_the_grade(side):
    rectify = visit(side, "rectify")
    [event] = events(side, "inspection_rectify")
    assert event.source == f"inspection:{rectify.pk}" and event.link == f"/inspections/{rectify.pk}/"
    assert grade_of(side) == "A"  # 95
    visit(side, "refer")
    assert grade_of(side) == "B"  # 80
    change = GradeChange.objects.filter(producer=side.the_producer).first()
    assert (change.from_grade, change.to_grade, change.score, change.cause) == ("A", "B", 80,
                                                                             "event")
    assert change.note.startswith("巡查移交执法") and len(change.reasons) == 2
    assert AuditEntry.objects.filter(action="credit.grade", object_id=str(side.the_producer.pk),
                                     changes__after__grade="B").exists()
    visit(side, "pass")
    assert len(events(side)) == 2


def test_a_failed_sample_is_one_event_and_a_banned_pesticide_a_serious_one(world, side):
    sample = failed_sample(world, side, banned=True)
    [event] = events(side, "sample_non_compliant")
    assert event.serious and "毒死蜱" in event.summary and "禁用" in event.summary
    assert event.link == f"/samples/{sample.sample_no}/"
    assert grade_of(side) == "C"  # forced C for a year
    # A corrected value that keeps the sample non-compliant adds nothing.
    record_results(sample, [{"analyte": "啶虫脒", "value": "2"}], actor=world.lab,
                   reason="复核后更正")
    assert len(events(side)) == 1


def test_an_ordinary_failure_counts_and_a_rapid_test_does_not(world, side):
    failed_sample(world, side, kind="rapid")
    assert events(side) == [] and grade_of(side) == "A"
    failed_sample(world, side)
    [event] = events(side)
    assert not event.serious and grade_of(side) == "B"


def test_a_revoked_certificate_is_an_event_once(side):
    cert = revoked_certificate(side)
    [event] = events(side, "certification_revoked")
    assert cert.cert_no in event.summary and "撤销绿色食品标志使用权" in event.summary
    assert grade_of(side) == "B"
    change_certification_status(cert, "valid", reason="复核恢复", actor=side.district_officer)
    change_certification_status(cert, "revoked", reason="再次撤销", actor=side.district_officer)
    assert len(events(side)) == 1


def test_a_closed_case_is_a_penalty_and_its_revocation_withdraws_it(side):
    case = closed_case(side)
    assert grade_of(side) == "C"  # 70
    step(case, side, "revoked", days_ago(0), reason="复议决定撤销")
    assert {e.kind for e in events(side)} == {"penalty", "penalty_revoked"}
    assert grade_of(side) == "A"
    change = GradeChange.objects.filter(producer=side.the_producer).first()
    assert (change.from_grade, change.to_grade) == ("C", "A")
    assert "处罚决定撤销" in change.note


def test_a_serious_penalty_forces_d(side):
    closed_case(side, serious=True)
    assert grade_of(side) == "D"
    change = GradeChange.objects.filter(producer=side.the_producer).first()
    assert any("信用等级不高于 D" in r for r in change.reasons)

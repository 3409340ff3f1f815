"""信用修复: an event stops counting after its period, a forced grade lifts after its own,
an unfinished rectification counts until it is closed — and each recovery is a grade change
recorded with the cause 信用修复 and what stopped counting."""

import datetime as dt

import pytest
from django.utils import timezone

from nongan.credit.models import CreditEvent, GradeChange
from nongan.credit.services import refresh
from nongan.enforcement.case_rules import add_months
from nongan.inspections.models import Rectification

from .factories import closed_case, visit


@pytest.fixture
def side(world):
    refresh()
    return world.pudong


def latest(side) -> GradeChange:
    return GradeChange.objects.filter(producer=side.the_producer).first()


def grade_of(side):
    side.the_producer.refresh_from_db()
    return side.the_producer.credit_grade


def test_an_unfinished_rectification_holds_c_until_it_is_closed(side):
    visit(side, "rectify", days=30, deadline_in=10)
    order = Rectification.objects.get(producer=side.the_producer)
    assert grade_of(side) == "A"
    refresh()
    event = CreditEvent.objects.get(kind="rectification_unfinished")
    assert event.occurred_on == order.deadline + dt.timedelta(days=1) and event.settled_on is None
    assert grade_of(side) == "C"
    assert (latest(side).cause, latest(side).to_grade) == ("event", "C")
    # A year on, still open: still C.
    refresh(today=add_months(timezone.localdate(), 14))
    assert grade_of(side) == "C"
    # The passing follow-up closes it, 20 days late: C lifts, the lateness still counts.
    visit(side, "pass")
    event.refresh_from_db()
    assert event.settled_on == timezone.localdate()
    late = CreditEvent.objects.get(kind="rectification_late")
    assert "逾期 20 天" in late.summary
    assert grade_of(side) == "A"  # 100 − 5 (rectify) − 5 (late)
    repair = latest(side)
    assert (repair.from_grade, repair.to_grade, repair.cause, repair.score) == ("C", "A",
                                                                               "repair", 90)
    assert repair.note.startswith("信用修复") and "逾期未整改" in repair.note


def test_a_serious_penalty_lifts_from_d_after_a_year_and_counts_no_more_after_two(side):
    case = closed_case(side, serious=True)
    closed = case.steps.get(kind="closed").occurred_on
    assert grade_of(side) == "D"
    refresh(today=add_months(closed, 12) - dt.timedelta(days=1))
    assert grade_of(side) == "D"
    refresh(today=add_months(closed, 12))
    assert grade_of(side) == "C"
    first = latest(side)
    assert (first.from_grade, first.to_grade, first.cause) == ("D", "C", "repair")
    assert "信用修复" in first.note and case.case_no in first.note
    assert first.get_cause_display() == "信用修复"
    refresh(today=add_months(closed, 24))
    second = latest(side)
    assert (grade_of(side), second.cause, second.score, second.reasons) == ("A", "repair",
                                                                            100, [])


def test_a_grade_that_does_not_change_records_nothing(side):
    visit(side, "rectify")
    before = GradeChange.objects.count()
    refresh()
    refresh(today=timezone.localdate() + dt.timedelta(days=3))
    assert GradeChange.objects.count() == before

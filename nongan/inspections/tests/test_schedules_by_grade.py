"""分类分级监管: a C or D credit grade raises how often a producer is inspected (and a D one
sampled), from the current window on; the seed's minimums never drop whatever the grade."""

import datetime as dt

from nongan.inspections.schedules import owing
from nongan.producers.models import Producer
from nongan.testing import make_sample

from .test_schedules import by_label, certify, rows_of, scale, sh, small, visit

TODAY = dt.date(2026, 5, 15)


def graded(producer, grade):
    Producer.objects.filter(pk=producer.pk).update(credit_grade=grade)
    producer.credit_grade = grade
    return producer


def obligations(producer, period):
    return sorted({r["obligation"] for r in rows_of(producer, period, TODAY)})


def test_an_a_or_b_small_uncertified_producer_owes_nothing(world):
    for grade in "AB":
        producer = graded(small(world.pudong.the_producer), grade)
        assert rows_of(producer, "2026", TODAY) == []


def test_a_c_grade_asks_a_visit_a_quarter_from_the_current_quarter_on(world):
    producer = graded(small(world.pudong.the_producer), "C")
    assert by_label(rows_of(producer, "2026", TODAY, "grade_quarterly")) == {
        "2026-Q2": "due", "2026-Q3": "due", "2026-Q4": "due"}
    assert producer in owing(Producer.objects.all(), dt.date(2026, 4, 1), dt.date(2026, 6, 30))


def test_a_scale_producer_graded_c_owes_no_second_quarterly_visit(world):
    producer = graded(scale(world.pudong.the_producer), "C")
    assert obligations(producer, "2026-Q2") == ["quarterly"]


def test_a_d_grade_asks_monthly_visits_and_a_sample_a_quarter(world, templates):
    producer = graded(small(world.pudong.the_producer), "D")
    assert obligations(producer, "2026-Q2") == ["grade_monthly", "grade_sample"]
    assert by_label(rows_of(producer, "2026-Q2", TODAY, "grade_monthly")) == {
        "2026-05": "due", "2026-06": "due"}
    visit(producer, templates["daily"], sh(2026, 5, 3, 10), world.pudong.grid_worker)
    assert by_label(rows_of(producer, "2026-05", TODAY, "grade_monthly")) == {"2026-05": "done"}
    assert by_label(rows_of(producer, "2026-Q2", TODAY, "grade_sample")) == {"2026-Q2": "due"}


def test_a_sample_in_the_quarter_meets_the_sampling_obligation(world, templates):
    producer = graded(small(world.pudong.the_producer), "D")
    sample = make_sample(producer, actor=world.pudong.district_officer, kind="rapid",
                         lab=world.lab.org.pk)
    quarter = f"{sample.sampled_at.year}-Q{(sample.sampled_at.month - 1) // 3 + 1}"
    rows = rows_of(producer, quarter, sample.sampled_at.date(), "grade_sample")
    assert [r["done"] for r in rows] == [1]


def test_a_certified_producer_graded_d_keeps_one_monthly_visit_and_its_annual_check(world):
    producer = graded(scale(world.pudong.the_producer), "D")
    certify(producer)
    assert obligations(producer, "2026-05") == ["annual", "grade_sample", "monthly",
                                                "quarterly"]


def test_the_minimums_never_drop_for_a_good_grade(world):
    producer = graded(scale(world.pudong.the_producer), "A")
    certify(producer)
    assert obligations(producer, "2026-05") == ["annual", "monthly", "quarterly"]


def test_the_reminder_names_a_grade_obligation(world, templates):
    from nongan.inspections.notify import render
    from nongan.inspections.schedules import reminders_for

    graded(small(world.pudong.the_producer), "D")
    worker = world.pudong.grid_worker
    text = render(worker, reminders_for(worker, TODAY))
    assert "信用D月度巡查（2026-05）待检查" in text

"""Grades from events by the shipped rule table (pure functions, no database): every row
counts its points for its months and then no longer; forced grades hold for their period;
an open rectification counts until it is closed; a revoked penalty does not count."""

import datetime as dt
from types import SimpleNamespace

import pytest

from nongan.credit.grading import GRADES, LABELS, Rule, Rules, ended, grade
from nongan.credit.rules import read_shipped_rules, shipped_rules
from nongan.enforcement.case_rules import add_months

DAY = dt.date(2026, 5, 10)
RULES = shipped_rules()
ROWS = read_shipped_rules()


def event(kind, on=DAY, *, serious=False, settled_on="same", source=None, summary="事件摘要"):
    return SimpleNamespace(kind=kind, occurred_on=on, serious=serious, summary=summary,
                           source=source or f"test:{kind}:{on}",
                           settled_on=on if settled_on == "same" else settled_on)


def test_the_shipped_table_has_a_row_for_every_kind_that_counts():
    assert {r["kind"] for r in ROWS} == set(LABELS) - {"penalty_revoked"}
    assert (RULES.a_min, RULES.b_min, RULES.c_min) == (90, 75, 60)


def test_no_event_is_a_full_score_and_grade_a():
    assert grade([], RULES, DAY) == ("A", 100, [])


@pytest.mark.parametrize("row", ROWS, ids=[r["kind"] for r in ROWS])
def test_each_rule_counts_its_points_for_its_months_then_no_longer(row):
    rule = RULES.by_kind[row["kind"]]
    months = max(rule.months, rule.forced_months if rule.forced_grade else 0)
    # A period of 0 months means "while the rectification is open": settled 10 days on.
    settled = DAY if months else DAY + dt.timedelta(days=10)
    end = max(add_months(DAY, months), settled)
    happened = event(row["kind"], serious=rule.serious_only, settled_on=settled)
    found = grade([happened], RULES, DAY)
    score = min(100, 100 + rule.points)
    expected = RULES.grade_of(score)
    if rule.forced_grade:
        expected = max(expected, rule.forced_grade, key=GRADES.index)
    assert (found.grade, found.score) == (expected, score)
    assert f"{rule.points:+d} 分" in found.reasons[0] and LABELS[row["kind"]] in found.reasons[0]
    # The day before the period ends it still counts; from that day on it does not.
    assert grade([happened], RULES, end - dt.timedelta(days=1)).score == score
    assert grade([happened], RULES, end) == ("A", 100, [])


@pytest.mark.parametrize(("kinds", "expected"), [
    (["inspection_rectify"], ("A", 95)),
    (["inspection_rectify", "rectification_late"], ("A", 90)),
    (["inspection_rectify", "rectification_late", "inspection_rectify"], ("B", 85)),
    (["inspection_refer"], ("B", 85)),
    (["sample_non_compliant"], ("B", 85)),
    (["penalty"], ("C", 70)),
    (["certification_revoked"], ("B", 80)),
    (["commitment_missed"], ("B", 85)),
    (["commitment_signed", "inspection_rectify"], ("A", 97)),
    (["penalty", "sample_non_compliant", "inspection_refer"], ("D", 40)),
])
def test_the_shipped_table_grades_these_histories(kinds, expected):
    events = [event(k, source=f"s{n}") for n, k in enumerate(kinds)]
    assert tuple(grade(events, RULES, DAY))[:2] == expected


def test_a_serious_penalty_forces_d_for_twelve_months_then_its_points_remain():
    penalty = event("penalty", serious=True, summary="沪农罚〔2026〕1号 使用禁用农药")
    now = grade([penalty], RULES, DAY)
    assert (now.grade, now.score) == ("D", 70)
    assert any("信用等级不高于 D" in r and "计至 2027-05-09" in r for r in now.reasons)
    assert grade([penalty], RULES, dt.date(2027, 5, 9)).grade == "D"
    assert tuple(grade([penalty], RULES, dt.date(2027, 5, 10)))[:2] == ("C", 70)
    assert tuple(grade([penalty], RULES, dt.date(2028, 5, 10)))[:2] == ("A", 100)


def test_an_ordinary_penalty_forces_nothing():
    assert grade([event("penalty")], RULES, DAY).grade == "C"
    assert grade([event("sample_non_compliant")], RULES, DAY).grade == "B"
    assert grade([event("sample_non_compliant", serious=True)], RULES, DAY).grade == "C"


def test_an_unfinished_rectification_counts_until_it_is_closed_whatever_the_time():
    open_order = event("rectification_unfinished", settled_on=None)
    for later in (DAY, add_months(DAY, 13), add_months(DAY, 40)):
        found = grade([open_order], RULES, later)
        assert (found.grade, found.score) == ("C", 85)
        assert "整改完成前持续计入" in found.reasons[0]
    closed = event("rectification_unfinished", settled_on=DAY + dt.timedelta(days=9))
    assert grade([closed], RULES, DAY + dt.timedelta(days=8)).grade == "C"
    assert grade([closed], RULES, DAY + dt.timedelta(days=9)) == ("A", 100, [])


def test_a_settled_event_counts_until_its_period_and_its_settlement_are_both_over():
    rules = Rules(by_kind={"inspection_rectify": Rule(points=-20, months=3)})
    late = event("inspection_rectify", settled_on=add_months(DAY, 5))
    assert grade([late], rules, add_months(DAY, 4)).score == 80
    assert grade([late], rules, add_months(DAY, 5)).score == 100


def test_a_revoked_penalty_no_longer_counts():
    penalty = event("penalty", serious=True, source="case:7")
    revoked = event("penalty_revoked", DAY + dt.timedelta(days=20), source="case:7")
    assert grade([penalty, revoked], RULES, DAY + dt.timedelta(days=20)) == ("A", 100, [])
    # Only the penalty of the same case.
    other = event("penalty", source="case:8")
    assert grade([other, revoked], RULES, DAY + dt.timedelta(days=20)).score == 70


def test_future_events_do_not_count_and_the_score_stays_within_0_and_100():
    assert grade([event("penalty", DAY + dt.timedelta(days=1))], RULES, DAY).score == 100
    many = [event("penalty", source=f"case:{n}") for n in range(5)]
    assert tuple(grade(many, RULES, DAY))[:2] == ("D", 0)
    bonus = [event("commitment_signed", source=f"c{n}") for n in range(3)]
    assert grade(bonus, RULES, DAY).score == 100


def test_thresholds_come_from_the_rules():
    strict = Rules(by_kind=RULES.by_kind, a_min=99, b_min=96, c_min=90)
    assert grade([event("inspection_rectify")], strict, DAY).grade == "C"


def test_ended_names_the_events_whose_period_ran_out():
    rectify = event("inspection_rectify", source="i1")
    refer = event("inspection_refer", add_months(DAY, 6), source="i2")
    assert ended([rectify, refer], RULES, DAY, add_months(DAY, 12)) == [rectify]
    assert ended([rectify, refer], RULES, add_months(DAY, 12) + dt.timedelta(days=1),
                 add_months(DAY, 13)) == []

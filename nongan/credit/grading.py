"""How a grade follows from a producer's credit events (信用评价): pure functions of the
events, the rule table and the day — the same inputs always give the same grade.

- An event counts from the day it occurred: its rule's points are added to a start of 100
  (deductions are negative); the score stays within 0–100.
- It counts for its rule's `months` and then no longer (衰减). An event whose matter is
  still open (`settled_on` empty: a rectification not yet done) counts until it is settled;
  a settled one counts until the later of its period's end and the settlement — 信用修复
  needs both the period and the completed rectification. `months` 0 therefore means "while
  the matter is open".
- A rule may force a grade (the grade is then no better than it) for `forced_months`, for
  every event of its kind or, with `serious_only`, for serious ones; the forced grade lifts
  by the same rule as the points.
- A penalty whose decision was revoked (a `penalty_revoked` event of the same case) does
  not count.
- By score: A from `a_min`, B from `b_min`, C from `c_min`, D below; then the worst of that
  and the grades forced.

Events are any objects with `kind`, `occurred_on`, `summary`, `source`, `serious` and
`settled_on` (model rows or test doubles).
"""

import datetime as dt
from dataclasses import dataclass, field
from typing import NamedTuple

from nongan.enforcement.case_rules import add_months

START = 100
GRADES = "ABCD"  # best to worst
EVENT_KINDS = [
    ("commitment_signed", "签订承诺书"),
    ("commitment_missed", "未签订承诺书"),
    ("inspection_rectify", "巡查责令整改"),
    ("inspection_refer", "巡查移交执法"),
    ("rectification_late", "逾期完成整改"),
    ("rectification_unfinished", "逾期未整改"),
    ("sample_non_compliant", "抽检不合格"),
    ("penalty", "行政处罚"),
    ("penalty_revoked", "行政处罚撤销"),
    ("certification_revoked", "认证证书被撤销"),
]
LABELS = dict(EVENT_KINDS)
# penalty_revoked withdraws the penalty of the same case; it has no rule of its own.
WITHDRAWS = {"penalty_revoked": "penalty"}
RULE_KINDS = [k for k in EVENT_KINDS if k[0] not in WITHDRAWS]


@dataclass(frozen=True)
class Rule:
    points: int
    months: int
    forced_grade: str = ""
    forced_months: int = 0
    serious_only: bool = False


@dataclass(frozen=True)
class Rules:
    by_kind: dict[str, Rule] = field(default_factory=dict)
    a_min: int = 90
    b_min: int = 75
    c_min: int = 60
    version: int = 1

    def grade_of(self, score: int) -> str:
        for grade, low in (("A", self.a_min), ("B", self.b_min), ("C", self.c_min)):
            if score >= low:
                return grade
        return "D"


class Grading(NamedTuple):
    grade: str
    score: int
    reasons: list[str]


def window_end(occurred_on: dt.date, months: int, settled_on: dt.date | None):
    """The first day an event (or the grade it forces) no longer counts; None while its
    matter is open."""
    if settled_on is None:
        return None
    return max(add_months(occurred_on, months), settled_on)


def _counts(end, today) -> bool:
    return end is None or today < end


def _forces(event, rule: Rule) -> bool:
    return bool(rule.forced_grade) and (event.serious or not rule.serious_only)


def withdrawn(events) -> set[tuple[str, str]]:
    """(kind, source) of the events another event withdraws (a revoked penalty)."""
    return {(WITHDRAWS[e.kind], e.source) for e in events if e.kind in WITHDRAWS}


def _until(end) -> str:
    return "整改完成前持续计入" if end is None else \
        f"计至 {end - dt.timedelta(days=1):%Y-%m-%d}"


def grade(events, rules: Rules, today: dt.date) -> Grading:
    """The grade, the score and the reasons (one Chinese line per event that counts)."""
    gone = withdrawn(events)
    score, forced, reasons = START, [], []
    for event in sorted(events, key=lambda e: (e.occurred_on, e.kind, e.source)):
        rule = rules.by_kind.get(event.kind)
        if rule is None or event.occurred_on > today or (event.kind, event.source) in gone:
            continue
        what = f"{event.occurred_on:%Y-%m-%d} {LABELS[event.kind]}（{event.summary}）"
        end = window_end(event.occurred_on, rule.months, event.settled_on)
        if rule.points and _counts(end, today):
            score += rule.points
            reasons.append(f"{what}：{rule.points:+d} 分，{_until(end)}")
        if _forces(event, rule):
            end = window_end(event.occurred_on, rule.forced_months, event.settled_on)
            if _counts(end, today):
                forced.append(rule.forced_grade)
                serious = "严重失信，" if rule.serious_only else ""
                reasons.append(f"{what}：{serious}信用等级不高于 {rule.forced_grade}，"
                               f"{_until(end)}")
    score = max(0, min(START, score))
    return Grading(max([rules.grade_of(score), *forced], key=GRADES.index), score, reasons)


def _ends(event, rules: Rules, gone: set) -> list:
    """When the event's points and its forced grade stop counting (see `window_end`);
    empty when it does not count at all."""
    rule = rules.by_kind.get(event.kind)
    if rule is None or (event.kind, event.source) in gone:
        return []
    months = ([rule.months] if rule.points else []) + (
        [rule.forced_months] if _forces(event, rule) else [])
    return [window_end(event.occurred_on, m, event.settled_on) for m in months]


def last_day(event, rules: Rules, gone: set):
    """The last day an event counts: a date, "open" while its matter is open, None when it
    does not count at all."""
    ends = _ends(event, rules, gone)
    if not ends:
        return None
    if None in ends:
        return "open"
    return max(ends) - dt.timedelta(days=1)


def ended(events, rules: Rules, since: dt.date, today: dt.date) -> list:
    """Events whose points or forced grade stopped counting from `since` (the day of the
    last change of grade) to `today`: what a 信用修复 is owed to."""
    gone = withdrawn(events)
    return [e for e in events
            if any(end is not None and since <= end <= today for end in _ends(e, rules, gone))]


def better(new: str, old: str) -> bool:
    return GRADES.index(new) < GRADES.index(old)

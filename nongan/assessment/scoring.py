"""Scores from measurements: an indicator earns `weight × min(1, achieved / target)` points,
rounded to 0.1; a district's total is the sum of its indicators' points, and districts are
ranked by total (equal totals share a rank, the next rank skipping: 1, 2, 2, 4)."""

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from .indicators import METHODS
from .measurement import Measurement
from .tables import SHIPPED_YEAR, table_for

TENTH = Decimal("0.1")


def points(weight: Decimal, target: Decimal, achieved: Decimal) -> Decimal:
    share = min(Decimal("1"), achieved / target)
    return (weight * share).quantize(TENTH, rounding=ROUND_HALF_UP)


@dataclass
class Line:
    """One indicator of one district: the indicator, what was measured and its points."""

    indicator: object
    measurement: Measurement

    @property
    def achieved(self) -> Decimal:
        return self.measurement.achieved

    @property
    def score(self) -> Decimal:
        return points(self.indicator.weight, self.indicator.target, self.achieved)

    @property
    def lost(self) -> Decimal:
        return self.indicator.weight - self.score

    def as_dict(self) -> dict:
        ind, m = self.indicator, self.measurement
        return {"code": ind.code, "name": ind.name, "weight": float(ind.weight),
                "target": float(ind.target),
                "achieved": float(self.achieved.quantize(Decimal("0.0001"),
                                                         rounding=ROUND_HALF_UP)),
                "numerator": m.numerator, "denominator": m.denominator,
                "score": float(self.score), "lost": float(self.lost),
                "misses_count": len(m.misses)}


@dataclass
class DistrictResult:
    district: object
    year: int
    table_year: int
    table_version: int
    lines: list[Line] = field(default_factory=list)
    rank: int | None = None

    @property
    def total(self) -> Decimal:
        return sum((line.score for line in self.lines), Decimal("0.0"))

    def line(self, code: str) -> Line | None:
        return next((line for line in self.lines if line.indicator.code == code), None)


def compute(districts, year: int, today: dt.date, only: str = "") -> list[DistrictResult]:
    """Every active indicator of the year's table (or the one coded `only`) measured for
    all `districts` at once, the districts ranked by total."""
    table, indicators = table_for(year)
    if only:
        indicators = [i for i in indicators if i.code == only]
    results = {d.code: DistrictResult(d, year, table.year if table else SHIPPED_YEAR,
                                      table.version if table else 0) for d in districts}
    for ind in indicators:
        method = METHODS.get(ind.method)
        if not ind.active or method is None:
            continue
        params, _ = method.clean_params(ind.params)
        measured = method.compute(list(districts), year, params, today)
        for code, result in results.items():
            result.lines.append(Line(ind, measured[code]))
    ranked = list(results.values())
    rank(ranked)
    return ranked


def rank(results) -> None:
    ordered = sorted(results, key=lambda r: -r.total)
    for position, result in enumerate(ordered, 1):
        previous = ordered[position - 2] if position > 1 else None
        result.rank = (previous.rank if previous and previous.total == result.total
                       else position)

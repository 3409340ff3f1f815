"""The scores as the API, the pages and the Excel files show them: one district computed
live, with every lost point traced to its records; all districts from their stored scores
(`services.stored_scores`, refreshed daily), ranked."""

import datetime as dt
import functools
import itertools
from urllib.parse import urlencode

from django.urls import reverse
from django.utils import timezone

from nongan.inspections.schedules import shanghai_today

from .measurement import Misses
from .scoring import compute, rank
from .services import stored_scores


def misses_url(year: int, district: str, indicator: str) -> str:
    return "/api/v1/assessment/misses?" + urlencode(
        {"year": year, "district": district, "indicator": indicator})


def _district(region, year, total, lines, computed_at, rank_=None) -> dict:
    return {"code": region.code, "name": region.name, "total": float(total), "rank": rank_,
            "computed_at": computed_at,
            "page": reverse("assessment_district", args=[region.code]) + f"?year={year}",
            "indicators": [line | {"misses_url": misses_url(year, region.code, line["code"])}
                           for line in lines]}


def scores(districts, year: int, today: dt.date | None = None) -> list[dict]:
    """Per district: total, rank (several districts only) and each indicator's code,
    name, weight, target, achieved, numerator, denominator, score, lost and misses."""
    today = today or shanghai_today()
    if len(districts) == 1:
        result = compute(districts, year, today)[0]
        return [_district(result.district, year, result.total,
                          [line.as_dict() for line in result.lines], timezone.now())]
    stored = stored_scores(districts, year, today)
    rank(stored)
    return [_district(s.district, year, s.total, s.indicators, s.computed_at, s.rank)
            for s in stored]


def misses(districts, year: int, indicator: str = "", today: dt.date | None = None) -> Misses:
    """Every record that cost the districts points in the year (of one indicator, or all),
    as rows: district, indicator and the miss (computed live). Lazy as the misses are: a
    page of rows reads only the misses on it."""
    rows = Misses()
    for result in compute(districts, year, today or shanghai_today(), only=indicator):
        for line in result.lines:
            found = line.measurement.misses
            rows.stored(len(found), functools.partial(_rows, result.district, line.indicator,
                                                      found))
    return rows


def _rows(district, indicator, found, offset: int, limit: int | None) -> list[dict]:
    # To the end (the export): iterated, each run read whole once, not read ahead first.
    misses = itertools.islice(found, offset, None) if limit is None else \
        found[offset:offset + limit]
    return [{"district": district.code, "district_name": district.name,
             "indicator": indicator.code, "indicator_name": indicator.name, **miss.as_dict()}
            for miss in misses]

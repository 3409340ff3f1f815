"""Writes of the assessment: the city administrator's table for a year (all rows at once,
each checked; audited), and the stored scores the city table reads (`DistrictScore`),
refreshed daily by the worker, on demand by the city administrator, and whenever the city
table finds a district's row stale (not computed today, or by another table version)."""

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from nongan.core import audit
from nongan.core.errors import Conflict
from nongan.core.permissions import require
from nongan.inspections.schedules import shanghai_today
from nongan.regions.models import Region

from .measurement import CITY, local_day
from .models import AssessmentTable, DistrictScore, Indicator
from .scoring import compute
from .tables import SHIPPED_YEAR, clean_table, indicator_dict, table_for


def save_table(year: int, rows, *, actor, version=None, table_year=None,
               csv_lines=False) -> AssessmentTable:
    """修改考核表: the indicators applying from `year` on (until a later year's table),
    replacing that year's table if it has one — earlier years keep theirs. All rows are
    checked first (422 naming row and field); nothing is stored unless all pass. `version`
    and `table_year`, when given, must be those of the table in force that was edited
    (409 otherwise: someone saved in between)."""
    require(actor, "assessment.edit")
    clean = clean_table(rows, csv_lines=csv_lines)
    with transaction.atomic():
        table = AssessmentTable.objects.select_for_update().filter(year=year).first()
        current, indicators = table_for(year)
        seen = (current.year, current.version) if current else (SHIPPED_YEAR, 0)
        if (version not in (None, "") and str(version) != str(seen[1])) or (
                table_year not in (None, "") and str(table_year) != str(seen[0])):
            raise Conflict(f"{year}年度适用的考核表已被修改（现为 {seen[0]} 年起施行的第 "
                           f"{seen[1]} 版），请刷新后重新编辑")
        before = [_plain(indicator_dict(i)) for i in indicators]
        after = [_plain(row) for row in clean]
        if table is not None and before == after:
            return table
        if table is None:
            table = AssessmentTable.objects.create(year=year, updated_by=actor)
        else:
            table.version += 1
            table.updated_by = actor
            table.save()
            table.indicators.all().delete()
        Indicator.objects.bulk_create([Indicator(table=table, **row) for row in clean])
        audit.record("assessment.table.update", table, actor=actor, region_code=CITY,
                     before={"table_year": current.year if current else SHIPPED_YEAR,
                             "indicators": before},
                     after={"table_year": year, "version": table.version, "indicators": after})
    return table


def _plain(row: dict) -> dict:
    """A row as compared and audited: numbers as fixed text, whatever their type."""
    return {**{k: row[k] for k in ("code", "name", "method", "params", "clause", "order",
                                   "active")},
            "weight": f"{Decimal(str(row['weight'])):.1f}",
            "target": f"{Decimal(str(row['target'])):.4f}"}


def store_scores(results) -> None:
    """Keep computed results as the districts' stored scores (derived data, recomputable:
    the refresh that asks for it is audited, not each row)."""
    now = timezone.now()
    for r in results:
        DistrictScore.objects.update_or_create(
            year=r.year, district=r.district,
            defaults={"table_year": r.table_year, "table_version": r.table_version,
                      "total": r.total, "computed_at": now,
                      "indicators": [line.as_dict() for line in r.lines]})


def stored_scores(districts, year: int, today: dt.date | None = None) -> list[DistrictScore]:
    """The districts' stored scores for the year, computing in one pass those missing or
    stale (computed before today, or by another version of the table)."""
    today = today or shanghai_today()
    table, _ = table_for(year)
    key = (table.year if table else SHIPPED_YEAR, table.version if table else 0)
    rows = {s.district_id: s for s in DistrictScore.objects.filter(
        year=year, district__in=districts).select_related("district")}
    stale = [d for d in districts if d.code not in rows
             or local_day(rows[d.code].computed_at) != today
             or (rows[d.code].table_year, rows[d.code].table_version) != key]
    if stale:
        store_scores(compute(stale, year, today))
        rows |= {s.district_id: s for s in DistrictScore.objects.filter(
            year=year, district__in=stale).select_related("district")}
    return [rows[d.code] for d in districts]


def refresh_scores(year: int | None = None, *, actor=None, today: dt.date | None = None) -> dict:
    """重新计算: every district's scores for the year (this year by default) computed now
    and stored; audited. The worker runs it daily; the city administrator on demand."""
    if actor is not None:
        require(actor, "assessment.edit")
    today = today or shanghai_today()
    year = year or today.year
    districts = list(Region.objects.filter(level="district", active=True).order_by("code"))
    started = timezone.now()
    results = compute(districts, year, today)
    with transaction.atomic():
        store_scores(results)
        seconds = round((timezone.now() - started).total_seconds(), 1)
        audit.record("assessment.refresh", actor=actor, region_code=CITY,
                     object_type="assessment.districtscore", object_id=str(year),
                     after={"year": year, "districts": len(results), "seconds": seconds})
    return {"year": year, "districts": len(results), "seconds": seconds}

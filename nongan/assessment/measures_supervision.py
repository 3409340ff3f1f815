"""Indicators of inspections and monitoring (实施方案 四.(四).2 and 四.(四).3).

The inspection obligations are the schedule's own (`inspections.schedules`): the same
producers, windows and counting rules as the 巡查频次 page. Monitoring deadlines are the
samples' own `results_due` (10 days after sampling; a re-test's 7 working days after
receipt) and `monitoring.deadlines` for the monthly summary (by the 25th).
"""

import datetime as dt
import functools
from collections import defaultdict

from django.db.models import Count, F, Q
from django.db.models.functions import TruncDate

from nongan.inspections.schedules import windows_between
from nongan.inspections.standing import Standing
from nongan.monitoring import deadlines
from nongan.monitoring.models import MonthlySummary, Sample
from nongan.people.models import Organisation
from nongan.producers.models import Producer

from .measurement import (
    PREFETCH,
    SHANGHAI,
    Miss,
    day_start,
    late,
    link,
    local_day,
    per_district,
    year_span,
)

SAMPLE = "monitoring.sample"


def inspection_frequency(districts, year: int, params: dict, today: dt.date) -> dict:
    """巡查频次 (四.(四).2): each obligation of `params["obligations"]` (quarterly for scale
    producers, monthly for 二品一标, annual for green and organic) in the year's windows;
    a window counts once it has ended, or earlier when already met. The database works out
    the statuses and counts them (`Standing`); the producers with a missed window are read
    when their misses are asked."""
    found = per_district(districts)
    start, end = year_span(year)
    standing = Standing(Producer.objects.filter(district__in=list(found), active=True),
                        windows_between(start, end), today,
                        obligations=set(params["obligations"]), owing_in=(start, end))
    # One district asked (its page): the producers of its first misses come with the
    # counts, in the same statement.
    alone = len(found) == 1
    records, groups = standing.fetch("name, id", "n_overdue > 0", limit=PREFETCH if alone else 0,
                                     by="district")
    behind = _Behind(standing, records if alone else None)
    overdue = dict.fromkeys(found, 0)
    for code, _worst, _producers, done, _due, missed in groups:
        found[code].met(done)
        overdue[code] += missed
    for code, missed in overdue.items():
        found[code].missed_stored(missed, functools.partial(behind.misses, code))
    return found


class _Behind:
    """The missed windows, producer by producer in name order, read when asked: those of
    the producers read with the counts, else every producer behind (of every district
    asked) in one statement, once."""

    def __init__(self, standing, first):
        self.standing, self.first, self.every = standing, first, None

    def misses(self, code, offset, limit) -> list[Miss]:
        stop = None if limit is None else offset + limit
        rows = self.standing.rows(self.first or [], "overdue")
        # The first producers hold every miss asked, or are all there are.
        if self.first is None or (len(self.first) == PREFETCH
                                  and (stop is None or stop > len(rows))):
            if self.every is None:
                self.every, _ = self.standing.fetch("name, id", "n_overdue > 0")
            rows = self.standing.rows([r for r in self.every
                                       if r.producer.district_id == code], "overdue")
        return [Miss(row["producer"].name, link("producer", row["producer"].pk),
                     f"{row['name']}（{row['label']}）应{row['required']}次，实{row['done']}次",
                     "producers.producer", str(row["producer"].pk))
                for row in rows[offset:stop]]


def _samples(found, year: int, params: dict):
    start, end = year_span(year)
    return (Sample.objects
            .filter(district__in=list(found), kind__in=params["kinds"],
                    sampled_at__gte=day_start(start),
                    sampled_at__lt=day_start(end + dt.timedelta(days=1)))
            .order_by("sampled_at", "pk"))


def _sample_deadline(found, samples, today, moment_field, what) -> None:
    """One obligation per sample: `moment_field` (a datetime) on a Shanghai day on or
    before `results_due`. Counted in the database; the late samples are read when asked."""
    day = TruncDate(moment_field, tzinfo=SHANGHAI)
    owed = Q(**{f"{moment_field}__isnull": False}) | Q(results_due__lt=today)
    missed = owed & (Q(**{f"{moment_field}__isnull": True}) | Q(day__gt=F("results_due")))
    samples = samples.alias(day=day)
    for code, owed_n, missed_n in (samples.order_by().values("district")
                                   .annotate(owed=Count("pk", filter=owed),
                                             missed=Count("pk", filter=missed))
                                   .values_list("district", "owed", "missed")):
        found[code].met(owed_n - missed_n)
        found[code].missed_stored(missed_n, functools.partial(
            _late_samples, samples.filter(missed, district=code).values(*FIELDS, moment_field),
            moment_field, what))


def _late_samples(rows, moment_field, what, offset, limit) -> list[Miss]:
    return [Miss(f"{row['sample_no']}（{row['product']} · {row['producer__name']}）",
                 link("sample", row["sample_no"]),
                 late(what, row["results_due"], local_day(row[moment_field])), SAMPLE,
                 str(row["pk"]))
            for row in rows[offset:None if limit is None else offset + limit]]


FIELDS = ("pk", "sample_no", "product", "producer__name", "results_due")


def samples_tested_on_time(districts, year: int, params: dict, today: dt.date) -> dict:
    """采样后10日内完成检测 (四.(四).3): every sample of `params["kinds"]` taken in the
    district in the year, tested by its `results_due`."""
    found = per_district(districts)
    _sample_deadline(found, _samples(found, year, params), today, "completed_at", "检测")
    return found


def reports_uploaded_on_time(districts, year: int, params: dict, today: dt.date) -> dict:
    """对应样品编号上传检测报告 (四.(四).3): the report uploaded by the sample's
    `results_due` (a corrected report re-uploaded later moves the upload time: the
    indicator reads the report as it stands)."""
    found = per_district(districts)
    _sample_deadline(found, _samples(found, year, params), today, "report_uploaded_at",
                     "检测报告上传")
    return found


def monthly_summaries_on_time(districts, year: int, params: dict, today: dt.date) -> dict:
    """每月25日完成当月检测结果汇总 (四.(四).3). A summary is a lab's, not a district's: a
    district is answerable for the summaries of the labs that tested its samples — one
    obligation per lab and summary month of the year in which the lab completed a sample of
    the district (months as `monitoring.deadlines.summary_month` assigns them)."""
    found = per_district(districts)
    first = deadlines.summary_window(dt.date(year, 1, 1))[0]
    last = deadlines.summary_window(dt.date(year, 12, 1))[1]
    months = defaultdict(set)  # district -> {(lab, month)}
    # The days a lab completed a sample of the district, each once (not every sample).
    for code, lab, day in (Sample.objects
                           .filter(district__in=list(found), kind__in=params["kinds"],
                                   completed_at__gte=day_start(first),
                                   completed_at__lt=day_start(last + dt.timedelta(days=1)))
                           .order_by().values_list("district_id", "lab_id",
                                                   TruncDate("completed_at", tzinfo=SHANGHAI))
                           .distinct()):
        months[code].add((lab, deadlines.summary_month(day)))
    pairs = set().union(*months.values()) if months else set()
    labs = dict(Organisation.objects.filter(pk__in={lab for lab, _ in pairs})
                .values_list("pk", "name"))
    summaries = {(s.lab_id, s.month): s for s in MonthlySummary.objects.filter(
        lab__in=labs, month__gte=dt.date(year, 1, 1), month__lte=dt.date(year, 12, 1))}
    for code, wanted in months.items():
        for lab, month in sorted(wanted, key=lambda p: (p[1], labs.get(p[0], ""))):
            due = deadlines.summary_due(month)
            summary = summaries.get((lab, month))
            day = local_day(summary.submitted_at) if summary else None
            if day is None and due >= today:
                continue
            found[code].add(None if day is not None and day <= due else Miss(
                f"{labs.get(lab, lab)} {month:%Y年%m月}检测汇总表", link("summary_list"),
                late("汇总表上传", due, day), "monitoring.monthlysummary",
                str(summary.pk) if summary else ""))
    return found

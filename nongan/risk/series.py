"""Monthly series from the records (监测数据序列), aggregated in SQL.

A series is one region × product category × pesticide: per month (Asia/Shanghai) the
samples tested for the pesticide and those failing it (`over_limit`, `banned_detected`).
Each sample has one current result per analyte, so counting a series' current results is
counting its samples. The "all pesticides" series of a category (pesticide "") counts
samples by their verdict. The city's series are the districts' summed.

Left out: rapid tests (快检) — a positive/negative screening result that a laboratory
sample confirms, counted then as that sample — and re-test samples (复检), the retained
portion of a batch already counted. Months are keyed by a CASE over the month boundaries
(aware datetimes), the same SQL on SQLite and PostgreSQL and with no per-row function.
"""

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import numpy as np
from django.db.models import Case, Count, IntegerField, Q, Value, When

from nongan.monitoring.models import Result, Sample

SHANGHAI = ZoneInfo("Asia/Shanghai")
CITY = "310000000000"
LAB_KINDS = ("routine", "supervisory", "risk")
FAILING = ("over_limit", "banned_detected")
JUDGED = ("compliant", "non_compliant")


def add_months(month: dt.date, n: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + n
    return dt.date(index // 12, index % 12 + 1, 1)


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def at_midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=SHANGHAI)


def month_key(field: str, months: list[dt.date]) -> Case:
    """The index of the month a datetime column falls in (rows are already limited to
    `months[0]` ≤ value < the month after the last)."""
    ends = [at_midnight(add_months(m, 1)) for m in months]
    return Case(*[When(**{f"{field}__lt": end}, then=Value(i)) for i, end in enumerate(ends)],
                default=Value(len(months) - 1), output_field=IntegerField())


def lab_samples():
    """Laboratory samples that count in the statistics (no rapid tests, no re-tests)."""
    return Sample.objects.filter(kind__in=LAB_KINDS, retest_of__isnull=True)


@dataclass
class SeriesSet:
    """Series as rows of two (series × month) arrays; `keys[i]` = (region, category,
    pesticide) of row i, `months[j]` the first day of month j."""

    months: list[dt.date]
    keys: list[tuple[str, str, str]]
    counts: np.ndarray
    totals: np.ndarray

    def __len__(self):
        return len(self.keys)


def _assemble(rows, months) -> SeriesSet:
    index: dict[tuple, int] = {}
    cells = []
    for region, category, pesticide, month, total, failing in rows:
        i = index.setdefault((region, category or "", pesticide), len(index))
        cells.append((i, month, total, failing))
    counts = np.zeros((len(index), len(months)), dtype=np.int64)
    totals = np.zeros_like(counts)
    if cells:
        i, j, n, y = (np.array(c, dtype=np.int64) for c in zip(*cells, strict=True))
        np.add.at(totals, (i, j), n)
        np.add.at(counts, (i, j), y)
    return SeriesSet(months, list(index), counts, totals)


def _window(months: list[dt.date]) -> tuple[dt.datetime, dt.datetime]:
    return at_midnight(months[0]), at_midnight(add_months(months[-1], 1))


def analyte_series(months: list[dt.date], *, keys: set[tuple[str, str]] | None = None,
                   failing_only: bool = False) -> SeriesSet:
    """Per district × category × pesticide; `keys` limits to (category, pesticide) pairs,
    `failing_only` reads the failing results only (counts, and totals equal to them)."""
    if keys is not None and not keys:
        return _assemble([], months)
    start, end = _window(months)
    results = Result.objects.filter(
        current=True, sample__kind__in=LAB_KINDS, sample__retest_of__isnull=True,
        sample__sampled_at__gte=start, sample__sampled_at__lt=end)
    if failing_only:
        results = results.filter(status__in=FAILING)
    if keys is not None:
        results = results.filter(sample__category__in={c for c, _ in keys},
                                 analyte__in={p for _, p in keys})
    rows = (results.annotate(month=month_key("sample__sampled_at", months))
            .values_list("sample__district_id", "sample__category", "analyte", "month")
            .annotate(total=Count("pk"), failing=Count("pk", filter=Q(status__in=FAILING)))
            .order_by())
    found = _assemble(rows, months)
    if keys is None:
        return found
    return subset(found, [i for i, (_, c, p) in enumerate(found.keys) if (c, p) in keys])


def sample_series(months: list[dt.date]) -> SeriesSet:
    """Per district × category, all pesticides: samples by their verdict."""
    start, end = _window(months)
    rows = (lab_samples().filter(sampled_at__gte=start, sampled_at__lt=end, verdict__in=JUDGED)
            .annotate(month=month_key("sampled_at", months), pesticide=Value(""))
            .values_list("district_id", "category", "pesticide", "month")
            .annotate(total=Count("pk"), failing=Count("pk", filter=Q(verdict="non_compliant")))
            .order_by())
    return _assemble(rows, months)


def subset(found: SeriesSet, rows: list[int]) -> SeriesSet:
    return SeriesSet(found.months, [found.keys[i] for i in rows], found.counts[rows],
                     found.totals[rows])


def concat(a: SeriesSet, b: SeriesSet) -> SeriesSet:
    return SeriesSet(a.months, a.keys + b.keys, np.concatenate([a.counts, b.counts]),
                     np.concatenate([a.totals, b.totals]))


def city_series(districts: SeriesSet) -> SeriesSet:
    """The city's series: the districts' series summed per (category, pesticide)."""
    index: dict[tuple, int] = {}
    rows = np.array([index.setdefault((CITY, c, p), len(index)) for _, c, p in districts.keys],
                    dtype=np.int64)
    counts = np.zeros((len(index), len(districts.months)), dtype=np.int64)
    totals = np.zeros_like(counts)
    if len(rows):
        np.add.at(counts, rows, districts.counts)
        np.add.at(totals, rows, districts.totals)
    return SeriesSet(districts.months, list(index), counts, totals)


def first_month() -> dt.date | None:
    """The month of the earliest laboratory sample: series start there, not before (the
    months before the records began are unknown, not zero)."""
    first = lab_samples().order_by("sampled_at").values_list("sampled_at", flat=True).first()
    return month_start(first.astimezone(SHANGHAI).date()) if first else None

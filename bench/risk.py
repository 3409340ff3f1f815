"""Risk-warning benchmark: the full nightly run (`nongan.risk.runner.run_all`: series
aggregation in SQL, Farrington/EARS over every series with recent failures, the spatial
scans with 999 permutations, systemic checks, empirical-Bayes producer rates, writing the
warnings) over five years of Shanghai-scale monitoring — 100,000 laboratory samples with
20 analytes each (2 million results) in all 16 districts and their ~200 towns — beside a
plain numpy group-by over the same result rows (one `values_list` load of district,
category, month, analyte and status, then np.unique / np.bincount), printing both and the
ratio. Also times the recomputation after new results of one district.

    .venv/bin/python bench/risk.py                    # SQLite under /tmp/nongan-bench-risk
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/x .venv/bin/python bench/risk.py
                                                      # PostgreSQL database nongan_bench_risk
    ... --reuse                                       # keep the data of an earlier run

The data are built with bulk inserts into a fresh database of its own. What is planted so
the detectors have something to find: a jump of one pesticide in one district's vegetables
in the last complete month, and a cluster of failing towns in the last 90 days; elsewhere
about 2.5 % of samples fail (a tenth of them on a banned pesticide) and detected residues
lie between 0 and the limit. Not part of `make test`.
"""

import argparse
import csv
import datetime as dt
import random
import sys
import time
import uuid
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
from bulk import configure, insert_rows  # noqa: E402

HOME = Path("/tmp/nongan-bench-risk")
DB_NAME = "nongan_bench_risk"
SEED = 20261129

SAMPLES = 100_000
ANALYTES_PER_SAMPLE = 20
PRODUCERS = 20_000
YEARS = 5
FAIL_RATE = 0.025
BANNED_SHARE = 0.1
CATEGORIES = {"蔬菜": 0.6, "水果": 0.2, "食用菌": 0.05, "茶叶": 0.05, "粮食": 0.05,
              "水产品": 0.05}
ANALYTES = [f"农药{i:02d}" for i in range(60)]
PLANTED_DISTRICT, PLANTED_ANALYTE = "310117000000", "农药07"  # 松江区
CLUSTER_DISTRICT = "310120000000"  # 奉贤区


def _town_centroids(rng) -> None:
    """Towns around their district's centre (the seed does the same); a cluster needs
    positions."""
    from nongan.regions.models import Region

    centres = {}
    with (ROOT / "nongan/regions/data/district_centroids.csv").open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            centres[row["code"]] = (float(row["lon"]), float(row["lat"]))
    towns = list(Region.objects.filter(level="town", active=True))
    for town in towns:
        lon, lat = centres.get(town.district_id, (121.47, 31.23))
        town.centroid_lon = lon + rng.uniform(-0.12, 0.12)
        town.centroid_lat = lat + rng.uniform(-0.08, 0.08)
    Region.objects.bulk_update(towns, ["centroid_lon", "centroid_lat"], batch_size=1000)


def build() -> None:
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from nongan.inspections.schedules import SHANGHAI, shanghai_today
    from nongan.monitoring.models import MonitoringPlan, Result, Sample
    from nongan.people.models import Organisation
    from nongan.people.services import create_user
    from nongan.producers.models import Producer
    from nongan.regions.models import Region
    from nongan.regions.services import SHIPPED_DIVISIONS, apply_divisions

    rng = random.Random(SEED)
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    apply_divisions(SHIPPED_DIVISIONS, actor=None)
    _town_centroids(rng)
    city = Region.objects.get(code="310000000000")
    admin = create_user(username="bench-admin", role="city_admin", region=city,
                        password="bench-password-1", actor=None, check_password=False)
    lab_org = Organisation.objects.create(name="基准检测中心", kind="lab", region=city)
    lab = create_user(username="bench-lab", role="lab_staff", region=city, org=lab_org,
                      password="bench-password-1", actor=None, check_password=False)
    villages = list(Region.objects.filter(level="village", active=True)
                    .values_list("code", "town_id", "district_id"))
    cluster_towns = set(Region.objects.filter(level="town", district_id=CLUSTER_DISTRICT)
                        .order_by("code").values_list("code", flat=True)[:3])
    today = shanghai_today()
    first_day = today.replace(year=today.year - YEARS)
    span = (today - first_day).days
    last_month = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)

    with transaction.atomic():
        producers = []
        for i in range(PRODUCERS):
            village, town, district = rng.choice(villages)
            producers.append(Producer(name=f"基准主体{i:05d}", kind="grower", legal_rep="张三",
                                      district_id=district, town_id=town, village_id=village))
        Producer.objects.bulk_create(producers, batch_size=5000)
        plan = MonitoringPlan.objects.create(
            name="基准例行监测", level="city", kind="routine", region=city, starts_on=first_day,
            ends_on=today, analytes=ANALYTES, lab=lab_org, created_by=admin)
        planted = [p for p in producers if p.district_id == PLANTED_DISTRICT]
        clustered = [p for p in producers if p.town_id in cluster_towns]
        categories, weights = zip(*CATEGORIES.items(), strict=True)
        samples, failing = [], {}
        for i in range(SAMPLES):
            day = first_day + dt.timedelta(days=rng.randint(0, span - 1))
            p = rng.choice(producers)
            rate = FAIL_RATE
            if (today - day).days < 90 and i % 40 == 0:
                p, rate = rng.choice(clustered), 0.3  # the cluster
            category = rng.choices(categories, weights)[0]
            fails = rng.random() < rate
            samples.append(Sample(
                uuid=uuid.UUID(int=rng.getrandbits(128)), sample_no=f"B{i:09d}", plan=plan,
                kind="routine", lab=lab_org, producer=p, product=f"{category}{i % 10}",
                category=category, sampled_at=dt.datetime.combine(day, dt.time(10),
                                                                  tzinfo=SHANGHAI),
                sampler=lab, results_due=day + dt.timedelta(days=10),
                verdict="non_compliant" if fails else "compliant", completed_at=timezone.now(),
                district_id=p.district_id, town_id=p.town_id, village_id=p.village_id))
            if fails:
                failing[i] = rng.choice(ANALYTES)
        for k in range(9):  # the planted jump: last month, one district, one pesticide
            p = rng.choice(planted)
            day = last_month + dt.timedelta(days=k)
            samples.append(Sample(
                uuid=uuid.UUID(int=rng.getrandbits(128)), sample_no=f"P{k:09d}", plan=plan,
                kind="routine", lab=lab_org, producer=p, product="蔬菜0", category="蔬菜",
                sampled_at=dt.datetime.combine(day, dt.time(10), tzinfo=SHANGHAI),
                sampler=lab, results_due=day, verdict="non_compliant",
                completed_at=timezone.now(), district_id=p.district_id, town_id=p.town_id,
                village_id=p.village_id))
            failing[len(samples) - 1] = PLANTED_ANALYTE
        Sample.objects.bulk_create(samples, batch_size=5000)
        now = timezone.now()

        def results():
            for i, s in enumerate(samples):
                tested = rng.sample(ANALYTES, ANALYTES_PER_SAMPLE)
                bad = failing.get(i)
                if bad and bad not in tested:
                    tested[0] = bad
                for analyte in tested:
                    if analyte == bad:
                        banned = rng.random() < BANNED_SHARE
                        status = "banned_detected" if banned else "over_limit"
                        value = "0.8" if not banned else "0.05"
                    elif rng.random() < 0.15:
                        status, value = "compliant", f"{0.5 * rng.random() ** 3:.4f}"
                    else:
                        status, value = "not_detected", None
                    yield (s.pk, analyte, value, "mg/kg", "", status,
                           None if status == "banned_detected" else "0.5", "", "", "{}",
                           lab.pk, now, True, "")

        insert_rows(Result._meta.db_table,
                    ["sample_id", "analyte", "value", "unit", "method", "status", "mrl",
                     "matched_food", "standard", "basis", "entered_by_id", "entered_at",
                     "current", "reason"], results())
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"built in {time.perf_counter() - started:.0f} s")


def numpy_group_by(months) -> dict:
    """The temporal series' group-by done in numpy over the same rows: one values_list load,
    months by searchsorted on the boundaries, then np.unique / np.bincount."""
    import numpy as np

    from nongan.monitoring.models import Result
    from nongan.risk import series

    edges = [series.at_midnight(series.add_months(m, 1)).timestamp() for m in months]
    start = series.at_midnight(months[0])
    rows = list(Result.objects.filter(
        current=True, sample__kind__in=series.LAB_KINDS, sample__retest_of__isnull=True,
        sample__sampled_at__gte=start,
        sample__sampled_at__lt=series.at_midnight(series.add_months(months[-1], 1)))
        .values_list("sample__district_id", "sample__category", "sample__sampled_at",
                     "analyte", "status"))
    district, category, at, analyte, status = zip(*rows, strict=True)
    month = np.searchsorted(np.array(edges), np.array([t.timestamp() for t in at]),
                            side="right")
    keys = np.char.add(np.char.add(np.array(district), np.array(category)),
                       np.array(analyte))
    names, series_index = np.unique(keys, return_inverse=True)
    cell = series_index * len(months) + month
    size = len(names) * len(months)
    failing = np.isin(np.array(status), list(series.FAILING))
    return {"series": len(names), "rows": len(rows),
            "tested": np.bincount(cell, minlength=size),
            "failed": np.bincount(cell, weights=failing, minlength=size)}


def run() -> None:
    from django.db import connection
    from django.urls import reverse

    from nongan.inspections.schedules import shanghai_today
    from nongan.monitoring.models import Result, Sample
    from nongan.risk import rules
    from nongan.risk.findings.temporal import months_loaded
    from nongan.risk.models import RiskWarning, WarningEvent
    from nongan.risk.runner import run_after_results, run_all

    today = shanghai_today()
    print(f"database: {connection.vendor}; samples: {Sample.objects.count():,}; results: "
          f"{Result.objects.count():,}; today {today}")
    # A reused database keeps the last run's warnings: start from none, so the first run
    # issues and the second finds everything unchanged.
    WarningEvent.objects.all().delete()
    RiskWarning.objects.all().delete()
    reverse("warning_list")  # the URL configuration loads once per worker process
    started = time.perf_counter()
    first = run_all(today)
    nightly = time.perf_counter() - started
    started = time.perf_counter()
    again = run_all(today)
    rerun = time.perf_counter() - started
    started = time.perf_counter()
    after = run_after_results(PLANTED_DISTRICT, [], today)
    district = time.perf_counter() - started

    months = months_loaded(today, rules.current())
    numpy_group_by(months)  # warm
    started = time.perf_counter()
    grouped = numpy_group_by(months)
    floor = time.perf_counter() - started

    print(f"nightly run_all (first, writing): {nightly:.2f} s  stages: {first['seconds']}")
    print(f"  series evaluated {first['series_evaluated']:,}, spatial scans {first['scans']}, "
          f"producers {first['producers_evaluated']:,}; findings {first['findings']}; "
          f"issued {first['issued']}")
    print(f"nightly run_all (again, nothing new): {rerun:.2f} s  unchanged {again['unchanged']}")
    print(f"after results of one district: {district:.2f} s  "
          f"(series {after['series_evaluated']}, findings {after['findings']})")
    print(f"numpy group-by over the same {grouped['rows']:,} result rows "
          f"({len(months)} months, {grouped['series']:,} series): {floor:.2f} s")
    print(f"ratio nightly run ÷ numpy group-by: {nightly / floor:.2f}")
    by_kind = RiskWarning.objects.values_list("kind", "level")
    print(f"warnings: {len(by_kind)} {dict(Counter(by_kind))}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reuse", action="store_true", help="keep the data of an earlier run")
    args = parser.parse_args()
    configure(DB_NAME, HOME, args.reuse)
    if not args.reuse:
        build()
    run()


if __name__ == "__main__":
    main()

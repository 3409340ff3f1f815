"""Dashboard benchmarks (分析评价) on five years of Shanghai-scale monitoring data: about
100,000 samples with 20 analytes each (2 million results) in all 16 districts, 10,000
producers with plots, certificates, inspections, a commitment campaign, warnings and
cases — built with bulk inserts into a fresh database of its own:

    .venv/bin/python bench/analysis.py                      # SQLite under /tmp
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/x .venv/bin/python bench/analysis.py
                                        # PostgreSQL database `nongan_bench_analysis`
    ... --reuse                         # keep the data built by an earlier run

Times every dashboard query (each figure of `nongan.analysis.figures`, the whole page and
the API overview) for the city and for one district over the five years (p50 of
BENCH_RUNS runs), names the slowest, and times a plain numpy group-by over the same rows
(one `values_list` load, then np.unique / np.bincount) — printing both and the ratio.
Not part of `make test`.
"""

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
from bulk import configure, insert_rows  # noqa: E402
from bulk import timed as bulk_timed  # noqa: E402

HOME = Path("/tmp/nongan-bench-analysis")
DB_NAME = "nongan_bench_analysis"
RUNS = int(os.environ.get("BENCH_RUNS", "5"))
SEED = 20260301

SAMPLES = 100_000
ANALYTES_PER_SAMPLE = 20
PRODUCERS = 10_000
PUDONG = "310115000000"
CITY = "310000000000"


def build() -> None:
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from nongan.commitments.models import Campaign, Commitment, Letter
    from nongan.enforcement.models import Case
    from nongan.inspections.models import ChecklistTemplate, Inspection
    from nongan.inspections.schedules import SHANGHAI, shanghai_today
    from nongan.monitoring.models import MonitoringPlan, Result, Sample
    from nongan.people.models import Organisation
    from nongan.people.services import create_user
    from nongan.producers.models import Certification, Plot, Producer
    from nongan.regions.models import Grid, Region
    from nongan.regions.services import SHIPPED_DIVISIONS, apply_divisions
    from nongan.risk.models import RiskWarning
    from nongan.testing import square

    rng = random.Random(SEED)
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    apply_divisions(SHIPPED_DIVISIONS, actor=None)
    city = Region.objects.get(code=CITY)
    admin = create_user(username="bench-admin", role="city_admin", region=city,
                        password="bench-password-1", actor=None, check_password=False)
    create_user(username="bench-pudong", role="district_officer",
                region=Region.objects.get(code=PUDONG), password="bench-password-1",
                actor=None, check_password=False)
    lab_org = Organisation.objects.create(name="基准检测中心", kind="lab", region=city)
    lab = create_user(username="bench-lab", role="lab_staff", region=city, org=lab_org,
                      password="bench-password-1", actor=None, check_password=False)
    villages = list(Region.objects.filter(level="village", active=True)
                    .values_list("code", "town_id", "district_id"))
    grids = dict(Grid.objects.filter(kind="village").values_list("village_id", "pk"))
    today = shanghai_today()
    first_day = dt.date(today.year - 4, 1, 1)
    span_days = (today - first_day).days

    with transaction.atomic():
        producers = []
        for i in range(PRODUCERS):
            village, town, district = rng.choice(villages)
            producers.append(Producer(
                name=f"基准生产主体{i:05d}", kind=rng.choice(["enterprise", "cooperative",
                                                            "family_farm", "grower"]),
                legal_rep="张三", district_id=district, town_id=town, village_id=village,
                area_mu=rng.randint(5, 500), is_scale=rng.random() < 0.4,
                grid_id=grids.get(village)))
        Producer.objects.bulk_create(producers, batch_size=2000)
        Plot.objects.bulk_create([Plot(
            plot_no=f"B{p.pk:08d}", producer=p, district_id=p.district_id, town_id=p.town_id,
            village_id=p.village_id, grid_id=p.grid_id, geometry=square(121.5, 31.2),
            area_mu=p.area_mu, min_lon=121.5, min_lat=31.2, max_lon=121.501,
            max_lat=31.201) for p in producers], batch_size=2000)
        Certification.objects.bulk_create([Certification(
            producer=p, kind="green", cert_no=f"GB{p.pk:08d}", products="蔬菜",
            valid_from=first_day, valid_to=today + dt.timedelta(days=365))
            for p in rng.sample(producers, PRODUCERS // 20)])

        template = ChecklistTemplate.objects.create(code="bench", name="日常巡查",
                                                    kind="daily")
        scale = [p for p in producers if p.is_scale]
        visits = []
        for quarter_start in range(0, span_days, 91):
            for p in scale:
                if rng.random() < 0.7:
                    at = dt.datetime.combine(first_day + dt.timedelta(
                        days=quarter_start + rng.randint(0, 90)), dt.time(10), tzinfo=SHANGHAI)
                    if at.date() <= today:
                        visits.append(Inspection(
                            uuid=uuid.UUID(int=rng.getrandbits(128)), producer=p,
                            grid_id=p.grid_id, template=template, inspector=admin,
                            started_at=at, finished_at=at, lon=121.5, lat=31.2, result="pass",
                            payload_hash="bench", district_id=p.district_id,
                            town_id=p.town_id, village_id=p.village_id))
        Inspection.objects.bulk_create(visits, batch_size=5000)

        campaign = Campaign.objects.create(region=city, year=today.year,
                                           deadline=dt.date(today.year, 3, 31),
                                           letter_template="告知书", pledge="承诺",
                                           started_by=admin)
        Letter.objects.bulk_create([Letter(
            campaign=campaign, producer=p, number=f"沪农告〔{today.year}〕{i + 1}号",
            serial=i + 1, text="告知书", issuer="上海市农业农村委员会",
            issued_on=dt.date(today.year, 1, 10)) for i, p in enumerate(producers)],
            batch_size=5000)
        Commitment.objects.bulk_create([Commitment(
            producer=p, campaign=campaign, year=today.year, villages=[p.village_id],
            area_mu=p.area_mu, products=[], methods=["open_field"], scope="种植",
            plots=[], plots_area_mu=p.area_mu, map_image="", pledge="承诺", signatory="张三",
            signed_on=dt.date(today.year, 3, rng.randint(1, 28)), entered_by=admin)
            for p in producers if rng.random() < 0.85], batch_size=5000)

        plan = MonitoringPlan.objects.create(
            name="基准例行监测", level="city", kind="routine", region=city, starts_on=first_day,
            ends_on=today, analytes=[], lab=lab_org, created_by=admin)
        products = [f"产品{i:02d}" for i in range(60)]
        analytes = [f"农药{i:03d}" for i in range(130)]
        samples = []
        for i in range(SAMPLES):
            p = rng.choice(producers)
            day = first_day + dt.timedelta(days=rng.randint(0, span_days))
            at = dt.datetime.combine(day, dt.time(rng.randint(7, 18), rng.randint(0, 59)),
                                     tzinfo=SHANGHAI)
            recent = (today - day).days < 10
            verdict = ("incomplete" if recent and rng.random() < 0.5
                       else "non_compliant" if rng.random() < 0.03 else "compliant")
            samples.append(Sample(
                uuid=uuid.UUID(int=rng.getrandbits(128)), sample_no=f"BENCH{i:08d}",
                plan=plan, kind="routine", lab=lab_org, producer=p,
                product=rng.choice(products), category="蔬菜", sampled_at=at, sampler=lab,
                results_due=day + dt.timedelta(days=10), verdict=verdict,
                completed_at=None if verdict == "incomplete" else at,
                district_id=p.district_id, town_id=p.town_id, village_id=p.village_id))
        Sample.objects.bulk_create(samples, batch_size=5000)
        now = timezone.now()

        def results():
            for s in samples:
                if s.verdict == "incomplete":
                    continue
                tested = rng.sample(analytes, ANALYTES_PER_SAMPLE)
                failing = tested[0] if s.verdict == "non_compliant" else None
                for analyte in tested:
                    status = (rng.choice(["over_limit", "banned_detected"])
                              if analyte == failing
                              else "compliant" if rng.random() < 0.1 else "not_detected")
                    yield (s.pk, analyte, None if status == "not_detected" else "0.01",
                           "mg/kg", "", status, "", "", "{}", lab.pk, now, True, "")

        insert_rows(Result._meta.db_table,
                    ["sample_id", "analyte", "value", "unit", "method", "status",
                     "matched_food", "standard", "basis", "entered_by_id", "entered_at",
                     "current", "reason"], results())

        towns = list(Region.objects.filter(level="town", active=True)
                     .values_list("code", "district_id"))
        RiskWarning.objects.bulk_create([RiskWarning(
            key=f"bench-{i}", level=rng.choice(["red", "orange", "yellow", "blue"]),
            kind="spatial", region_id=town, district_id=district, town_id=town,
            explanation="基准预警", figures={}, issued_at=now, detected_at=now,
            status=rng.choice(["issued", "acknowledged", "acting", "closed"]))
            for i, (town, district) in enumerate(rng.sample(towns, 150))])
        Case.objects.bulk_create([Case(
            case_no=f"沪农罚〔{today.year}〕{i}号", title="基准案件", source="sample",
            party=p, stage=rng.choice([s for s, _ in Case.STAGES]),
            opened_on=first_day + dt.timedelta(days=rng.randint(0, span_days)),
            decision_due=today, created_by=admin, district_id=p.district_id,
            town_id=p.town_id, village_id=p.village_id)
            for i, p in enumerate(rng.sample(producers, 600))])
    with connection.cursor() as cursor:  # planner statistics for the bulk-loaded tables
        cursor.execute("ANALYZE")
    print(f"built in {time.perf_counter() - started:.0f} s")


# --- timing --------------------------------------------------------------------------------


def timed(fn, runs=RUNS) -> float:
    """p50 in milliseconds after one warm-up run."""
    return statistics.median(bulk_timed(fn, runs))


def figures(scope) -> dict:
    from nongan.analysis.figures import (
        cases,
        commitments,
        inspections,
        register,
        samples,
        warnings,
    )

    return {
        "register": lambda: register.register(scope),
        "coverage": lambda: register.coverage(scope),
        "register by area": lambda: register.areas(scope),
        "commitments": lambda: commitments.signing(scope),
        "inspections (schedule)": lambda: inspections.inspections(scope),
        "samples: totals": lambda: samples.totals(scope),
        "samples by month": lambda: samples.by_month(scope),
        "samples by product": lambda: samples.by_product(scope),
        "samples by pesticide": lambda: samples.by_pesticide(scope),
        "samples by area": lambda: samples.by_area(scope, scope.area_level),
        "warnings": lambda: warnings.warnings(scope),
        "cases": lambda: cases.cases(scope),
    }


def numpy_twins(scope) -> dict:
    """The same group-bys in numpy, each after one values_list load of the same rows."""
    import numpy as np

    from nongan.analysis.figures import samples
    from nongan.inspections.schedules import SHANGHAI
    from nongan.monitoring.models import NON_COMPLIANT

    def by_pesticide():
        rows = np.array(list(samples.results(samples.samples(scope))
                            .values_list("analyte", "status")))
        names, index = np.unique(rows[:, 0], return_inverse=True)
        failed = np.bincount(index, weights=np.isin(rows[:, 1], list(NON_COMPLIANT)))
        tested = np.bincount(index)
        top = np.argsort(-failed, kind="stable")[:10]
        return [(names[i], failed[i], tested[i]) for i in top]

    def by_month():
        rows = list(samples.samples(scope).values_list("sampled_at", "verdict"))
        months = np.array([(t.astimezone(SHANGHAI).year * 12 + t.astimezone(SHANGHAI).month)
                           for t, _ in rows])
        verdicts, index = np.unique(np.array([v for _, v in rows]), return_inverse=True)
        key = (months - months.min()) * len(verdicts) + index
        return np.bincount(key)

    def by_column(column):
        def run():
            rows = np.array(list(samples.samples(scope).values_list(column, "verdict")))
            keys, index = np.unique(rows[:, 0] + "\x00" + rows[:, 1], return_inverse=True)
            return keys, np.bincount(index)
        return run

    def schedule():
        """The quarterly and monthly obligations (the bulk of the schedule's rows) from the
        rows the schedule reads: owing producers, their visits and their certificates."""
        from nongan.inspections import schedules
        from nongan.inspections.models import Inspection
        from nongan.producers.models import Certification
        from nongan.regions import queries as rq

        owing = schedules.owing(rq.producers(scope.user, scope.region), scope.start,
                                scope.end)
        producers = np.array(list(owing.order_by("pk").values_list("pk", "is_scale")))
        ids, scale = producers[:, 0], producers[:, 1].astype(bool)
        visits = list(Inspection.objects.filter(
            producer_id__in=owing.values("pk"), finished_at__gte=scope.since,
            finished_at__lt=scope.until).values_list("producer_id", "finished_at"))
        certs = list(Certification.objects.filter(
            producer_id__in=owing.values("pk"), kind__in=("green", "organic", "gi"),
            valid_from__lte=scope.end, valid_to__gte=scope.start)
            .values_list("producer_id", "valid_from", "valid_to"))
        first = scope.start.year * 12 + scope.start.month - 1
        months = scope.end.year * 12 + scope.end.month - first
        at = np.array([t.astimezone(SHANGHAI).replace(tzinfo=None) for _, t in visits],
                      dtype="datetime64[M]").astype(int) + 1970 * 12 - first
        who = np.searchsorted(ids, np.array([p for p, _ in visits]))
        counts = np.bincount(who * months + at, minlength=len(ids) * months).reshape(
            len(ids), months)
        now = schedules.shanghai_today()
        current = now.year * 12 + now.month - 1 - first
        quarters = -(-(months + first % 3) // 3)
        padded = np.zeros((len(ids), quarters * 3), dtype=int)
        padded[:, first % 3:first % 3 + months] = counts
        by_quarter = padded.reshape(len(ids), quarters, 3).sum(axis=2)[scale]
        ended = np.arange(quarters) < (current + first % 3) // 3
        certified = np.zeros((len(ids), months), dtype=bool)
        for producer, since, until in certs:
            row = np.searchsorted(ids, producer)
            a = max(0, since.year * 12 + since.month - 1 - first)
            certified[row, a:until.year * 12 + until.month - first] = True
        ended_month = np.arange(months) < current
        done = (by_quarter > 0).sum() + ((counts > 0) & certified).sum()
        overdue = ((by_quarter == 0) & ended).sum() + (
            (counts == 0) & certified & ended_month).sum()
        total = by_quarter.size + certified.sum()
        return {"done": done, "overdue": overdue, "due": total - done - overdue}

    return {"inspections (schedule)": schedule,
            "samples by pesticide": by_pesticide, "samples by month": by_month,
            "samples by product": by_column("product"),
            "samples by area": by_column(scope.area_level + "_id")}


def run() -> None:
    from django.db import connection
    from django.test import Client

    from nongan.analysis.scope import Scope
    from nongan.inspections.schedules import shanghai_today
    from nongan.monitoring.models import Result, Sample
    from nongan.people.models import User
    from nongan.regions.models import Region

    today = shanghai_today()
    start = dt.date(today.year - 4, 1, 1)
    who = {"city": (User.objects.get(username="bench-admin"), Region.objects.get(code=CITY)),
           "浦东": (User.objects.get(username="bench-pudong"),
                  Region.objects.get(code=PUDONG))}
    print(f"database: {connection.vendor}; samples: {Sample.objects.count()}; results: "
          f"{Result.objects.count()}; period {start} – {today}; runs: {RUNS}")
    print(f"{'query':34} {'city ms':>10} {'浦东 ms':>10}")
    found: dict[str, dict[str, float]] = {}
    for key, (user, region) in who.items():
        scope = Scope(user=user, region=region, start=start, end=today)
        for name, fn in figures(scope).items():
            found.setdefault(name, {})[key] = timed(fn)
        client = Client()
        client.force_login(user)
        query = f"?from={start}&to={today}"

        def page(client=client, query=query):
            assert client.get("/analysis/" + query).status_code == 200

        def api(client=client, query=query):
            assert client.get("/api/v1/stats/overview" + query).status_code == 200

        found.setdefault("page /analysis/ (everything)", {})[key] = timed(page, max(1, RUNS // 2))
        found.setdefault("API /stats/overview", {})[key] = timed(api, max(1, RUNS // 2))
    for name, times in found.items():
        print(f"{name:34} {times['city']:10.1f} {times['浦东']:10.1f}")
    queries = {n: t for n, t in found.items() if not n.startswith(("page", "API"))}
    slowest = max(queries, key=lambda n: queries[n]["city"])
    print(f"\nslowest query: {slowest} — city {queries[slowest]['city']:.0f} ms")
    twins = numpy_twins(Scope(user=who["city"][0], region=who["city"][1], start=start,
                              end=today))
    for name in [slowest] + sorted(set(twins) - {slowest}):
        if name not in twins:
            print(f"{name}: no numpy twin")
            continue
        floor = timed(twins[name])
        mark = "slowest: " if name == slowest else "  also "
        print(f"{mark}{name}: query {queries[name]['city']:.0f} ms; numpy group-by over the "
              f"same rows (one values_list load + np.unique/bincount) {floor:.0f} ms; "
              f"query ÷ numpy = {queries[name]['city'] / floor:.2f}")



def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reuse", action="store_true", help="keep the data of an earlier run")
    args = parser.parse_args()
    configure(DB_NAME, HOME, args.reuse)
    if not args.reuse:
        build()
    run()


if __name__ == "__main__":
    main()

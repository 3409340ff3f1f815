"""Register benchmarks: the producer list filtered to one district, as a district officer
uses it, and the inspection schedules, beside a floor measured in the same run (the
producer rows by raw SQL).

Run after `nongan seed --producers 30000`:  .venv/bin/python bench/register.py
Prints p50/p95 in milliseconds and the ratio to the floor. Not part of `make test`.
"""

import os
import statistics
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nongan.settings")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from nongan.people.models import User  # noqa: E402
from nongan.producers.models import Producer  # noqa: E402

RUNS = int(os.environ.get("BENCH_RUNS", "30"))


def timed(fn, runs=RUNS) -> list[float]:
    fn()  # warm caches and connections
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def pct(samples, q):
    return statistics.quantiles(samples, n=100)[q - 1] if len(samples) > 1 else samples[0]


def main():
    officer = User.objects.filter(role="district_officer", region_id="310115000000").first()
    if officer is None:
        sys.exit("seed first: nongan seed --producers 30000")
    total = Producer.objects.count()
    in_district = Producer.objects.filter(district_id="310115000000").count()
    client = Client()
    client.force_login(officer)
    deep = max(1, in_district // 50 - 1)

    def floor_sql(offset):
        def run():
            with connection.cursor() as cur:
                cur.execute("SELECT COUNT(*) FROM producers_producer WHERE district_id = %s "
                            "AND active", ["310115000000"])
                cur.execute("SELECT * FROM producers_producer WHERE district_id = %s AND active "
                            "ORDER BY name, id LIMIT 50 OFFSET %s", ["310115000000", offset])
                cur.fetchall()
        return run

    def get(path):
        def run():
            response = client.get(path)
            assert response.status_code == 200, (path, response.status_code)
        return run

    cases = [
        ("floor: raw SQL count + page 1", floor_sql(0), None),
        ("floor: raw SQL count + deep page", floor_sql(deep * 50), None),
        ("API /producers?region=浦东 page 1", get("/api/v1/producers?region=310115000000"), 0),
        (f"API /producers?region=浦东 page {deep + 1}",
         get(f"/api/v1/producers?region=310115000000&page={deep + 1}"), 1),
        ("page /producers/?region=浦东 page 1", get("/producers/?region=310115000000"), 0),
        (f"page /producers/?region=浦东 page {deep + 1}",
         get(f"/producers/?region=310115000000&page={deep + 1}"), 1),
        ("API search q=合作社 in 浦东", get("/api/v1/producers?q=合作社"), 0),
        ("page /schedules/ 浦东, a year, by town", get("/schedules/?period=2025&by=town"), 0),
        ("API /schedules 浦东, a quarter", get("/api/v1/schedules?period=2025-Q4"), 0),
        ("page /todo/ 浦东", get("/todo/"), 0),
    ]
    print(f"database: {connection.vendor}; producers: {total}; in 浦东: {in_district}; "
          f"runs: {RUNS}")
    print(f"{'case':45} {'p50 ms':>8} {'p95 ms':>8} {'× floor':>8}")
    floors = []
    for name, fn, floor_index in cases:
        samples = timed(fn)
        p50, p95 = pct(samples, 50), pct(samples, 95)
        if floor_index is None:
            floors.append(p50)
            ratio = ""
        else:
            ratio = f"{p50 / floors[floor_index]:.1f}"
        print(f"{name:45} {p50:8.1f} {p95:8.1f} {ratio:>8}")


if __name__ == "__main__":
    main()

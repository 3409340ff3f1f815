"""City-scale benchmark (issue 9): on a seeded database, what a district officer (浦东,
310115000000) waits for, and what the city's heavy jobs cost, each beside a floor measured
in the same run.

    .venv/bin/python bench/city.py                 # the database of NONGAN_HOME / DATABASE_URL
    BENCH_RUNS=50 .venv/bin/python bench/city.py --only /producers/

Cases:
- every page of the URL configuration without a path parameter (a redirect to the
  officer's own region followed) and every API GET route without one that takes a `page`
  (its OpenAPI document) and answers one (`count`, `items`: nongan/core/listing.py
  page_of), asked by the district officer with `region=` the district: page 1 and, when
  there are more, the last page (OFFSET at its deepest). A new page or list is in the table
  without anyone adding it; SKIP names what is not timed and why, and the output lists the
  routes that refuse an officer (403, 405);
- the detail page and API entry of a producer, an inspection, a sample and a case of the
  district; the city's to-do, schedules and dashboard (as the city admin); the register
  export of the whole city (30,000 rows at Shanghai scale);
- a producer import of 10,000 valid rows through the upload page and the worker's task
  (inside a transaction rolled back, so the database can be benched again), beside the
  same rows inserted bare (bench/bulk.py insert_rows: executemany on SQLite, COPY on
  PostgreSQL);
- the nightly risk run (rolled back likewise) beside bench/risk.py's numpy group-by;
- finding the plots under a point (producers.services.candidates_near, then the shapes),
  and 划入网格 of every plot of the city (regions.services.place_in_village_grids, after
  every plot's grid is cleared, rolled back).

The floor of a case is the SQL it ran — captured with CaptureQueriesContext on its first
call — read again raw through the same connection (its SELECTs, to the last row), so the
ratio is our Python over the database's own time. An export's floor also writes the cells
the export wrote into a workbook with openpyxl. ★ marks a p95 over its target (list and
detail pages 150 ms, the dashboard 1 s, the import 30 s) or a p50 over 5× its floor.
BENCH_RUNS (default 20) runs per page; the heavy jobs run a tenth as often. On PostgreSQL
the statistics are refreshed first and a rolled-back job's dead rows vacuumed after it.
Not part of `make test`.
"""

import argparse
import datetime as dt
import io
import itertools
import logging
import os
import re
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))
sys.path.insert(0, str(BENCH))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nongan.settings")
# The city admin's pages are asked through force_login, which an authenticator requirement
# would send to enrolment; the bench measures the pages, not the second factor.
os.environ.setdefault("NONGAN_ADMIN_TOTP_ROLES", "")

import bulk  # noqa: E402
import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import URLPattern, URLResolver, get_resolver, reverse  # noqa: E402

from nongan.core.listing import DEFAULT_PAGE_SIZE  # noqa: E402

RUNS = int(os.environ.get("BENCH_RUNS", "20"))
HEAVY_RUNS = max(1, RUNS // 10)
DISTRICT = "310115000000"  # 浦东新区
LIST_MS, DASHBOARD_MS, IMPORT_MS = 150, 1000, 30_000
FLOOR_RATIO = 5
IMPORT_ROWS = 10_000
LOOKUP_POINTS = 20
# Pages with their own target (the rest of the pages: LIST_MS).
TARGETS = {"/analysis/": DASHBOARD_MS}
# Routes without a path parameter that are not timed, and why. Everything else is.
SKIP = {
    "logout/": "ends the session",
    "login/": "the sign-in form, before there is a session",
    "login/code/": "the sign-in's second step, before there is a session",
    "i18n/setlang/": "switches the language and redirects",
    "field/sw.js": "the field app's service worker, a static file",
    "field/manifest.webmanifest": "the field app's manifest, a static file",
}
# Values for an API list's required parameters.
REQUIRED = {"period": lambda today: f"{today.year}-Q{(today.month - 1) // 3 + 1}",
            "month": lambda today: f"{(today.replace(day=1) - dt.timedelta(days=1)):%Y-%m}"}
PARAM = re.compile(r"<(?:\w+:)?\w+>")
PAGINATION = re.compile(r'<nav class="pagination".*?</nav>', re.S)
PAGE_LINK = re.compile(r"[?&;]page=(\d+)")
READ = re.compile(r"\s*(SELECT|WITH)\b", re.I)
# The heavy jobs, named before they are set up (--only skips their setup too).
LOOKUP_NAME = "plot lookup by point (candidates_near + shapes)"
GRID_NAME = "grid assignment of every plot (划入网格 of the city)"
IMPORT_NAME = f"import {IMPORT_ROWS:,} producers (upload page + worker task)"
RISK_NAME = "nightly risk run (run_all) vs numpy group-by"


class Refused(Exception):
    """A case that cannot run on this database (what is missing is the message)."""


def timed(fn, runs=RUNS, warm=True) -> list[float]:
    return bulk.timed(fn, runs, warm)


def pct(samples, q):
    if len(samples) == 1:
        return samples[0]
    return statistics.quantiles(samples, n=100, method="inclusive")[q - 1]


@dataclass
class Case:
    name: str
    run: object  # () -> None, raises on a wrong answer
    target_ms: float | None = LIST_MS
    heavy: bool = False  # a job of seconds or minutes: HEAVY_RUNS runs, the first counted
    warm: int = 1  # first calls captured for the floor (one per point of a lookup)
    floor: object = None  # () -> None; default: the captured SQL read again
    export: dict | None = None  # an export's last workbook, which its floor writes again
    note: object = None  # () -> str, printed under the figures


def replay(groups, export=None):
    """The captured SELECTs of each first call, executed raw and read to the end; the
    calls' groups in turn (a lookup's points). For an export, then the cells it wrote
    written again into a workbook: the database and openpyxl, none of our code."""
    from openpyxl import Workbook, load_workbook

    statements = [[q["sql"] for q in group if READ.match(q["sql"])] for group in groups]
    turn = itertools.cycle(statements)
    cells = [] if export is None else list(load_workbook(
        io.BytesIO(export["content"]), read_only=True).active.iter_rows(values_only=True))

    def run():
        with connection.cursor() as cursor:
            for sql in next(turn):
                cursor.execute(sql)
                while cursor.fetchmany(10_000):
                    pass
        if export is not None:
            book = Workbook(write_only=True)
            sheet = book.create_sheet()
            for row in cells:
                sheet.append(row)
            book.save(io.BytesIO())
    return run


def measure(case: Case) -> dict:
    groups, samples = [], []
    for _ in range(case.warm):
        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            case.run()
            took = (time.perf_counter() - start) * 1000
        groups.append(captured.captured_queries)
        if case.heavy:
            # A heavy job's few queries cost nothing to capture, and running it once more
            # only to warm up would cost minutes: its first run counts.
            samples.append(took)
    runs = HEAVY_RUNS if case.heavy else RUNS
    samples += timed(case.run, runs - len(samples), warm=False)
    floor = case.floor or replay(groups, case.export)
    floor_samples = timed(floor, runs, warm=case.floor is not None)
    p50, p95, base = pct(samples, 50), pct(samples, 95), pct(floor_samples, 50)
    ratio = p50 / base if base else float("inf")
    over_target = case.target_ms is not None and p95 > case.target_ms
    return {"name": case.name, "p50": p50, "p95": p95, "floor": base, "ratio": ratio,
            "queries": sum(len(g) for g in groups) // len(groups),
            "over_target": over_target, "over_floor": ratio > FLOOR_RATIO,
            "target": case.target_ms}


# --- the pages and API lists, from the URL configuration -------------------------------


def page_routes():
    """Routes of the URL configuration without a path parameter, the API's left out (its
    routes come from the API itself)."""
    def walk(resolver, prefix=""):
        for entry in resolver.url_patterns:
            route = prefix + str(entry.pattern)
            if isinstance(entry, URLResolver):
                if entry.namespace != "api":
                    yield from walk(entry, route)
            elif isinstance(entry, URLPattern) and not PARAM.search(route):
                yield route.lstrip("^").rstrip("$")
    return sorted(set(walk(get_resolver())))


def api_lists():
    """(path, {query parameter: required}) of the API's GET routes without a path
    parameter that take a `page`, from its OpenAPI document; and the other such routes."""
    from nongan.api import api

    found, others = [], []
    for path, operations in api.get_openapi_schema()["paths"].items():
        if "get" not in operations or "{" in path:
            continue
        params = {p["name"]: p.get("required", False)
                  for p in operations["get"].get("parameters", []) if p["in"] == "query"}
        if "page" in params:
            found.append((path, params))
        else:
            others.append(path)
    return found, others


def filtered(path, fields=None) -> str:
    """`path` filtered to the district: `region`, or `district` where a list calls it so."""
    name = "region" if fields is None or "region" in fields else \
        "district" if "district" in fields else None
    return f"{path}?{name}={DISTRICT}" if name else path


def with_page(url, page) -> str:
    return f"{url}{'&' if '?' in url else '?'}page={page}"


def http(client, url, target=LIST_MS, name=None, export=False) -> Case:
    kept = {} if export else None

    def run():
        response = client.get(url)
        if response.status_code != 200:
            raise AssertionError(f"{url} answered {response.status_code}")
        content = b"".join(response.streaming_content) if response.streaming \
            else response.content
        if kept is not None:
            kept["content"] = content
    return Case(name or url, run, target, heavy=export, export=kept)


def page_cases(client, only, untimed) -> list[Case]:
    cases = []
    for route in page_routes():
        path = "/" + route
        if route in SKIP:
            untimed.setdefault(f"skipped: {SKIP[route]}", []).append(path)
            continue
        if only and only not in path:
            continue
        url = filtered(path)
        response = client.get(url)
        if response.status_code == 302 and response["Location"].startswith("/"):
            # The officer's own region: /regions/ → /regions/310115000000/ and the like.
            url = response["Location"]
            response = client.get(url)
        if response.status_code != 200:
            untimed.setdefault(f"answers {response.status_code} to the officer",
                               []).append(path)
            continue
        target = TARGETS.get(path, LIST_MS)
        cases.append(http(client, url, target))
        nav = PAGINATION.search(response.content.decode("utf-8", "replace")) \
            if response.get("Content-Type", "").startswith("text/html") else None
        last = max((int(n) for n in PAGE_LINK.findall(nav.group(0))), default=1) if nav else 1
        if last > 1:
            cases.append(http(client, with_page(url, last), target))
    return cases


def api_cases(client, only, untimed, today) -> list[Case]:
    found, others = api_lists()
    untimed["API GET routes without a page (not lists)"] = others
    cases = []
    for path, fields in found:
        if only and only not in path:
            continue
        url = filtered(path, fields)
        missing = [n for n, required in fields.items() if required and n not in REQUIRED]
        if missing:
            untimed.setdefault("API lists needing a value the bench does not know",
                               []).append(f"{path} ({', '.join(missing)})")
            continue
        for name in (n for n, required in fields.items() if required):
            url += f"{'&' if '?' in url else '?'}{name}={REQUIRED[name](today)}"
        response = client.get(url)
        if response.status_code != 200:
            untimed.setdefault(f"answers {response.status_code} to the officer",
                               []).append(path)
            continue
        body = response.json()
        if not {"count", "items"} <= set(body):
            untimed.setdefault("API routes with a page parameter that answer no page",
                               []).append(path)
            continue
        cases.append(http(client, url))
        last = body.get("pages") or -(-body["count"] // DEFAULT_PAGE_SIZE)
        if last > 1:
            cases.append(http(client, with_page(url, last)))
    return cases


# --- records, the city, exports ----------------------------------------------------------


def detail_cases(client) -> list[Case]:
    from django.db.models import Count

    from nongan.enforcement.models import Case as PenaltyCase
    from nongan.inspections.models import Inspection
    from nongan.monitoring.models import Sample
    from nongan.producers.models import Producer

    producer = (Producer.objects.filter(district_id=DISTRICT, active=True)
                .annotate(n=Count("inspections")).order_by("-n", "pk").first())
    inspection = Inspection.objects.filter(district_id=DISTRICT).order_by("-finished_at").first()
    samples = Sample.objects.filter(district_id=DISTRICT).order_by("-sampled_at")
    # A failed sample's page has the most on it: results, the follow-up, notifications.
    sample = samples.filter(verdict="non_compliant").first() or samples.first()
    case = PenaltyCase.objects.filter(district_id=DISTRICT).order_by("-pk").first()
    cases = []
    for record, page, api in ((producer, "producer", "/api/v1/producers/{}"),
                              (inspection, "inspection", "/api/v1/inspections/{}"),
                              (sample, "sample", "/api/v1/samples/{}"),
                              (case, "case", "/api/v1/cases/{}")):
        if record is None:
            print(f"(no {page} in the district: its detail is not timed)")
            continue
        key = record.sample_no if page == "sample" else record.pk
        cases.append(http(client, reverse(page, args=[key]),
                          name=f"{reverse(page, args=[key])} ({page})"))
        cases.append(http(client, api.format(key), name=f"{api.format(key)} ({page})"))
    return cases


def register_cases(client, today) -> list[Case]:
    """The register's cases that are not a list's first or last page: a name search, and a
    year's schedules by town."""
    year = today.year
    return [http(client, "/api/v1/producers?q=合作社", name="/api/v1/producers?q=合作社 (search)"),
            http(client, f"/schedules/?period={year}&by=town",
                 name=f"/schedules/?period={year}&by=town (a year)"),
            http(client, f"/api/v1/schedules?period={year}",
                 name=f"/api/v1/schedules?period={year} (a year)")]


def city_cases(client) -> list[Case]:
    from openpyxl import load_workbook

    export = reverse("producer_list") + "?format=xlsx"
    export_case = http(client, export, None, f"{export} (the city's register)", export=True)

    def rows():
        book = load_workbook(io.BytesIO(export_case.export["content"]), read_only=True)
        return f"{sum(1 for _ in book.active.iter_rows()) - 1:,} rows exported; floor: its " \
               f"SQL read raw and its cells written by openpyxl"
    export_case.note = rows
    return [http(client, "/todo/", name="/todo/ (city)"),
            http(client, "/schedules/", name="/schedules/ (city)"),
            http(client, "/analysis/", DASHBOARD_MS, "/analysis/ (city dashboard)"),
            export_case]


# --- the heavy jobs ----------------------------------------------------------------------


def import_case(officer) -> Case:
    """10,000 cooperatives of the district uploaded on /producers/import/ and imported by the
    worker's task, in a transaction rolled back; the floor inserts the same rows bare."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from openpyxl import Workbook

    from nongan.core.listing import XLSX
    from nongan.producers.import_services import run_import
    from nongan.producers.importing import PRODUCER_COLUMNS
    from nongan.producers.models import ImportJob, Producer
    from nongan.producers.services import usccs_taken
    from nongan.regions.models import Region
    from nongan.testing import uscc

    villages = list(Region.objects.filter(level="village", active=True, district_id=DISTRICT)
                    .order_by("code").values_list("code", flat=True))
    codes = [uscc(9_000_000 + n) for n in range(IMPORT_ROWS + 1000)]
    taken = usccs_taken(codes)
    codes = [c for c in codes if c not in taken][:IMPORT_ROWS]
    columns = {c.key: c.label for c in PRODUCER_COLUMNS}
    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    keys = ["name", "kind", "uscc", "legal_rep", "phone", "address", "village", "area_mu",
            "products"]
    sheet.append([columns[k] for k in keys])
    for n, code in enumerate(codes):
        sheet.append([f"基准导入蔬菜专业合作社{n:05d}", "农民专业合作社", code, "张三",
                      "13800000000", f"某村{n}号", villages[n % len(villages)],
                      f"{10 + n % 90}.5", "青菜:上海青;番茄:粉果"])
    buffer = io.BytesIO()
    book.save(buffer)
    upload = buffer.getvalue()
    client = Client()
    client.force_login(officer)
    page = reverse("producer_import")
    same_rows = []
    fields = [f for f in Producer._meta.concrete_fields if not f.primary_key]

    def run():
        with transaction.atomic():
            response = client.post(page, {"kind": "producers", "file": SimpleUploadedFile(
                "基准导入.xlsx", upload, content_type=XLSX)})
            if response.status_code != 302:
                raise AssertionError(f"upload answered {response.status_code}")
            job = ImportJob.objects.filter(created_by=officer).latest("pk")
            status = run_import(job.pk)
            job.refresh_from_db()
            job.file.delete(save=False)
            if status != "done" or job.imported != len(codes):
                raise AssertionError(f"import {status}, {job.imported}: {job.errors[:3]}")
            if not same_rows:
                same_rows.extend(
                    [f.get_db_prep_save(getattr(p, f.attname), connection) for f in fields]
                    for p in Producer.objects.filter(uscc__in=codes))
            transaction.set_rollback(True)

    def floor():
        with transaction.atomic():
            bulk.insert_rows(Producer._meta.db_table, [f.column for f in fields], same_rows)
            transaction.set_rollback(True)

    return Case(IMPORT_NAME, run, IMPORT_MS, heavy=True, floor=floor,
                note=lambda: f"{len(codes):,} rows; floor: bare "
                             f"{'executemany' if connection.vendor == 'sqlite' else 'COPY'}")


def risk_case(today) -> Case:
    """The nightly run, rolled back (the night's warnings stay as they were); the floor is
    bench/risk.py's numpy group-by of the same result rows."""
    from risk import numpy_group_by

    from nongan.risk import rules
    from nongan.risk.findings.temporal import months_loaded
    from nongan.risk.runner import run_all

    def run():
        with transaction.atomic():
            run_all(today)
            transaction.set_rollback(True)
    months = months_loaded(today, rules.current())
    return Case(RISK_NAME, run, None, heavy=True, floor=lambda: numpy_group_by(months))


def lookup_case() -> Case:
    """The plots under a point: the bounding-box query, then the shapes that cover it, at
    the middle of LOOKUP_POINTS plots spread over the district."""
    from shapely.geometry import Point

    from nongan.producers.models import Plot
    from nongan.producers.services import candidates_near

    boxes = list(Plot.objects.filter(district_id=DISTRICT, active=True).order_by("pk")
                 .values_list("min_lon", "min_lat", "max_lon", "max_lat"))
    if not boxes:
        raise Refused("no plots in the district")
    step = max(1, len(boxes) // LOOKUP_POINTS)
    points = [Point((b[0] + b[2]) / 2, (b[1] + b[3]) / 2) for b in boxes[::step][:LOOKUP_POINTS]]
    turn, found = itertools.cycle(points), {}

    def run():
        point = next(turn)
        found[point.wkt] = [p for p, shape in candidates_near(point) if shape.covers(point)]
    return Case(LOOKUP_NAME, run, None, warm=len(points),
                note=lambda: f"a plot found under {sum(map(bool, found.values()))} of "
                             f"{len(points)} points; {Plot.objects.count():,} plots")


def grid_case(admin) -> Case:
    """划入网格 of the whole city (regions.services.place_in_village_grids, as the coverage
    page's button runs it) after every plot's grid is cleared, in a transaction rolled back;
    the floor clears the same way and runs the statements the action ran, raw."""
    from django.test.utils import CaptureQueriesContext

    from nongan.producers.models import Plot
    from nongan.regions.models import Region
    from nongan.regions.services import place_in_village_grids

    city = Region.objects.get(level="city")
    statements, seen = [], {}

    def cleared():
        began = time.perf_counter()
        seen["cleared"] = Plot.objects.filter(active=True).update(grid=None)
        seen["clear_ms"] = (time.perf_counter() - began) * 1000

    def run():
        with transaction.atomic():
            cleared()
            with CaptureQueriesContext(connection) as captured:
                result = place_in_village_grids(city, actor=admin)
            statements[:] = statements or [q["sql"] for q in captured.captured_queries]
            seen.update(placed=result["placed"]["plots"], left=result["left"]["plots"])
            if seen["placed"] + seen["left"] != seen["cleared"]:
                raise AssertionError(f"{seen['cleared']} plots cleared; {result}")
            transaction.set_rollback(True)

    def floor():
        with transaction.atomic():
            cleared()
            with connection.cursor() as cursor:
                for sql in statements:
                    cursor.execute(sql)
            transaction.set_rollback(True)

    return Case(GRID_NAME, run, None, heavy=True, floor=floor,
                note=lambda: f"{seen['placed']:,} of {seen['cleared']:,} plots placed in their "
                             f"village's grid ({seen['left']:,} with none open); run and floor "
                             f"first clear every plot's grid: {seen['clear_ms']:,.0f} ms of each")


# --- the run ----------------------------------------------------------------------------


def tidy(analyze=False) -> None:
    """PostgreSQL keeps the rows of a rolled-back job in its tables and indexes until a
    vacuum, and plans from the statistics of its last ANALYZE: vacuum the tables with dead
    rows, so every case and the next run see the database as seeded, and with `analyze`
    refresh every table's statistics and visibility map (which lets a count read the index
    alone), as autovacuum would have after the seed (it may be off, as on the development
    machine)."""
    if connection.vendor != "postgresql":
        return  # SQLite's rollback leaves nothing behind, and it plans without statistics
    with connection.cursor() as cursor:
        cursor.execute("SELECT relname FROM pg_stat_user_tables WHERE n_dead_tup > 0")
        for (table,) in cursor.fetchall():
            cursor.execute(f"VACUUM ANALYZE {connection.ops.quote_name(table)}")
        if analyze:
            cursor.execute("VACUUM ANALYZE")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", default="", help="run the cases whose name contains this")
    args = parser.parse_args()
    only = args.only
    # The pages that refuse the officer (403, 405) would print their tracebacks.
    logging.getLogger("django.request").setLevel(logging.ERROR)

    from nongan.inspections.models import Inspection
    from nongan.inspections.schedules import shanghai_today
    from nongan.monitoring.models import Result, Sample
    from nongan.people.models import User
    from nongan.producers.models import Plot, Producer

    officer = User.objects.filter(role="district_officer", region_id=DISTRICT,
                                  is_active=True).order_by("pk").first()
    admin = User.objects.filter(role="city_admin", is_active=True).order_by("pk").first()
    if not Producer.objects.exists() or officer is None or admin is None:
        sys.exit("this database is not seeded (no producers, or no 浦东 district officer and "
                 "city admin): run `nongan seed --scale shanghai` (or `nongan seed "
                 "--producers 30000 --years 5`) first")
    import nongan.wsgi  # noqa: F401 (start as `nongan serve` does: its gc.freeze() included)

    today = shanghai_today()
    tidy(analyze=True)
    settings = connection.settings_dict
    print(f"database: {connection.vendor} {settings['NAME']}; producers "
          f"{Producer.objects.count():,} (浦东 "
          f"{Producer.objects.filter(district_id=DISTRICT).count():,}), plots "
          f"{Plot.objects.count():,}, inspections {Inspection.objects.count():,}, samples "
          f"{Sample.objects.count():,}, results {Result.objects.count():,}; runs {RUNS} "
          f"(heavy jobs {HEAVY_RUNS}); lists as {officer.username} with region={DISTRICT}")
    officer_client, city_client = Client(), Client()
    officer_client.force_login(officer)
    city_client.force_login(admin)

    untimed: dict[str, list] = {}
    builders = [
        (None, lambda: page_cases(officer_client, only, untimed)),
        (None, lambda: api_cases(officer_client, only, untimed, today)),
        (None, lambda: detail_cases(officer_client)),
        (None, lambda: register_cases(officer_client, today)),
        (None, lambda: city_cases(city_client)),
        (LOOKUP_NAME, lookup_case), (GRID_NAME, lambda: grid_case(admin)),
        (IMPORT_NAME, lambda: import_case(officer)), (RISK_NAME, lambda: risk_case(today)),
    ]
    width = 64
    print(f"{'case':{width}} {'p50 ms':>9} {'p95 ms':>9} {'floor ms':>9} {'× floor':>8} "
          f"{'queries':>7} {'target':>7}")
    results, errors = [], []
    for name, build in builders:
        if only and name and only not in name:
            continue
        try:
            cases = build()
        except Refused as exc:
            print(f"(not timed: {exc})")
            continue
        for case in cases if isinstance(cases, list) else [cases]:
            if only and only not in case.name:
                continue
            # Sessions end after a quiet half hour; a long job must not log the pages out.
            officer_client.force_login(officer)
            city_client.force_login(admin)
            try:
                found = measure(case)
            except Exception as exc:  # one broken case must not hide the others' figures
                errors.append(case.name)
                print(f"{case.name[:width]:{width}} ERROR {type(exc).__name__}: {exc}"[:240])
                continue
            finally:
                if case.heavy:
                    tidy()
            results.append(found)
            flag = " ".join(f for f, on in (("★target", found["over_target"]),
                                             (f"★{FLOOR_RATIO}×", found["over_floor"])) if on)
            target = f"{found['target']:,.0f}" if found["target"] else "—"
            print(f"{found['name'][:width]:{width}} {found['p50']:9.1f} {found['p95']:9.1f} "
                  f"{found['floor']:9.1f} {found['ratio']:8.1f} {found['queries']:7d} "
                  f"{target:>7} {flag}", flush=True)
            if case.note:
                print(f"    ({case.note()})")
    for reason, paths in untimed.items():
        print(f"not timed — {reason}: {', '.join(paths)}")
    over_target = [r["name"] for r in results if r["over_target"]]
    over_floor = [r["name"] for r in results if r["over_floor"]]
    if over_target:
        print(f"over target: {', '.join(over_target)}")
    print(f"summary: {len(results)} cases; {len(over_target)} over target; "
          f"{len(over_floor)} over {FLOOR_RATIO}× floor; {len(errors)} errors")


if __name__ == "__main__":
    main()

"""Data-sharing benchmark (issue 8): IoT ingestion, the traceability certificate import, the
partners' dataset pull and the event fan-out — each beside a floor measured in the same run
on the same connection, with the ratio.

    .venv/bin/python bench/sharing.py                 # SQLite under /tmp/nongan-bench-sharing
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/x .venv/bin/python bench/sharing.py
                                                      # PostgreSQL database nongan_bench_sharing,
                                                      # created here and dropped at the end
    ... --producers 1000                              # a smaller register (default 3000)
    ... --keep                                        # keep the PostgreSQL database

The bench database is made by `nongan init` and `nongan seed --producers N` (subprocesses),
then:
1. IoT: 200 sensors, 50,000 MQTT messages (250 a sensor, a minute apart, interleaved as
   devices send them; every 100th malformed — not JSON, no time zone, a text value, an
   unknown sensor, an impossible value; two sensors drift out of range at the end, so
   warnings are raised) through `ingest()` in the consumer's batches of 500. Floor: a bare
   executemany INSERT of the same good rows into the readings table, a transaction per 500
   (then deleted). Then the same messages published to the local Mosquitto (QoS 1, at most
   10,000 not yet stored: the broker drops what overflows its queue) and consumed by
   `nongan iot` running as a subprocess: first publish to all stored.
2. Certificate import: a 20,000-row CSV in docs/traceability.md's layout (95 % by seeded
   producers' 统一社会信用代码, 5 % of codes not in the register) uploaded by the city
   administrator and run by the import task's body. Floor: executemany of the certificate
   rows the import writes.
3. Partner pull: a city-wide key reads `GET /api/v1/exchange/datasets/grades` (page_size
   200; the first and the last full page; JSON and CSV) through Django's test Client, after
   four credit-rule changes add grade changes (and their events) to the seed's. Floor: the
   page's count and rows by raw SQL.
4. `emit_many` of the grade changes with three active city-wide subscriptions (events,
   deliveries and delivery tasks written, rolled back). Floor: bulk_create of the same
   Event rows alone (rolled back).
Not part of `make test`.
"""

import argparse
import datetime as dt
import io
import logging
import os
import random
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
from bulk import configure  # noqa: E402

HOME = Path("/tmp/nongan-bench-sharing")
DB_NAME = "nongan_bench_sharing"
NONGAN = str(ROOT / ".venv" / "bin" / "nongan")
SEED = 20260608
CITY = "310000000000"

SENSORS = 200
PER_SENSOR = 250  # readings a sensor, a minute apart: 50,000 messages
BAD_EVERY = 100  # 1 % malformed
BATCH = 500  # the consumer's default batch
DRIFTING = 2  # sensors whose last readings leave their range
CERT_ROWS = 20_000
UNMATCHED_SHARE = 0.05
PULL_CALLS = 20
RULE_CHANGES = 4  # tighten, restore, tighten, restore
EMIT_MAX = 5000
WINDOW = 10_000  # MQTT messages published and not yet stored or rejected
STALL = 20  # seconds without progress: the consumer lost messages or stopped

rows_out: list[tuple[str, str, str, str]] = []  # (case, figure, floor, ratio)
_floor: dict[str, float] = {}


def say(text: str) -> None:
    print(text, flush=True)


def table_row(case: str, figure: str, floor: str = "", ratio: float | None = None) -> None:
    rows_out.append((case, figure, floor, "" if ratio is None else f"{ratio:.1f}×"))


class Rollback(Exception):
    pass


# ---------------------------------------------------------------- the database

def build(producers: int) -> None:
    env = dict(os.environ)
    started = time.perf_counter()
    for args in (["init"], ["seed", "--producers", str(producers), "--no-logins",
                            "--verbosity", "0"]):
        done = subprocess.run([NONGAN, *args], env=env, capture_output=True, text=True)
        if done.returncode:
            sys.exit(f"nongan {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    say(f"built: nongan init + seed --producers {producers} in "
        f"{time.perf_counter() - started:.0f} s")


def drop_database() -> None:
    import psycopg
    from django.db import connections

    connections.close_all()
    parts = urlparse(os.environ["DATABASE_URL"])
    admin = urlunparse(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME}")


def vacuum(table: str) -> None:
    """After a floor's rows are deleted, PostgreSQL's table and index are as before."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM ANALYZE {connection.ops.quote_name(table)}")


def admin_user():
    from nongan.people.models import User

    return User.objects.filter(role="city_admin", is_active=True).order_by("pk").first()


def executemany(table: str, columns: list[str], rows: list[tuple]) -> None:
    from django.db import connection

    quote = connection.ops.quote_name
    sql = (f"INSERT INTO {quote(table)} ({', '.join(quote(c) for c in columns)}) "
           f"VALUES ({', '.join(['%s'] * len(columns))})")
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


# ---------------------------------------------------------------- 1. IoT

def make_sensors(admin) -> list:
    from nongan.iot import kinds
    from nongan.iot.services import register_sensor
    from nongan.producers.models import Producer

    producers = list(Producer.objects.filter(active=True).order_by("pk")
                     .values_list("pk", flat=True)[:SENSORS])
    codes = list(kinds.kinds())
    sensors = []
    for n in range(SENSORS):
        sensor, _ = register_sensor({"code": f"BENCH-{n:04d}", "producer": producers[n],
                                     "kind": codes[n % len(codes)]}, actor=admin)
        sensors.append(sensor)
    return sensors


def _value(sensor, rng, drifting: bool) -> float:
    lo_phys, hi_phys = sensor.spec["physical"]
    lo = sensor.low if sensor.low is not None else lo_phys
    hi = sensor.high if sensor.high is not None else hi_phys
    if drifting:
        return round(hi + (hi_phys - hi) * 0.3, 2) if sensor.high is not None else \
            round(lo - (lo - lo_phys) * 0.3, 2)
    return round((lo + hi) / 2 + (hi - lo) * 0.15 * rng.uniform(-1, 1), 2)


BAD_PAYLOADS = [
    lambda code, at, v: (code, b'{"at": "2026-'),  # truncated: not JSON
    lambda code, at, v: (code, f'{{"at": "{at[:19]}", "value": {v}}}'.encode()),  # no offset
    lambda code, at, v: (code, f'{{"at": "{at}", "value": "{v}"}}'.encode()),  # text value
    lambda code, at, v: ("NOSUCH-" + code, f'{{"at": "{at}", "value": {v}}}'.encode()),
    lambda code, at, v: (code, f'{{"at": "{at}", "value": 1e9}}'.encode()),  # impossible
]


def make_messages(sensors, now) -> tuple[list[tuple[str, bytes]], list[tuple]]:
    """(code, payload) in arrival order, and the good readings (sensor id, at, value)."""
    rng = random.Random(SEED)
    start = now.replace(second=0, microsecond=0) - dt.timedelta(minutes=PER_SENSOR + 5)
    messages, good, n = [], [], 0
    for minute in range(PER_SENSOR):
        at = start + dt.timedelta(minutes=minute)
        stamp = at.isoformat()
        for i, sensor in enumerate(sensors):
            value = _value(sensor, rng, i < DRIFTING and minute >= PER_SENSOR - 8)
            n += 1
            if n % BAD_EVERY == 0:
                messages.append(BAD_PAYLOADS[(n // BAD_EVERY) % len(BAD_PAYLOADS)](
                    sensor.code, stamp, value))
                continue
            messages.append((sensor.code, f'{{"at": "{stamp}", "value": {value}}}'.encode()))
            good.append((sensor.pk, at, value))
    return messages, good


def reset_iot(sensors) -> None:
    """Back to no readings: the bench sensors' readings, rejected messages and warnings."""
    from nongan.iot.models import Reading, Rejected, Sensor
    from nongan.risk.models import RiskWarning, WarningEvent

    ids = [s.pk for s in sensors]
    Reading.objects.filter(sensor_id__in=ids).delete()
    Rejected.objects.filter(sensor_code__contains="BENCH-").delete()
    warnings = RiskWarning.objects.filter(key__startswith="iot:BENCH-")
    WarningEvent.objects.filter(warning__in=warnings).delete()
    warnings.delete()
    Sensor.objects.filter(pk__in=ids).update(last_reading_at=None, last_value=None)


def bench_ingest(sensors, messages, good) -> None:
    from django.db import transaction

    from nongan.iot.ingest import Counts, ingest, mqtt_messages
    from nongan.iot.models import Reading

    prefix = "nongan/iot/"
    table = Reading._meta.db_table
    received_at = dt.datetime.now(dt.UTC)
    started = time.perf_counter()
    for i in range(0, len(good), BATCH):
        with transaction.atomic():
            executemany(table, ["sensor_id", "at", "value", "received_at"],
                        [(*row, received_at) for row in good[i:i + BATCH]])
    floor = time.perf_counter() - started
    stored = Reading.objects.filter(sensor_id__in=[s.pk for s in sensors]).count()
    assert stored == len(good), (stored, len(good))
    reset_iot(sensors)
    _floor["iot"] = floor
    vacuum(table)

    quiet = logging.getLogger("nongan.iot.ingest")
    quiet.setLevel(logging.ERROR)  # 5 rejected lines a batch otherwise
    totals = Counts()
    started = time.perf_counter()
    for i in range(0, len(messages), BATCH):
        batch = []
        for code, payload in messages[i:i + BATCH]:
            batch.extend(mqtt_messages(prefix + code, payload, prefix=prefix))
        totals.add(ingest(batch, source="mqtt"))
    took = time.perf_counter() - started
    quiet.setLevel(logging.NOTSET)
    assert totals.stored == len(good), totals.as_dict()
    say(f"  ingest(): {totals.as_dict()}")
    n = len(messages)
    table_row(f"IoT ingest() {n:,} msgs (1 % bad), batches of {BATCH}",
              f"{n / took:,.0f} msg/s ({took:.1f} s)",
              f"{len(good) / floor:,.0f} rows/s ({floor:.2f} s)", took / floor)


def bench_mqtt(sensors, messages, good) -> None:
    from nongan.iot.consumer import broker_address, broker_answers, forget_session
    from nongan.iot.models import Reading, Rejected

    host, port = broker_address()
    if not broker_answers(host, port):
        say(f"  MQTT: no broker at {host}:{port} — skipped")
        table_row("IoT via Mosquitto + `nongan iot`", "skipped: no broker")
        return
    import paho.mqtt.client as mqtt

    reset_iot(sensors)
    tag = f"bench-sharing-{os.getpid()}"
    prefix, client_id, probe = f"{tag}/", tag, f"probe-{os.getpid()}"
    log_path = HOME / "nongan-iot.log"
    HOME.mkdir(parents=True, exist_ok=True)
    with log_path.open("w") as log:
        consumer = subprocess.Popen(
            [NONGAN, "iot", "--host", host, "--port", str(port), "--topic", prefix + "#",
             "--client-id", client_id], env=dict(os.environ, PYTHONUNBUFFERED="1"),
            stdout=log, stderr=subprocess.STDOUT)
    publisher = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"{tag}-pub",
                            protocol=mqtt.MQTTv311)
    publisher.max_inflight_messages_set(1000)
    publisher.connect(host, port)
    publisher.loop_start()
    try:
        # Subscribed when a malformed probe comes back as a rejected message.
        deadline = time.monotonic() + 60
        while not Rejected.objects.filter(sensor_code=probe).exists():
            if consumer.poll() is not None or time.monotonic() > deadline:
                sys.exit(f"nongan iot did not start; see {log_path}")
            publisher.publish(prefix + probe, b"probe", qos=1)
            time.sleep(0.5)
        ids = [s.pk for s in sensors]

        def done() -> tuple[int, int]:
            return (Reading.objects.filter(sensor_id__in=ids).count(),
                    Rejected.objects.filter(sensor_code__contains="BENCH-").count())

        # Paced: at most WINDOW messages not yet stored or rejected. Mosquitto keeps up to
        # the consumer's receive maximum (20,000) in flight and then queues only
        # max_queued_messages (default 1000) more: an unpaced burst beyond that is dropped.
        started = time.perf_counter()
        stored, handled, sent = 0, 0, 0
        last_progress, last_handled = time.monotonic(), -1
        while handled < len(messages) and time.monotonic() - last_progress < STALL:
            while sent < len(messages) and sent - handled < WINDOW:
                code, payload = messages[sent]
                publisher.publish(prefix + code, payload, qos=1)
                sent += 1
            time.sleep(0.1)
            stored, rejected = done()
            handled = stored + rejected
            if handled != last_handled:
                last_progress, last_handled = time.monotonic(), handled
        took = time.perf_counter() - started
    finally:
        publisher.loop_stop()
        publisher.disconnect()
        consumer.send_signal(signal.SIGTERM)
        try:
            consumer.wait(timeout=60)
        except subprocess.TimeoutExpired:
            consumer.kill()
            consumer.wait()
        forget_session(host, port, client_id)
    last = [line for line in log_path.read_text().splitlines() if "已停止" in line]
    say(f"  MQTT (at most {WINDOW:,} outstanding): stored {stored:,} of {len(good):,}; "
        + (last[-1] if last else f"see {log_path}"))
    n = len(messages)
    if stored < len(good):
        table_row("IoT via Mosquitto + `nongan iot`", f"INCOMPLETE {stored:,}/{len(good):,}")
        return
    table_row(f"IoT {n:,} msgs via Mosquitto + `nongan iot`",
              f"{n / took:,.0f} msg/s ({took:.1f} s)", "the same floor", took / _floor["iot"])


# ---------------------------------------------------------------- 2. certificates

HEADINGS = ["合格证编号", "主体名称", "统一社会信用代码", "身份证号", "主体身份码", "产品名称",
            "数量", "单位", "开具日期", "承诺依据", "产地", "追溯码"]
PRODUCTS = ["青菜", "番茄", "黄瓜", "草莓", "水蜜桃", "大米", "鸡蛋", "南美白对虾", "翠冠梨", "茭白"]
BASES = ["自我承诺", "内部质量控制", "自我检测、内部质量控制", "委托检测", "委托检测、自我承诺"]


def certificate_file() -> tuple[bytes, list[tuple], int]:
    """The CSV, the certificate rows the import will write (for the floor), and how many
    rows name a code not in the register."""
    import csv

    from nongan.core.validators import uscc_check_char
    from nongan.producers.models import Producer
    from nongan.traceability.importing import basis as clean_basis

    rng = random.Random(SEED)
    producers = list(Producer.objects.filter(active=True).exclude(uscc__isnull=True)
                     .exclude(uscc="").order_by("pk").values_list("pk", "name", "uscc"))
    today = dt.date.today()
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADINGS)
    written, unmatched = [], 0
    for n in range(CERT_ROWS):
        if rng.random() < UNMATCHED_SHARE:
            body = f"93310115MA9{n:06d}"[:17]
            pk, name, uscc = None, f"未登记合作社{n}", body + uscc_check_char(body)
            unmatched += 1
        else:
            pk, name, uscc = rng.choice(producers)
        cert_no = f"BENCH{today:%Y}{n:08d}"
        product = rng.choice(PRODUCTS)
        quantity = f"{rng.randint(1, 5000)}.{rng.randint(0, 9)}"
        issued = today - dt.timedelta(days=rng.randint(0, 365))
        basis = rng.choice(BASES)
        origin = f"上海市{rng.choice(['浦东新区', '崇明区', '松江区', '金山区'])}"
        trace = f"T{n:012d}"
        writer.writerow([cert_no, name, uscc, "", "", product, quantity, "公斤",
                         issued.isoformat(), basis, origin, trace])
        if pk:
            written.append((cert_no, pk, product, quantity, "公斤", issued,
                            clean_basis(basis), origin, trace))
    return buffer.getvalue().encode("utf-8"), written, unmatched


def bench_certificates(admin) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import transaction
    from django.utils import timezone

    from nongan.traceability.models import Certificate, TraceImport
    from nongan.traceability.services import start_import
    from nongan.traceability.tasks import import_trace_file

    content, written, unmatched = certificate_file()
    now = timezone.now()
    started = time.perf_counter()
    with transaction.atomic():
        for i in range(0, len(written), 500):
            executemany(Certificate._meta.db_table,
                        ["cert_no", "producer_id", "product", "quantity", "unit", "issued_on",
                         "basis", "origin", "trace_code", "created_at"],
                        [(*row, now) for row in written[i:i + 500]])
    floor = time.perf_counter() - started
    Certificate.objects.filter(cert_no__startswith="BENCH").delete()
    vacuum(Certificate._meta.db_table)

    job = start_import("certificates", SimpleUploadedFile("certificates.csv", content),
                       actor=admin)
    started = time.perf_counter()
    status = import_trace_file.call(job.pk)
    took = time.perf_counter() - started
    job = TraceImport.objects.get(pk=job.pk)
    say(f"  import: {status}; total {job.total:,}, matched {job.matched:,}, unmatched "
        f"{job.unmatched:,} (planted {unmatched:,}), skipped {job.skipped}; "
        f"{len(content) / 1e6:.1f} MB")
    assert status == "done" and job.matched == len(written), (status, job.errors[:3])
    table_row(f"Certificate import, {CERT_ROWS:,}-row CSV (task body)",
              f"{took:.2f} s, {CERT_ROWS / took:,.0f} rows/s",
              f"{floor:.2f} s ({len(written):,} rows)", took / floor)


# ---------------------------------------------------------------- 3. partner pull

def more_grade_changes(admin) -> int:
    from nongan.credit.models import GradeChange
    from nongan.credit.rules import table_dict
    from nongan.credit.services import update_rules

    for n in range(RULE_CHANGES):
        tighten = n % 2 == 0
        table = table_dict()
        table["thresholds"] = ({"A": 100, "B": 99, "C": 98} if tighten
                               else {"A": 90, "B": 75, "C": 60})
        for rule in table["rules"]:
            if rule["kind"] == "commitment_signed":
                rule["points"] = -abs(rule["points"]) if tighten else abs(rule["points"])
        update_rules(table, actor=admin)
    return GradeChange.objects.count()


def p50(fn, runs=PULL_CALLS) -> float:
    fn()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def bench_pull(admin) -> None:
    from django.db import connection
    from django.test import Client

    from nongan.credit.models import GradeChange
    from nongan.exchange.models import Agency
    from nongan.exchange.services import issue_key
    from nongan.producers.models import Producer
    from nongan.regions.models import Region

    changes = more_grade_changes(admin)
    agency = Agency.objects.filter(region_id=CITY, active=True).order_by("pk").first()
    _, key = issue_key(agency, {"name": "基准测试", "datasets": ["grades"], "regions": [CITY]},
                       actor=admin)
    client = Client(HTTP_X_API_KEY=key)
    size = 200
    last = max(1, changes // size)
    say(f"  grade changes: {changes:,}; pages of {size}: first and {last}")
    quote = connection.ops.quote_name
    g, p, r = (GradeChange._meta.db_table, Producer._meta.db_table, Region._meta.db_table)
    sql = (f"SELECT g.id, g.from_grade, g.to_grade, g.score, g.cause, g.reasons, g.note, g.at, "
           f"p.id, p.name, p.uscc, r.code, r.name FROM {quote(g)} g "
           f"JOIN {quote(p)} p ON p.id = g.producer_id "
           f"LEFT JOIN {quote(r)} r ON r.code = p.district_id "
           f"ORDER BY g.at, g.id LIMIT %s OFFSET %s")

    def floor(page):
        def run():
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT COUNT(*) FROM {quote(g)}")
                cursor.fetchone()
                cursor.execute(sql, [size, (page - 1) * size])
                assert len(cursor.fetchall()) == size
        return run

    def get(page, fmt):
        path = f"/api/v1/exchange/datasets/grades?page_size={size}&page={page}&format={fmt}"

        def run():
            response = client.get(path)
            assert response.status_code == 200, (path, response.status_code,
                                                 response.content[:300])
        return run

    for page in (1, last):
        base = p50(floor(page))
        for fmt in ("json", "csv"):
            took = p50(get(page, fmt))
            table_row(f"Partner pull grades page {page} ({size}), {fmt.upper()}",
                      f"p50 {took:.1f} ms", f"SQL p50 {base:.2f} ms", took / base)


# ---------------------------------------------------------------- 4. emit_many

def bench_emit(admin) -> None:
    from django.db import transaction
    from django_tasks_db.models import DBTaskResult

    from nongan.credit.models import GradeChange
    from nongan.exchange.events import emit_many
    from nongan.exchange.models import Agency, Delivery, Event
    from nongan.exchange.services import create_subscription

    for agency in Agency.objects.filter(region_id=CITY, active=True).order_by("pk")[:3]:
        create_subscription(agency, {"url": "http://127.0.0.1:9/webhook",
                                     "kinds": ["credit.grade_changed"], "regions": [CITY]},
                            actor=admin)
    changes = list(GradeChange.objects.order_by("pk")[:EMIT_MAX])
    n = len(changes)
    fields = ["kind", "dataset", "object_id", "district_id", "payload", "occurred_at"]
    try:
        with transaction.atomic():
            events0, deliveries0 = Event.objects.count(), Delivery.objects.count()
            tasks0 = DBTaskResult.objects.count()
            started = time.perf_counter()
            written = emit_many("credit.grade_changed", changes, dataset="grades")
            took = time.perf_counter() - started
            made = (Event.objects.count() - events0, Delivery.objects.count() - deliveries0,
                    DBTaskResult.objects.count() - tasks0)
            rows = list(Event.objects.order_by("-pk").values(*fields)[:written])
            raise Rollback
    except Rollback:
        pass
    try:
        with transaction.atomic():
            started = time.perf_counter()
            Event.objects.bulk_create([Event(**row) for row in rows], batch_size=500)
            floor = time.perf_counter() - started
            raise Rollback
    except Rollback:
        pass
    say(f"  emit_many: {n:,} grade changes → events {made[0]:,}, deliveries {made[1]:,}, "
        f"tasks {made[2]:,} (3 subscriptions)")
    table_row(f"emit_many {n:,} grade changes, 3 subscriptions",
              f"{took / n * 1000:.2f} s / 1,000", f"{floor / n * 1000:.3f} s / 1,000",
              took / floor)


# ---------------------------------------------------------------- main

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--producers", type=int, default=3000)
    parser.add_argument("--keep", action="store_true",
                        help="keep the PostgreSQL database afterwards")
    args = parser.parse_args()
    os.environ["NONGAN_HOME"] = str(HOME)  # media files too, on PostgreSQL
    configure(DB_NAME, HOME, reuse=False)
    started = time.perf_counter()
    build(args.producers)
    from django.db import connection
    from django.utils import timezone

    say(f"database: {connection.vendor}")
    admin = admin_user()
    try:
        say("1. IoT")
        sensors = make_sensors(admin)
        messages, good = make_messages(sensors, timezone.now())
        bench_ingest(sensors, messages, good)
        bench_mqtt(sensors, messages, good)
        say("2. certificates")
        bench_certificates(admin)
        say("3. partner pull")
        bench_pull(admin)
        say("4. emit_many")
        bench_emit(admin)
    finally:
        if connection.vendor == "postgresql" and not args.keep:
            drop_database()
    widths = [max(len(r[i]) for r in rows_out) for i in range(4)]
    say("")
    say(f"{'case':{widths[0]}}  {'measured':{widths[1]}}  {'floor':{widths[2]}}  × floor")
    for case, figure, floor, ratio in rows_out:
        say(f"{case:{widths[0]}}  {figure:{widths[1]}}  {floor:{widths[2]}}  {ratio}")
    say(f"whole run {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()

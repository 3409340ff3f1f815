"""Faults under traffic (issue 9, item 4): a real `nongan serve` and `nongan worker` on
PostgreSQL, field devices syncing inspections with photos, and four faults — then counts
proving that nothing acknowledged was lost, nothing was stored twice, nothing half-written
remains and every pending task completed.

    make bench-faults
    .venv/bin/python bench/faults.py --devices 8 --records 12 --keep

PostgreSQL only (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/): the database
`nongan_faults` is made fresh by `nongan init` and `nongan seed --producers 300 --years 1`
and dropped at the end (--keep keeps it); files under /tmp/nongan-bench-faults. The server
and the worker run without root's power to override file modes (setpriv drops
CAP_DAC_OVERRIDE), as a service account would, so `chmod` can make the media folder
read-only for them.

Devices are bench/devices.py's phones (the field app's protocol: photos, signature, then
the record under its uuid; a transient failure ends the round and the next round retries),
each photo sent under an id of its own as app.js does. Each device keeps syncing,
a round every RETRY_PAUSE_S, until its outbox is empty.

The faults, each with its own devices and records:
1. server: `nongan serve` killed with SIGKILL three times while the devices sync, restarted
   a second later each time; then the real field app in headless Chromium: a record
   queued offline, sent while the server is down, then into a server killed after writing
   the photo's file but before committing its row, then into one killed after committing
   the record but before answering (both points reached by holding a PostgreSQL lock),
   then sent again once the server is back.
2. worker: a producer import of IMPORT_ROWS rows queued; `nongan worker` killed with
   SIGKILL in the middle of it (rows checked, nothing imported yet) and started again.
3. postgres: DATABASE_URL's cluster restarted once (pg_ctlcluster restart) while the
   devices sync and the worker is in the middle of another import; the server and the
   worker are not restarted.
4. media: the media folder and its subfolders made read-only (0555) for MEDIA_OUTAGE_S
   while the devices upload photos, then writable again.

What each table counts (records of that fault only):
- submitted: records the devices made; refused: records the server answered 4xx (set
  aside, not retried: none expected); acknowledged: records the server answered 200/201;
  stored: inspections in the database with the records' uuids; lost: acknowledged, not
  stored; duplicates: stored rows per uuid beyond one, plus photo uploads stored twice
  (every photo's bytes are unique, so two media rows with one sha256 are one photo twice);
- retries: sync rounds that failed (network error, timeout, 5xx, 429) and were run again;
- half-written: stored inspections whose photos or signature differ from the media ids the
  device sent; broken media: media rows whose file is missing or differs in size or sha256
  from the row; orphan files: files under MEDIA_ROOT/media/ that no media row names;
  unlinked uploads: the devices' media rows that no inspection uses (a photo whose answer
  was lost and that the phone sent again);
- orphan files after the sweep: once the daily photo sweep (inspections.tasks.sweep_photos,
  queued here for files older than a minute) has run;
- tasks pending before/after: tasks ready or running just before the fault and after the
  worker has drained the queue (or WAIT_TASKS_S has passed); failed tasks of the run.
1b counts the Chromium phone's record: its state on the phone, inspections stored under
its uuid, photo rows of its user (1 expected) and the orphan files its kills left.
Not part of `make test`.
"""

import argparse
import datetime as dt
import hashlib
import os
import random
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlparse, urlunparse

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
from bulk import configure  # noqa: E402

from bench.devices import Device, NeedLogin, Transient, inside, jpeg  # noqa: E402

HOME = Path("/tmp/nongan-bench-faults")
DB_NAME = "nongan_faults"
NONGAN = str(ROOT / ".venv" / "bin" / "nongan")
# As a service account: root would write through any chmod.
UNPRIVILEGED = ["setpriv", "--bounding-set", "-dac_override,-dac_read_search", "--"]

def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


PORT = free_port()  # other people's servers run on this machine
BASE = f"http://127.0.0.1:{PORT}"
RETRY_PAUSE_S = 0.5
WAIT_TASKS_S = 240
IMPORT_ROWS = 6000
MEDIA_OUTAGE_S = 5.0
SEED = 20260609


def say(text: str = "") -> None:
    print(text, flush=True)


# ---------------------------------------------------------------- database and processes

def build() -> None:
    started = time.perf_counter()
    for args in (["init"], ["seed", "--producers", "300", "--years", "1", "--no-logins",
                            "--verbosity", "0"]):
        done = subprocess.run([NONGAN, *args], capture_output=True, text=True)
        if done.returncode:
            sys.exit(f"nongan {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    say(f"built: nongan init + seed --producers 300 --years 1 in "
        f"{time.perf_counter() - started:.0f} s")


def drop_database() -> None:
    import psycopg
    from django.db import connections

    connections.close_all()
    parts = urlparse(os.environ["DATABASE_URL"])
    with psycopg.connect(urlunparse(parts._replace(path="/postgres")), autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")


class Service:
    """`nongan serve` or `nongan worker` as a child process we can SIGKILL."""

    def __init__(self, name: str, args: list[str]):
        self.name, self.args, self.proc, self.starts = name, args, None, 0

    def start(self) -> None:
        self.starts += 1
        log = open(HOME / f"{self.name}-{self.starts}.log", "wb")  # noqa: SIM115
        self.proc = subprocess.Popen([*UNPRIVILEGED, NONGAN, *self.args], stdout=log,
                                     stderr=subprocess.STDOUT)
        log.close()

    def kill(self) -> None:
        self.proc.kill()  # SIGKILL: no handler, no clean-up
        self.proc.wait()

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self) -> None:
        if self.alive():
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()


server = Service("server", ["serve", "--port", str(PORT), "--threads", "8"])
worker = Service("worker", ["worker"])


def wait_server(timeout: float = 300) -> float:
    """Until the server answers; how long it took."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if not server.alive():
            sys.exit(f"nongan serve exited: see {HOME}/server-{server.starts}.log")
        try:
            if requests.get(BASE + "/login/", timeout=2).status_code == 200:
                return time.monotonic() - started
        except requests.RequestException:
            pass
        time.sleep(0.2)
    sys.exit("nongan serve did not answer")


def restart_server() -> float:
    server.start()
    return wait_server()


# ---------------------------------------------------------------- devices

class Counted(requests.Session):
    """A phone's connection, counting what failed: a refused or reset connection, a timeout,
    an answer of 5xx or 429 — with the detail of the answers the server gave."""

    def __init__(self, tally):
        super().__init__()
        self.tally = tally

    def request(self, method, url, *args, **kwargs):
        try:
            response = super().request(method, url, *args, **kwargs)
        except requests.RequestException as exc:
            self.tally.failed(method, url, type(exc).__name__)
            raise
        if response.status_code >= 500 or response.status_code == 429:
            try:
                detail = str(response.json().get("detail"))
            except ValueError:
                detail = f"(not JSON: {response.headers.get('Content-Type', '')})"
            self.tally.failed(method, url, f"HTTP {response.status_code} {detail}")
        return response


class Traffic:
    """Devices filling in and syncing inspections in threads until each has sent
    `records` records (or the deadline passes)."""

    def __init__(self, usernames: list[str], records: int, photos: int = 1,
                 deadline_s: float = 600):
        self.usernames, self.records_each, self.photos = usernames, records, photos
        self.seed = SEED + sum(map(ord, "".join(usernames)))
        self.deadline = time.monotonic() + deadline_s
        self.records, self.devices, self.retries = [], [], 0
        self.failures: dict[str, int] = {}
        self.orphans_before = orphan_files()
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self._run, args=(name, n), daemon=True)
                        for n, name in enumerate(usernames)]

    def failed(self, method, url, what) -> None:
        path = urlparse(url).path
        with self.lock:
            key = f"{method} {path if '/media' in path or '/inspections' in path else 'other'}" \
                  f": {what}"
            self.failures[key] = self.failures.get(key, 0) + 1

    def start(self) -> "Traffic":
        for thread in self.threads:
            thread.start()
        return self

    def acknowledged(self) -> int:
        return sum(len(d.acknowledged) for d in self.devices)

    def wait_acknowledged(self, n: int, timeout: float = 120) -> None:
        until = time.monotonic() + timeout
        while self.acknowledged() < n and time.monotonic() < until:
            time.sleep(0.05)

    def join(self) -> None:
        for thread in self.threads:
            thread.join(max(1.0, self.deadline - time.monotonic()))

    def _retrying(self, step) -> None:
        while time.monotonic() < self.deadline:
            try:
                return step()
            except (Transient, NeedLogin):
                with self.lock:
                    self.retries += 1
                time.sleep(RETRY_PAUSE_S)
        raise TimeoutError("device deadline passed")

    def _run(self, username: str, n: int) -> None:
        device = Device(Counted(self), BASE, username, rng=random.Random(self.seed + n))
        with self.lock:
            self.devices.append(device)
        self._retrying(device.login)
        self._retrying(device.refresh)
        for _ in range(self.records_each):
            record = device.fill_in(photos=self.photos)
            with self.lock:
                self.records.append(record)
            while any(r.state == "queued" for r in device.outbox):
                if time.monotonic() > self.deadline:
                    return
                if not device.logged_in:
                    self._retrying(device.login)
                device.sync()
                if any(r.state == "queued" for r in device.outbox):
                    with self.lock:
                        self.retries += 1
                    time.sleep(RETRY_PAUSE_S)


def device_users(count: int, skip: int = 0) -> list[str]:
    """Grid workers of the villages with the most producers, each its own phone."""
    from django.db.models import Count

    from nongan.people.models import User
    from nongan.producers.models import Producer

    villages = list(Producer.objects.values_list("village_id", flat=True)
                    .annotate(n=Count("id")).order_by("-n", "village_id"))
    users = dict(User.objects.filter(role="grid_worker", is_active=True,
                                     region_id__in=villages)
                 .values_list("region_id", "username"))
    return [users[v] for v in villages if v in users][skip:skip + count]


# ---------------------------------------------------------------- what the database holds

def tasks() -> dict:
    from django.db import close_old_connections
    from django_tasks_db.models import DBTaskResult

    close_old_connections()
    statuses = dict.fromkeys(("READY", "RUNNING", "SUCCESSFUL", "FAILED"), 0)
    for status in DBTaskResult.objects.values_list("status", flat=True):
        statuses[status] += 1
    return statuses


def pending() -> int:
    counts = tasks()
    return counts["READY"] + counts["RUNNING"]


def wait_tasks(timeout: float = WAIT_TASKS_S) -> float:
    """Until nothing is ready or running; how long it took."""
    started = time.monotonic()
    while pending() and time.monotonic() - started < timeout:
        time.sleep(0.5)
    return time.monotonic() - started


def scheduled_jobs() -> float:
    """Until the new worker has queued the day's jobs (core.schedule) and run them."""
    from django.utils import timezone

    from nongan.core.models import ScheduledRun
    from nongan.core.schedule import DAILY, SHANGHAI

    hour = timezone.localtime(timezone.now(), SHANGHAI).hour
    due = sum(1 for _, at, _ in DAILY if at <= hour)
    started = time.monotonic()
    while ScheduledRun.objects.count() < due and time.monotonic() - started < 60:
        time.sleep(0.2)
    wait_tasks()
    return time.monotonic() - started


def media_files() -> set[str]:
    from django.conf import settings

    root = Path(settings.MEDIA_ROOT)
    folder = root / "media"
    return {str(p.relative_to(root)) for p in folder.rglob("*") if p.is_file()} \
        if folder.exists() else set()


def orphan_files() -> set[str]:
    from django.db import close_old_connections

    from nongan.inspections.models import Media

    close_old_connections()
    return media_files() - set(Media.objects.values_list("file", flat=True))


def sweep() -> int:
    """The daily photo sweep, queued now for the files older than a minute (no upload is in
    flight: the devices are done); the orphan files left afterwards."""
    from nongan.inspections.tasks import sweep_photos

    time.sleep(max(0.0, 61 - (time.time() - newest_orphan())))
    sweep_photos.enqueue(older_than_minutes=1)
    wait_tasks()
    return len(orphan_files())


def newest_orphan() -> float:
    from django.conf import settings

    times = [(Path(settings.MEDIA_ROOT) / name).stat().st_mtime for name in orphan_files()]
    return max(times, default=0.0)


def check(traffic: Traffic) -> dict:
    """The counts of the module docstring for the records of one fault."""
    from django.db import close_old_connections
    from django.db.models import Count

    from nongan.inspections.models import Inspection, Media
    from nongan.people.models import User

    close_old_connections()
    records = traffic.records
    acked = {u for d in traffic.devices for u in d.acknowledged}
    by_uuid = {str(i.uuid): i for i in Inspection.objects.filter(
        uuid__in=[r.uuid for r in records]).prefetch_related("photos")}
    half = 0
    for record in records:
        stored = by_uuid.get(record.uuid)
        if stored is None:
            continue
        photos = {str(p.pk) for p in stored.photos.all()}
        signature = str(stored.signature_id) if stored.signature_id else None
        if photos != set(record.photo_ids) or signature != record.signature_id:
            half += 1
    users = User.objects.filter(username__in=traffic.usernames)
    media = list(Media.objects.filter(uploaded_by__in=users))
    used = {str(m) for m in Inspection.objects.filter(inspector__in=users)
            .values_list("photos", flat=True) if m} | {
        str(m) for m in Inspection.objects.filter(inspector__in=users)
        .values_list("signature_id", flat=True) if m}
    broken = 0
    for row in Media.objects.all():
        try:
            data = row.file.open("rb").read()
            row.file.close()
        except OSError:
            broken += 1
            continue
        if len(data) != row.size or hashlib.sha256(data).hexdigest() != row.sha256:
            broken += 1
    twice = (Inspection.objects.filter(uuid__in=list(by_uuid)).values("uuid")
             .annotate(n=Count("id")).filter(n__gt=1).count())
    refused = [r for r in records if r.state == "rejected"]
    return {
        "submitted": len(records),
        "refused (4xx)": len(refused) if not refused else f"{len(refused)}: {refused[0].errors}",
        "acknowledged": len(acked),
        "stored": len(by_uuid),
        "lost": len(acked - set(by_uuid)),
        "duplicates": twice + len(media) - len({m.sha256 for m in media}),
        "retries": traffic.retries,
        "half-written": half,
        "broken media": broken,
        "unlinked uploads": sum(1 for m in media if str(m.pk) not in used),
        "orphan files": len(orphan_files() - traffic.orphans_before),
        "orphan files after the sweep": sweep(),
    }


def show(title: str, counts: dict, notes: list[str], failures: dict) -> None:
    say("")
    say(title)
    width = max(len(k) for k in counts)
    for key, value in counts.items():
        say(f"  {key:<{width}}  {value}")
    for note in notes:
        say(f"  · {note}")
    if failures:
        say("  failed requests the devices saw (then retried):")
        for what, n in sorted(failures.items(), key=lambda kv: -kv[1])[:8]:
            say(f"    {n:5d} × {what}")


# ---------------------------------------------------------------- the faults

def fault_server(users: list[str], records: int) -> None:
    traffic = Traffic(users, records).start()
    total = len(users) * records
    notes, before = [], pending()
    for k in range(1, 4):
        traffic.wait_acknowledged(total * k // 4)
        server.kill()
        time.sleep(1.0)
        notes.append(f"kill {k} at {traffic.acknowledged()} acknowledged; back in "
                     f"{restart_server():.1f} s")
    traffic.join()
    waited = wait_tasks()
    counts = check(traffic) | {"tasks pending before": before, "tasks pending after": pending(),
                               "failed tasks": tasks()["FAILED"]}
    notes.append(f"queue drained {waited:.0f} s after the devices finished")
    show("1. server killed (SIGKILL ×3) during syncs", counts, notes, traffic.failures)
    orphans = orphan_files()
    phone = field_app(device_users(1, skip=4 * len(users))[0])
    orphans_now = len(orphan_files() - orphans)
    steps = phone.pop("steps")
    phone["orphan files"] = orphans_now
    phone["orphan files after the sweep"] = sweep()
    show("1b. the field app (Chromium): offline queue, server down, killed twice mid-sync",
         phone, steps, {})


class Held:
    """A lock held in PostgreSQL by a connection of the bench's own, to stop the server at a
    chosen point of a request: the audit chain's head (taken by every audited write just
    before it commits) or the amendments table (read just after an inspection has been
    committed, to answer it)."""

    SQL = {"before commit": "SELECT 1 FROM core_audithead FOR UPDATE",
           "after commit": "LOCK TABLE inspections_amendment IN ACCESS EXCLUSIVE MODE"}

    def __init__(self, point: str):
        import psycopg

        self.conn = psycopg.connect(os.environ["DATABASE_URL"])
        self.conn.execute(self.SQL[point])

    def release(self) -> None:
        self.conn.rollback()
        self.conn.close()


def wait_until(condition, timeout: float = 60) -> bool:
    until = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > until:
            return False
        time.sleep(0.05)
    return True


def field_app(username: str) -> dict:
    """The real field app in Chromium: one inspection queued offline, then sent (1) with
    the server down, (2) into a server killed after writing the photo's file, before its
    row is committed, (3) into a server killed after committing the record, before
    answering — then (4) once more with the server back. Answers what the phone and the
    database show at the end."""
    from django.db import close_old_connections
    from playwright.sync_api import sync_playwright

    from nongan.inspections.models import Inspection, Media
    from nongan.people.models import User
    from nongan.producers.models import Plot
    from nongan.testing import BROWSER_ARGS, CHROMIUM, phone_page

    user = User.objects.get(username=username)
    plot = Plot.objects.filter(producer__village_id=user.region_id, active=True).first()
    lon, lat = inside(plot.geometry)
    photo = HOME / "field-photo.jpg"
    photo.write_bytes(jpeg(dt.datetime.now(dt.UTC), lon, lat, random.Random(1)))
    steps = []
    # Playwright's sync API runs an event loop in this thread; our ORM calls stay synchronous.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                     args=BROWSER_ARGS)
        page, errors = phone_page(browser, BASE, user)
        context = page.context
        page.goto(BASE + "/field/")
        page.wait_for_function("document.body.dataset.cached === '1'", timeout=60000)
        page.evaluate("navigator.serviceWorker.ready.then(() => true)")
        page.reload()
        page.wait_for_function("navigator.serviceWorker.controller !== null")
        page.wait_for_function("document.body.dataset.cached === '1'", timeout=60000)

        context.set_offline(True)
        context.grant_permissions(["geolocation"], origin=BASE)
        context.set_geolocation({"longitude": lon, "latitude": lat, "accuracy": 8})
        page.reload()
        page.evaluate(f"location.hash = '#producer={plot.producer_id}'")
        page.wait_for_function("document.querySelector('#gps-status').innerText.includes('精度')")
        for item in page.locator("#items .f-item").all():
            kind = item.get_attribute("data-type")
            if kind == "yes_no":
                item.locator("label:has(input[value=yes])").click()
            elif kind == "number":
                item.locator("input").fill("3")
        page.set_input_files("#photo-input", str(photo))
        page.click(".f-seg label:has(input[name=result][value=pass])")
        page.fill("#refused", "负责人外出，未能签字")
        page.click("#submit")
        page.locator("#outbox li[data-state=queued]").wait_for()
        uuid = page.get_attribute("#outbox li", "data-uuid")
        steps.append("queued offline")

        def sync_round():
            rounds = int(page.get_attribute("body", "data-sync-rounds") or 0)
            page.click("#sync-now")
            page.wait_for_function(f"Number(document.body.dataset.syncRounds) > {rounds}",
                                   timeout=120000)

        def stored() -> bool:
            close_old_connections()
            return Inspection.objects.filter(uuid=uuid).exists()

        server.kill()
        context.set_offline(False)
        sync_round()
        steps.append(f"server down: {page.inner_text('#count-queued')} still queued")

        restart_server()
        files_before = media_files()
        held = Held("before commit")
        try:
            page.click("#sync-now")
            file_written = wait_until(lambda: len(media_files() - files_before) > 0)
            server.kill()
        finally:
            held.release()
        page.wait_for_function("!document.querySelector('#sync-now').disabled")
        steps.append(f"killed before the photo's row was committed (file written: "
                     f"{file_written}): {page.inner_text('#count-queued')} still queued, "
                     f"media rows {Media.objects.filter(uploaded_by=user).count()}")

        restart_server()
        held = Held("after commit")
        try:
            page.click("#sync-now")
            committed = wait_until(stored)
            server.kill()
        finally:
            held.release()
        page.wait_for_function("!document.querySelector('#sync-now').disabled")
        steps.append(f"killed after the record was committed ({committed}), before the "
                     f"answer: {page.inner_text('#count-queued')} still queued")

        restart_server()
        sync_round()
        synced = page.locator(f"#outbox li[data-uuid='{uuid}']").get_attribute("data-state")
        steps.append(f"server back: the record is {synced}")
        browser.close()
    close_old_connections()
    inspections = Inspection.objects.filter(uuid=uuid)
    media = Media.objects.filter(uploaded_by=user)
    linked = {str(p.pk) for i in inspections for p in i.photos.all()}
    return {"steps": steps, "script errors": errors, "state on the phone": synced,
            "inspections stored": inspections.count(), "photos linked": len(linked),
            "photo rows": media.count(), "orphan files": len(orphan_files())}


def import_file(rows: int, first: int) -> tuple:
    """A producer register CSV of `rows` new cooperatives in the officer's district, their
    credit codes numbered from `first`."""
    import csv
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile

    from nongan.people.models import User
    from nongan.producers.importing import PRODUCER_COLUMNS
    from nongan.regions.models import Region
    from nongan.testing import uscc

    officer = User.objects.filter(role="district_officer", is_active=True).order_by("pk").first()
    villages = list(Region.objects.filter(level="village", code__startswith=officer.region_id[:6])
                    .values_list("code", flat=True)[:50])
    labels = {c.key: c.label for c in PRODUCER_COLUMNS}
    keys = ["name", "kind", "uscc", "legal_rep", "phone", "village", "area_mu", "products"]
    text = io.StringIO()
    out = csv.writer(text)
    out.writerow([labels[k] for k in keys])
    for n in range(rows):
        out.writerow([f"故障测试合作社{n:05d}", "农民专业合作社",
                      uscc(first + n, area=officer.region_id[:6]), "王五", "13900000000",
                      villages[n % len(villages)], "35.5", "青菜:上海青"])
    return officer, SimpleUploadedFile("故障测试.csv", text.getvalue().encode("utf-8-sig"))


class LongImport:
    """A producer import of IMPORT_ROWS rows, queued: a task of half a minute or more, checked
    afterwards by its job and the register's count."""

    def __init__(self, first: int):
        from nongan.producers import import_services
        from nongan.producers.models import Producer

        officer, upload = import_file(IMPORT_ROWS, first)
        self.before = Producer.objects.count()
        self.job = import_services.start_import("producers", upload, actor=officer)

    def wait_running(self, timeout: float = 120) -> str:
        """Until the worker is checking its rows; where it is."""
        job = self.job

        def checking() -> bool:
            job.refresh_from_db()
            return job.status == "running" and job.processed > 0

        wait_until(checking, timeout)
        return f"{job.processed}/{job.total} rows checked (job {job.status})"

    def outcome(self) -> str:
        from nongan.producers.models import Producer

        self.job.refresh_from_db()
        added = Producer.objects.count() - self.before
        return (f"job {self.job.status}, {self.job.imported} imported (register +{added}, "
                f"expected +{IMPORT_ROWS})")


def fault_worker(users: list[str], records: int) -> None:
    from nongan.risk.tasks import run_risk

    traffic = Traffic(users, records).start()
    work = LongImport(1_000_000)
    run_risk.enqueue()
    where = work.wait_running()
    before = pending()
    worker.kill()
    notes = [f"worker killed with the import at {where}"]
    time.sleep(2.0)
    worker.start()
    waited = wait_tasks()
    traffic.join()
    notes.append(f"{waited:.0f} s after the restart: {work.outcome()}")
    counts = check(traffic) | {"tasks pending before": before, "tasks pending after": pending(),
                               "failed tasks": tasks()["FAILED"]}
    show("2. worker killed (SIGKILL) in the middle of an import", counts, notes,
         traffic.failures)


def postgres(action: str) -> subprocess.CompletedProcess:
    """pg_ctlcluster on the cluster DATABASE_URL's port belongs to (this machine has more)."""
    port = str(urlparse(os.environ["DATABASE_URL"]).port or 5432)
    listed = subprocess.run(["pg_lsclusters", "--no-header"], capture_output=True, text=True,
                            check=True).stdout.splitlines()
    version, cluster = next(line.split()[:2] for line in listed if line.split()[2] == port)
    return subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, cluster,
                           action], capture_output=True, text=True, timeout=120)


def postgres_up() -> bool:
    return postgres("status").returncode == 0


def fault_postgres(users: list[str], records: int) -> None:
    from django.db import connections

    traffic = Traffic(users, records).start()
    traffic.wait_acknowledged(len(users) * records // 3)
    work = LongImport(2_000_000)
    where = work.wait_running()
    before = pending()
    started = time.monotonic()
    try:
        done = postgres("restart")
    finally:
        if not postgres_up():
            postgres("start")
    connections.close_all()
    notes = [f"pg_ctlcluster restart with the import at {where}: exit {done.returncode} in "
             f"{time.monotonic() - started:.1f} s"]
    traffic.join()
    waited = wait_tasks()
    notes.append(f"server {'up' if server.alive() else 'DEAD'}, worker "
                 f"{'up' if worker.alive() else 'DEAD'} (neither restarted); queue drained "
                 f"{waited:.0f} s after the devices finished: {work.outcome()}")
    counts = check(traffic) | {"tasks pending before": before, "tasks pending after": pending(),
                               "failed tasks": tasks()["FAILED"]}
    show("3. PostgreSQL restarted during traffic and an import", counts, notes,
         traffic.failures)


def fault_media(users: list[str], records: int) -> None:
    from django.conf import settings

    root = Path(settings.MEDIA_ROOT)
    traffic = Traffic(users, records).start()
    traffic.wait_acknowledged(len(users) * records // 4)
    before = pending()
    folders = [root, *[p for p in root.rglob("*") if p.is_dir()]]
    modes = {p: p.stat().st_mode & 0o7777 for p in folders}
    acked_at = traffic.acknowledged()
    try:
        for folder in folders:
            folder.chmod(0o555)
        time.sleep(MEDIA_OUTAGE_S)
        acked_during = traffic.acknowledged() - acked_at
    finally:
        for folder, mode in modes.items():
            folder.chmod(mode)
    traffic.join()
    wait_tasks()
    notes = [f"media folder read-only for {MEDIA_OUTAGE_S:.0f} s ({len(folders)} folders); "
             f"records acknowledged meanwhile: {acked_during} (those whose photos were "
             f"already uploaded)"]
    counts = check(traffic) | {"tasks pending before": before, "tasks pending after": pending(),
                               "failed tasks": tasks()["FAILED"]}
    show("4. media folder read-only during uploads", counts, notes, traffic.failures)


# ---------------------------------------------------------------- main

def main() -> None:
    global RETRY_PAUSE_S
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--devices", type=int, default=8, help="phones per fault (default 8)")
    parser.add_argument("--records", type=int, default=12,
                        help="inspections per phone and fault (default 12)")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--only", nargs="*", type=int, choices=[1, 2, 3, 4],
                        help="run only these faults")
    args = parser.parse_args()
    os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    if not os.environ["DATABASE_URL"].startswith("postgres"):
        sys.exit("bench/faults.py needs PostgreSQL (DATABASE_URL=postgres://...)")
    shutil.rmtree(HOME, ignore_errors=True)
    HOME.mkdir(parents=True)
    os.environ["NONGAN_HOME"] = str(HOME)
    configure(DB_NAME, HOME, reuse=False)
    build()
    started = time.perf_counter()
    try:
        restart_server()
        worker.start()
        say(f"worker: the day's scheduled jobs queued and run in {scheduled_jobs():.0f} s")
        faults = {1: fault_server, 2: fault_worker, 3: fault_postgres, 4: fault_media}
        for n, run in faults.items():
            if args.only and n not in args.only:
                continue
            run(device_users(args.devices, skip=(n - 1) * args.devices), args.records)
    finally:
        server.stop()
        worker.stop()
        if not postgres_up():
            postgres("start")
        if not args.keep:
            drop_database()
    say(f"\nwhole run {time.perf_counter() - started:.0f} s (logs in {HOME})")


if __name__ == "__main__":
    main()

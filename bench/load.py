"""Load test: field devices syncing inspections with photos and office users browsing, against
`nongan serve` and `nongan worker` on PostgreSQL over loopback, driven by locust
(bench/locustfile.py, the phones' protocol in bench/devices.py). Then the count: every record a
phone got acknowledged is stored exactly once, with its photos.

    make bench-load                  # 10 minutes, 200 devices, 20 office users
    .venv/bin/python bench/load.py --minutes 2 --reuse

A fresh database `nongan_load` (on the server of DATABASE_URL, default the local PostgreSQL)
is seeded with `nongan seed --producers 3000 --years 1` unless --reuse. First a floor: the
same scenario with one device and one office user and no pauses, for a minute. Then the load.
Prints per kind of request the count, failures, requests/s, p50/p95/max over the whole run and
p50/p95 over its second half, beside the p50 alone; the CPU each process used (the load
generator, the server and other work share the machine); and the exactly-once counts. Exits 1
when a request failed (other than the answers the phones drop on purpose), a count is off or
the audit chain is broken. Not part of `make test`.
"""

import argparse
import collections
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BIN = Path(sys.executable).parent
HOME = ROOT / "var" / "bench-load"
FLOOR_S = 60


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--devices", type=int, default=200)
    parser.add_argument("--office", type=int, default=20)
    parser.add_argument("--visit-seconds", type=float, default=120,
                        help="mean seconds between two forms of one device")
    parser.add_argument("--spawn-rate", type=float, default=2, help="users started per second")
    parser.add_argument("--threads", type=int, default=8, help="nongan serve --threads")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--producers", type=int, default=3000)
    parser.add_argument("--years", type=int, default=1)
    parser.add_argument("--reuse", action="store_true", help="keep the seeded database")
    return parser.parse_args()


def run(*command, env) -> float:
    """A `nongan` command, quiet unless it fails; answers the seconds it took."""
    start = time.perf_counter()
    done = subprocess.run([str(BIN / "nongan"), *command], env=env, capture_output=True,
                          text=True)
    if done.returncode:
        sys.exit(f"nongan {' '.join(command)} failed:\n{done.stderr[-3000:]}")
    return time.perf_counter() - start


def wait_for(url: str, process: subprocess.Popen, seconds=300) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"the server exited ({process.returncode}); see {HOME}/serve.log")
        try:
            with urllib.request.urlopen(url, timeout=5):
                return
        except OSError:
            time.sleep(1)
    sys.exit(f"the server did not answer {url} in {seconds} s")


def accounts(devices: int, office: int) -> dict:
    """Grid workers with producers in their village, taken from every district in turn (so
    the writes spread over the city's regions); district and town officers for the office."""
    from django.db.models import Exists, OuterRef

    from nongan.people.models import User
    from nongan.producers.models import Producer

    producers = Producer.objects.filter(village_id=OuterRef("region_id"), active=True)
    workers = (User.objects.filter(role="grid_worker", is_active=True)
               .filter(Exists(producers)).order_by("username")
               .values_list("username", "region_id"))
    by_district = collections.defaultdict(list)
    for username, region in workers:
        by_district[region[:6]].append(username)
    chosen = []
    while len(chosen) < devices and any(by_district.values()):
        for names in by_district.values():
            if names and len(chosen) < devices:
                chosen.append(names.pop(0))
    if len(chosen) < devices:
        sys.exit(f"only {len(chosen)} grid workers have producers; seed more producers")
    district = list(User.objects.filter(role="district_officer", is_active=True).filter(
        Exists(Producer.objects.filter(district_id=OuterRef("region_id")))).order_by(
        "username").values_list("username", "region_id"))
    town = list(User.objects.filter(role="town_officer", is_active=True).filter(
        Exists(Producer.objects.filter(town_id=OuterRef("region_id")))).order_by(
        "username").values_list("username", "region_id"))
    office_users = (district[: office - office // 2] + town[::max(1, len(town) // office)]
                    )[:office]
    return {"devices": chosen,
            "office": [{"username": u, "region": r} for u, r in office_users]}


class CpuClock:
    """CPU used by each process of the test over the run (psutil, shipped with locust): the
    load generator, the server and the database share the machine's cores."""

    def __init__(self, pids: dict[str, int]):
        import psutil

        self.psutil = psutil
        self.processes = {name: psutil.Process(pid) for name, pid in pids.items()}
        self.start, self.wall = self._times(), time.monotonic()

    def _seconds(self, processes) -> dict[int, float]:
        seconds = {}
        for process in processes:
            try:
                seconds[process.pid] = sum(process.cpu_times()[:2])  # user, system
            except self.psutil.Error:
                pass  # ended between the listing and the reading
        return seconds

    def _times(self) -> dict[str, dict[int, float]]:
        times = {name: self._seconds([p]) for name, p in self.processes.items()}
        # Backends that ended during the run are lost: a lower bound.
        times["postgres (all databases)"] = self._seconds(
            p for p in self.psutil.process_iter(["name"]) if p.info["name"] == "postgres")
        times["whole machine"] = {0: sum(self.psutil.cpu_times()[:3])}  # user, nice, system
        return times

    def used(self) -> dict[str, float]:
        """CPU seconds each used since the clock started; "wall": seconds passed."""
        end = self._times()
        return {name: sum(t - self.start[name].get(pid, 0.0) for pid, t in end[name].items())
                for name in end} | {"wall": time.monotonic() - self.wall}


def requests_of(path: Path) -> list[tuple[float, str, float, bool]]:
    """(start, kind, ms, failed) of every request locust made (locustfile's request log)."""
    found = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            start, kind, ms, status, failed = line.rstrip("\n").split("\t")
            found.append((float(start), kind, float(ms),
                          failed == "1" or not 0 < int(status) < 400))
    return found


def percentile(values: list[float], q: int) -> float:
    if len(values) < 2:
        return values[0] if values else float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def by_kind(found) -> dict[str, list]:
    kinds = collections.defaultdict(list)
    for request in found:
        kinds[request[1]].append(request)
        kinds["all requests"].append(request)
    return dict(sorted(kinds.items(), key=lambda kv: (kv[0] == "all requests", kv[0])))


def print_table(found, floor) -> int:
    """Per kind of request: the whole run, its second half (everyone logged in long since),
    and the p50 of the same kind alone (the floor run). Answers the failed requests, less the
    answers the test itself made the phones lose."""
    start = min(r[0] for r in found)
    half = start + (max(r[0] for r in found) - start) / 2
    alone = {kind: percentile([r[2] for r in rs], 50) for kind, rs in by_kind(floor).items()}
    print(f"\n{'':46} {'whole run':>43} | {'2nd half':>13} | {'alone':>5}")
    print(f"{'request':46} {'count':>6} {'fail':>4} {'req/s':>6} {'p50':>6} {'p95':>6} "
          f"{'max':>6} | {'p50':>6} {'p95':>6} | {'p50':>5}  (ms)")
    seconds = max(r[0] for r in found) - start
    failures = 0
    for kind, rs in by_kind(found).items():
        ms = [r[2] for r in rs]
        late = [r[2] for r in rs if r[0] >= half]
        failed = sum(1 for r in rs if r[3])
        # "all requests" repeats them; "[answer lost]" are the phones' own timeouts (locustfile)
        if kind != "all requests" and not kind.endswith("[answer lost]"):
            failures += failed
        print(f"{kind[:46]:46} {len(rs):6} {failed:4} {len(rs) / seconds:6.1f} "
              f"{percentile(ms, 50):6.0f} {percentile(ms, 95):6.0f} {max(ms):6.0f} | "
              f"{percentile(late, 50):6.0f} {percentile(late, 95):6.0f} | "
              f"{alone.get(kind, float('nan')):5.0f}")
    return failures


def exactly_once(ledger_path: Path, started) -> dict:
    """Count in the database what the phones were told is stored."""
    from django.db.models import Count

    from nongan.core.models import AuditEntry
    from nongan.inspections.models import Inspection, Media, Rectification

    queued, acked = {}, {}
    with open(ledger_path, encoding="utf-8") as f:
        for line in f:
            entry = json.loads(line)
            (acked if entry["event"] == "acked" else queued)[entry["uuid"]] = entry
    rows = collections.Counter()
    stored = {}
    for uuid, pk, result in (Inspection.objects.filter(uuid__in=list(queued))
                             .values_list("uuid", "id", "result")):
        rows[str(uuid)] += 1
        stored[str(uuid)] = (pk, result)
    photo_links = collections.defaultdict(set)
    through = Inspection.photos.through
    for pk, media in through.objects.filter(
            inspection_id__in=[pk for pk, _ in stored.values()]).values_list(
            "inspection_id", "media_id"):
        photo_links[pk].add(str(media))
    signatures = dict(Inspection.objects.filter(uuid__in=list(acked))
                      .values_list("id", "signature_id"))
    missing = [u for u in acked if rows[u] == 0]
    wrong_id = [u for u, e in acked.items() if u in stored and stored[u][0] != e["id"]]
    photos_acked = sum(len(e["photo_ids"]) for e in acked.values())
    photos_stored = sum(len(photo_links[stored[u][0]]) for u in acked if u in stored)
    photos_differ = [u for u, e in acked.items()
                     if u in stored and photo_links[stored[u][0]] != set(e["photo_ids"])]
    signatures_differ = [u for u, e in acked.items() if u in stored and
                         str(signatures.get(stored[u][0]) or "") != (e["signature_id"] or "")]
    ids = [pk for pk, _ in stored.values()]
    audit = collections.Counter(dict(
        AuditEntry.objects.filter(action="inspection.submit", object_id__in=[str(i) for i in ids])
        .values_list("object_id").annotate(n=Count("id")).values_list("object_id", "n")))
    orders = collections.Counter(dict(
        Rectification.objects.filter(ordered_by_id__in=ids).values_list("ordered_by_id")
        .annotate(n=Count("id")).values_list("ordered_by_id", "n")))
    rectify = [pk for pk, result in stored.values() if result == "rectify"]
    referenced = {m for links in photo_links.values() for m in links} | {
        str(s) for s in signatures.values() if s}
    devices = {e["device"] for e in queued.values()}
    uploads = list(Media.objects.filter(uploaded_by__username__in=devices,
                                        uploaded_at__gte=started).values_list("id", "file"))
    on_disk = 0
    media_root = HOME / "media"
    for media_id, name in uploads:
        if str(media_id) in referenced and (media_root / name).is_file():
            on_disk += 1
    return {
        "records queued on phones": len(queued),
        "records acknowledged": len(acked),
        "still queued on phones at the end": len(set(queued) - set(acked)),
        "acknowledged, missing in the database": len(missing),
        "acknowledged, stored more than once": sum(1 for u in acked if rows[u] > 1),
        "acknowledged, stored under another id": len(wrong_id),
        "not acknowledged, but stored": sum(1 for u in set(queued) - set(acked) if rows[u]),
        "records re-sent under the same uuid": sum(1 for e in acked.values() if e["sends"] > 1),
        "  of which answered 200 (an earlier send had stored it)": sum(
            1 for e in acked.values() if e["sends"] > 1 and not e["created"]),
        "photos acknowledged": photos_acked,
        "photos stored with their records": photos_stored,
        "records whose photos differ": len(photos_differ),
        "records whose signature differs": len(signatures_differ),
        "photo and signature files on disk": on_disk,
        "uploads not in any record (answer lost, or record still queued)":
            len(uploads) - len([m for m, _ in uploads if str(m) in referenced]),
        "audit entries per stored record ≠ 1": sum(1 for i in ids if audit[str(i)] != 1),
        "rectify records whose order count ≠ 1": sum(1 for i in rectify if orders[i] != 1),
        "_problems": (len(missing) + sum(1 for u in acked if rows[u] > 1) + len(wrong_id)
                      + len(photos_differ) + len(signatures_differ)
                      + sum(1 for i in ids if audit[str(i)] != 1)
                      + sum(1 for i in rectify if orders[i] != 1)),
    }


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def swarm(name: str, env: dict, devices: int, office: int, seconds: int, spawn_rate: float,
          watch: dict[str, int]) -> tuple[list, dict]:
    """One headless locust run of bench/locustfile.py: its requests, and the CPU seconds each
    watched process (and the whole machine) used meanwhile."""
    log_path = HOME / "results" / f"{name}-requests.tsv"
    with open(HOME / f"locust-{name}.log", "w") as log:
        locust = subprocess.Popen(
            [str(BIN / "locust"), "-f", str(ROOT / "bench" / "locustfile.py"), "--headless",
             "-u", str(devices + office), "-r", str(spawn_rate), "-t", f"{seconds}s",
             "--host", env["NONGAN_LOAD_URL"], "--stop-timeout", "90", "--only-summary"],
            env=env | {"NONGAN_LOAD_DEVICES": str(devices), "NONGAN_LOAD_OFFICE": str(office),
                       "NONGAN_LOAD_REQUESTS": str(log_path)},
            stdout=log, stderr=subprocess.STDOUT)
        clock = CpuClock({"locust (load generator)": locust.pid} | watch)
        cpu = clock.used()
        while locust.poll() is None:  # read the clock while locust still runs
            cpu = clock.used()
            time.sleep(5)
    return requests_of(log_path), cpu


def main():
    args = parse_args()
    os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    os.environ["NONGAN_HOME"] = str(HOME)
    if not args.reuse:
        shutil.rmtree(HOME / "media", ignore_errors=True)
    from bench.bulk import configure

    configure("nongan_load", HOME, args.reuse)
    env = dict(os.environ)
    if not args.reuse:
        print(f"nongan init: {run('init', env=env):.0f} s")
        seconds = run("seed", "--producers", str(args.producers), "--years", str(args.years),
                      env=env)
        print(f"nongan seed --producers {args.producers} --years {args.years}: {seconds:.0f} s")
    from django.db import connection
    from django.utils import timezone

    from nongan.inspections.models import Inspection

    results = HOME / "results"
    shutil.rmtree(results, ignore_errors=True)
    results.mkdir(parents=True)
    accounts_file, ledger_file = results / "accounts.json", results / "ledger.jsonl"
    accounts_file.write_text(json.dumps(accounts(args.devices, args.office), ensure_ascii=False),
                             encoding="utf-8")
    url = f"http://127.0.0.1:{args.port}"
    env |= {"NONGAN_LOAD_ACCOUNTS": str(accounts_file), "NONGAN_LOAD_URL": url,
            "NONGAN_LOAD_VISIT_S": str(args.visit_seconds)}
    connection.close()  # idle through the run: the server and worker get the connections

    users = args.devices + args.office
    logs = {name: open(HOME / f"{name}.log", "w") for name in ("serve", "worker")}  # noqa: SIM115
    # Each simulated phone and desk keeps its connection open between requests, as browsers do.
    server = subprocess.Popen([str(BIN / "nongan"), "serve", "--port", str(args.port),
                               "--threads", str(args.threads), "--connections",
                               str(users + 50)], env=env,
                              stdout=logs["serve"], stderr=subprocess.STDOUT)
    worker = subprocess.Popen([str(BIN / "nongan"), "worker"], env=env,
                              stdout=logs["worker"], stderr=subprocess.STDOUT)
    watch = {"nongan serve": server.pid, "nongan worker": worker.pid}
    try:
        wait_for(f"{url}/login/", server)
        print(f"floor: 1 device + 1 office user, no pauses, {FLOOR_S} s")
        floor, floor_cpu = swarm("floor", env | {"NONGAN_LOAD_PAUSE": "0",
                                         "NONGAN_LOAD_LEDGER": str(results / "floor.jsonl")},
                         1, 1, FLOOR_S, 1, watch)
        ledger_file.write_text("")
        before, started = Inspection.objects.count(), timezone.now()
        connection.close()
        print(f"load: {args.devices} devices (a form every {args.visit_seconds:g} s each) + "
              f"{args.office} office users for {args.minutes:g} min, {args.spawn_rate:g} "
              f"started a second, on {url} (waitress, {args.threads} threads); "
              f"{os.cpu_count()} cores shared with other work")
        made, cpu = swarm("load", env | {"NONGAN_LOAD_LEDGER": str(ledger_file)},
                          args.devices, args.office, int(args.minutes * 60), args.spawn_rate,
                          watch)
    finally:
        for process in (server, worker):
            stop(process)
        for log in logs.values():
            log.close()

    failures = print_table(made, floor)
    wall = cpu.pop("wall")
    print(f"\nCPU over the run, in cores (of {os.cpu_count()}): " + ", ".join(
        f"{name} {used / wall:.2f}" for name, used in cpu.items()))
    served = len(made)
    alone = len(floor)
    print(f"server CPU per request: {cpu['nongan serve'] / served * 1000:.0f} ms on average "
          f"(alone: {floor_cpu['nongan serve'] / alone * 1000:.0f} ms)")
    server_log = (HOME / "serve.log").read_text(errors="replace")
    server_errors = server_log.count("Traceback")
    depths = [int(n) for n in re.findall(r"Task queue depth is (\d+)", server_log)]
    print(f"server tracebacks in serve.log: {server_errors}; waitress queue depth: "
          f"max {max(depths, default=0)}; load average at the end "
          f"{' '.join(f'{n:.1f}' for n in os.getloadavg())}")
    counts = exactly_once(ledger_file, started)
    problems = counts.pop("_problems")
    print(f"\nexactly once ({Inspection.objects.count() - before} inspections added to "
          f"{before}):")
    for name, value in counts.items():
        print(f"  {name:66} {value:>7}")
    audit = subprocess.run([str(BIN / "nongan"), "audit", "verify"], env=env,
                           capture_output=True, text=True)
    print(f"nongan audit verify: {(audit.stdout or audit.stderr).strip()}")
    if failures or problems or server_errors or audit.returncode:
        sys.exit(1)


if __name__ == "__main__":
    main()

"""The load scenario run by bench/load.py: field devices syncing inspections with photos, and
office users browsing. Locust runs it headless; load.py writes the accounts file and reads the
ledger this file writes.

Environment (set by load.py):
  NONGAN_LOAD_ACCOUNTS  JSON {"devices": [username...], "office": [{"username", "region"}...]}
  NONGAN_LOAD_LEDGER    JSON-lines file: one line per record queued on a phone and per record
                        the server acknowledged — what the exactly-once count checks
  NONGAN_LOAD_REQUESTS  tab-separated file: one line per request (start, kind, ms, status,
                        failed), so load.py can take percentiles over any part of the run
  NONGAN_LOAD_DEVICES, NONGAN_LOAD_OFFICE   how many of each user (-u must be their sum)
  NONGAN_LOAD_VISIT_S   mean seconds between two forms of one device (default 120)
  NONGAN_LOAD_PAUSE     0: no pauses at all (load.py's floor run: the same requests, one
                        device and one desk)

Pacing: a worker needs 20–60 minutes per visit in real life; here a device finishes a form
every 60–180 s, so 200 devices send 6,000 inspections an hour (the city makes about 140,000 in
a year). One visit in eight
is made without network: the record waits in the outbox and goes with the next round once
the phone is online again, as in the field. Office users read a page every 5–15 s.
"""

import itertools
import json
import os
import random
import re
import sys
import time

import gevent
from locust import HttpUser, between, events, task

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench.devices import DEMO_PASSWORD, Device, NeedLogin, Transient  # noqa: E402

with open(os.environ["NONGAN_LOAD_ACCOUNTS"], encoding="utf-8") as f:
    ACCOUNTS = json.load(f)
DEVICE_NAMES = itertools.cycle(ACCOUNTS["devices"])
OFFICE_NAMES = itertools.cycle(ACCOUNTS["office"])
# Line-buffered: every line is in the file as soon as written, whenever locust stops.
LEDGER = open(os.environ["NONGAN_LOAD_LEDGER"], "a", encoding="utf-8", buffering=1)  # noqa: SIM115
REQUESTS = open(os.environ["NONGAN_LOAD_REQUESTS"], "w", encoding="utf-8", buffering=1)  # noqa: SIM115
PAUSE = float(os.environ.get("NONGAN_LOAD_PAUSE", "1"))
VISIT_S = float(os.environ.get("NONGAN_LOAD_VISIT_S", "120")) * PAUSE
OFFLINE_SHARE = 1 / 8
# The app downloads its offline data again when told, or back online; the floor run each visit.
REFRESH_EVERY_S = 600 * PAUSE
SYNC_EVERY_S = 30 * PAUSE  # app.js SYNC_EVERY_MS
DRAIN_ROUNDS = 10  # sync rounds a phone makes before it leaves the rest to its next visit
LOST_SHARE = 1 / 20
LOST = "[answer lost]"  # load.py counts these failures apart: the test makes them
LINK = {kind: re.compile(rf'href="/{kind}/(\d+)/"') for kind in ("producers", "inspections")}
PHOTO = re.compile(r'src="(/inspections/\d+/photos/[0-9a-f-]+)"')


def ledger(event: str, device: Device, record) -> None:
    line = {"event": event, "device": device.username, "uuid": record.uuid,
            "photos": len(record.photo_ids), "signature": record.payload["refused_signature"] == ""}
    if event == "acked":
        line |= {"id": record.answer["id"], "photo_ids": record.answer["photos"],
                 "signature_id": record.signature_id, "sends": record.sends,
                 "created": record.created}
    LEDGER.write(json.dumps(line) + "\n")


@events.request.add_listener
def _log_request(name, response_time, response, exception, start_time, **_):
    status = getattr(response, "status_code", 0) or 0
    REQUESTS.write(f"{start_time:.3f}\t{name}\t{response_time:.1f}\t{status}\t"
                   f"{int(exception is not None)}\n")


class FlakyNetwork(Device):
    """A phone on a rural mobile network: one record POST in LOST_SHARE loses its answer (the
    phone gives up after 10 ms; the server goes on and stores the record), so the next sync
    round sends it again under the same uuid and must get the stored record back (200)."""

    def _send(self, method, path, kind, **kwargs):
        if kind != "POST /api/v1/inspections" or random.random() >= LOST_SHARE:
            return super()._send(method, path, kind, **kwargs)
        patient, self.timeout = self.timeout, 0.01
        try:
            return super()._send(method, path, f"{kind} {LOST}", **kwargs)
        finally:
            self.timeout = patient


class FieldDevice(HttpUser):
    """A grid worker's phone running the field app."""

    fixed_count = int(os.environ.get("NONGAN_LOAD_DEVICES", "200"))
    wait_time = between(VISIT_S / 2, VISIT_S * 3 / 2)

    def on_start(self):
        self.device = FlakyNetwork(self.client, self.host, next(DEVICE_NAMES))
        self.offline_visits = 0
        self.refreshed = 0.0

    def _ready(self) -> bool:
        device = self.device
        try:
            if not device.logged_in:
                device.login()
            if not device.producers or time.monotonic() - self.refreshed > REFRESH_EVERY_S:
                first = not device.producers
                device.refresh()
                # Phones are switched on together but refresh when their workers say: spread.
                self.refreshed = time.monotonic() - (
                    random.uniform(0, REFRESH_EVERY_S) if first else 0)
        except (Transient, NeedLogin):
            return False
        return bool(device.producers)

    def _sync(self) -> None:
        """A sync round, and as app.js's timer does, another every SYNC_EVERY_S while records
        are left queued (a failure ended the round)."""
        for _ in range(DRAIN_ROUNDS):
            for record in self.device.sync():
                ledger("acked", self.device, record)
            if not any(r.state == "queued" for r in self.device.outbox):
                return
            gevent.sleep(SYNC_EVERY_S)

    @task
    def visit(self):
        if not self._ready():
            return
        record = self.device.fill_in(photos=random.choice([1, 2, 2, 3]))
        ledger("queued", self.device, record)
        if self.offline_visits:
            self.offline_visits -= 1
            if self.offline_visits == 0:
                self.refreshed = 0.0  # back online: the app refreshes and syncs
            return
        if random.random() < OFFLINE_SHARE:
            self.offline_visits = random.randint(1, 3)
            return
        self._sync()

    def on_stop(self):
        """The phones still holding records offline come online and send them."""
        if any(r.state == "queued" for r in self.device.outbox) and self._ready():
            self._sync()


class OfficeUser(HttpUser):
    """A district or town officer at a desk: lists, filters, details, dashboard, to-do."""

    fixed_count = int(os.environ.get("NONGAN_LOAD_OFFICE", "20"))
    wait_time = between(5 * PAUSE, 15 * PAUSE)

    def on_start(self):
        account = next(OFFICE_NAMES)
        self.region = account["region"]
        self.login(account["username"])

    def login(self, username):
        page = self.client.get("/login/", name="office: GET /login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        self.client.post("/login/", name="office: POST /login/", allow_redirects=False,
                         data={"csrfmiddlewaretoken": token.group(1) if token else "",
                               "username": username, "password": DEMO_PASSWORD})

    def page(self, path, name):
        return self.client.get(path, name=f"office: GET {name}")

    def open_one(self, listing, kind):
        found = LINK[kind].findall(listing.text or "")
        if found:
            return self.page(f"/{kind}/{random.choice(found)}/", f"/{kind}/{{id}}/")
        return None

    @task(4)
    def producers(self):
        query = random.choice([f"region={self.region}", f"region={self.region}&kind=cooperative",
                               "certification=green", "q=合作社", f"region={self.region}&page=3"])
        listing = self.page(f"/producers/?{query}", "/producers/?filters")
        self.open_one(listing, "producers")

    @task(4)
    def inspections(self):
        query = random.choice(["", "result=rectify", f"region={self.region}",
                               f"region={self.region}&sort=date", "page=2"])
        listing = self.page(f"/inspections/?{query}", "/inspections/?filters")
        detail = self.open_one(listing, "inspections")
        for path in PHOTO.findall(detail.text if detail is not None else "")[:3]:
            self.page(path, "/inspections/{id}/photos/{media}")

    @task(2)
    def dashboard(self):
        self.page("/analysis/", "/analysis/ (dashboard)")

    @task(2)
    def todo(self):
        self.page("/todo/", "/todo/")

    @task(1)
    def home(self):
        self.page("/", "/ (home)")

    @task(1)
    def rectifications(self):
        self.page("/rectifications/", "/rectifications/")

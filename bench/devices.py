"""The field app's protocol (nongan/static/field/app.js) for scripts that play phones: the load
test (bench/locustfile.py) and the fault scripts.

A `Device` is one phone of one grid worker. It logs in as the app does (the login page, then the
field shell for the CSRF cookie), downloads its offline data (me, producers, checklists,
sampling kit, plots), fills in inspections of its own producers with real JPEG photos (EXIF time
and position, made with Pillow) and a PNG signature, and keeps them in an outbox. `sync()` sends
the outbox like app.js: each record's photos, then its signature, then the record; an uploaded
photo's id is remembered so a retry never sends that photo again; a record is re-sent under
the same `uuid` until the server answers 200 or 201; a transient failure (timeout, connection
refused, 5xx, 429) ends the round, and the next round starts where it stopped.

`client` is anything with `requests.Session`'s `request(method, url, **kwargs)`: a
`requests.Session`, or locust's `HttpSession`, whose statistics then name each request by its
kind ("device: POST /api/v1/media [photo]"). Nothing here imports Django: a script that plays
phones talks to the server over HTTP only.

    import requests
    from bench.devices import Device
    phone = Device(requests.Session(), "http://127.0.0.1:8000", "pudong-grid")
    phone.login(); phone.refresh(); phone.fill_in(); phone.sync()
    phone.acknowledged  # {uuid: the server's answer}: what the server must keep exactly once
"""

import contextlib
import datetime as dt
import hashlib
import io
import os
import random
import re
import uuid
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from PIL import Image, ImageDraw

DEMO_PASSWORD = os.environ.get("NONGAN_DEMO_PASSWORD", "nongan-demo")
SHANGHAI = ZoneInfo("Asia/Shanghai")
API = "/api/v1/"
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
# A phone gives up on a request after this long; the record stays queued and is sent again.
TIMEOUT_S = 60.0


class Transient(Exception):
    """The server or the network failed this time: the record stays queued."""


class NeedLogin(Exception):
    """401/403: the session has ended; the worker logs in again (the app says so)."""


class Rejected(Exception):
    """The server refused the record (404, 409, 422): the app sets it aside for the worker."""

    def __init__(self, status: int, detail):
        super().__init__(f"HTTP {status}: {detail}")
        self.status = status


@dataclass
class Record:
    """One outbox entry, as app.js keeps it in IndexedDB."""

    uuid: str
    payload: dict
    photos: list[bytes]
    signature: bytes | None
    photo_ids: list[str | None] = field(default_factory=list)
    signature_id: str | None = None
    state: str = "queued"  # queued | synced | rejected
    answer: dict | None = None
    sends: int = 0  # POSTs of the record itself (retries under the same uuid)
    created: bool | None = None  # answered 201 (stored now) or 200 (stored by an earlier send)
    errors: list[str] = field(default_factory=list)


def jpeg(when: dt.datetime, lon: float, lat: float, rng: random.Random, size=(320, 240)) -> bytes:
    """A small but real field photo: noise and shapes (so no two are alike), EXIF capture time
    in Shanghai local time (as phones write it) and GPS position."""
    image = Image.effect_noise(size, 40).convert("RGB")
    draw = ImageDraw.Draw(image)
    for _ in range(6):
        x, y = rng.randrange(size[0]), rng.randrange(size[1])
        draw.ellipse((x, y, x + rng.randrange(20, 90), y + rng.randrange(20, 90)),
                     fill=(rng.randrange(40, 120), rng.randrange(100, 200), rng.randrange(30, 90)))
    exif = Image.Exif()
    exif[0x0132] = when.astimezone(SHANGHAI).strftime("%Y:%m:%d %H:%M:%S")  # DateTime
    exif[0x8825] = {1: "N" if lat >= 0 else "S", 2: _dms(lat),  # GPSInfo
                    3: "E" if lon >= 0 else "W", 4: _dms(lon)}
    out = io.BytesIO()
    image.save(out, "JPEG", quality=70, exif=exif)
    return out.getvalue()


def _dms(degrees: float) -> tuple[float, float, float]:
    degrees = abs(degrees)
    d = int(degrees)
    m = int((degrees - d) * 60)
    return (float(d), float(m), round((degrees - d - m / 60) * 3600, 4))


def signature_png(rng: random.Random) -> bytes:
    """A white sheet with a scribble, like the signature pad's canvas."""
    image = Image.new("RGB", (600, 160), "white")
    points = [(30 + i * 25, 80 + rng.randrange(-40, 40)) for i in range(22)]
    ImageDraw.Draw(image).line(points, fill="#111111", width=3)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def iso(moment: dt.datetime) -> str:
    """ISO 8601 with the phone's offset (+08:00), as app.js's isoWithOffset."""
    return moment.astimezone(SHANGHAI).isoformat(timespec="seconds")


def inside(geometry: dict) -> tuple[float, float]:
    """A point in a plot (the mean of its outer ring: the seeded plots are convex)."""
    rings = (geometry["coordinates"][0] if geometry["type"] == "MultiPolygon"
             else geometry["coordinates"])
    ring = rings[0][:-1] or rings[0]
    return (round(sum(p[0] for p in ring) / len(ring), 7),
            round(sum(p[1] for p in ring) / len(ring), 7))


class Device:
    """One phone: a session, the offline data and the outbox."""

    def __init__(self, client, base_url: str, username: str, password: str = DEMO_PASSWORD, *,
                 timeout: float = TIMEOUT_S, rng: random.Random | None = None):
        self.client, self.base, self.timeout = client, base_url.rstrip("/"), timeout
        self.username, self.password = username, password
        self.rng = rng or random.Random()
        self.me: dict | None = None
        self.producers: list[dict] = []
        self.templates: list[dict] = []
        self.plots: dict[int, list[dict]] = {}
        self.outbox: list[Record] = []
        self.acknowledged: dict[str, dict] = {}
        self.photo_ids: dict[str, uuid.UUID] = {}  # by the photo's SHA-256
        self.logged_in = False

    # --- HTTP -----------------------------------------------------------------------------

    def _send(self, method: str, path: str, kind: str, **kwargs):
        """One request; a network failure or timeout is Transient. Locust names it by kind."""
        rename = getattr(self.client, "rename_request", None)
        label = rename(f"device: {kind}") if rename else contextlib.nullcontext()
        headers = kwargs.pop("headers", {})
        if method != "GET":
            headers["X-CSRFToken"] = self.client.cookies.get("csrftoken", "")
        try:
            with label:
                response = self.client.request(method, self.base + path, headers=headers,
                                               timeout=self.timeout, **kwargs)
        except OSError as exc:  # requests' errors are OSErrors; locust answers status 0 instead
            raise Transient(str(exc)) from exc
        status = response.status_code
        if status in (0, 429) or status >= 500:
            raise Transient(f"HTTP {status}")
        if status in (401, 403):
            self.logged_in = False
            raise NeedLogin(f"HTTP {status}")
        return response

    def _json(self, path: str, kind: str):
        response = self._send("GET", API + path, kind)
        if response.status_code != 200:
            raise Transient(f"HTTP {response.status_code} on {path}")
        return response.json()

    # --- the app's steps --------------------------------------------------------------------

    def login(self) -> None:
        """The login page, as the browser fills it in, then the field shell."""
        page = self._send("GET", "/login/?next=/field/", "GET /login/")
        token = CSRF_INPUT.search(page.text)
        answer = self._send("POST", "/login/?next=/field/", "POST /login/",
                            data={"csrfmiddlewaretoken": token.group(1) if token else "",
                                  "username": self.username, "password": self.password},
                            headers={"Referer": self.base + "/login/"}, allow_redirects=False)
        if answer.status_code != 302:
            raise NeedLogin(f"login of {self.username} refused: HTTP {answer.status_code}")
        self._send("GET", "/field/", "GET /field/")  # ensure_csrf_cookie: the X-CSRFToken
        self.logged_in = True

    def refresh(self) -> None:
        """refreshData(): the offline copy of what this worker may see."""
        me = self._json("me", "GET /api/v1/me")
        producers, page = [], 1
        while True:
            answer = self._json(f"producers?page_size=200&page={page}",
                                "GET /api/v1/producers")
            producers += answer["items"]
            if not answer["items"] or len(producers) >= answer["count"]:
                break
            page += 1
        templates = self._json("inspection-templates", "GET /api/v1/inspection-templates")
        self._json("sampling-kit", "GET /api/v1/sampling-kit")
        plots = {p["id"]: self._json(f"producers/{p['id']}/plots?page_size=200",
                                     "GET /api/v1/producers/{id}/plots")["items"]
                 for p in producers}
        self.me, self.producers, self.templates, self.plots = me, producers, templates, plots

    def fill_in(self, photos: int = 2, producer: dict | None = None) -> Record:
        """A finished inspection form of one of the worker's producers, queued in the outbox."""
        rng = self.rng
        producer = producer or rng.choice(self.producers)
        template = next(t for t in self.templates if t["kind"] == "daily")
        plots = self.plots.get(producer["id"], [])
        plot = rng.choice(plots) if plots else None
        lon, lat = inside(plot["geometry"]) if plot else (121.47, 31.23)
        finished = dt.datetime.now(SHANGHAI)
        started = finished - dt.timedelta(minutes=rng.randint(8, 40))
        answers = []
        for item in template["items"]:
            if item["type"] == "yes_no":
                answers.append({"item": item["key"], "value": rng.choices(
                    ["yes", "no", "na"], [90, 7, 3])[0], "note": ""})
            elif item["type"] == "number":
                answers.append({"item": item["key"], "value": rng.randint(0, 12), "note": ""})
            elif item["type"] == "photo":
                answers.append({"item": item["key"], "value": photos or None, "note": ""})
        answers = [a for a in answers if a["value"] is not None]
        result = rng.choices(["pass", "rectify", "refer"], [85, 13, 2])[0]
        today = finished.date()
        inputs = []
        if rng.random() < 0.3:
            inputs.append({"pesticide": "阿维菌素", "registration_no": "PD20080001",
                           "dose": "30 ml/亩", "applied_on": str(today - dt.timedelta(days=9)),
                           "crop": "青菜", "harvest_on": str(today + dt.timedelta(days=2))})
        signed = rng.random() < 0.9
        record_uuid = str(uuid.uuid4())
        payload = {
            "uuid": record_uuid, "producer": producer["id"], "template": template["code"],
            "started_at": iso(started), "finished_at": iso(finished),
            "location": {"lon": lon, "lat": lat, "accuracy_m": rng.randint(4, 20)},
            "plots_seen": [plot["plot_no"]] if plot else [], "answers": answers,
            "inputs": inputs, "result": result,
            "rectification": {"items": ["农药进出库台账未按要求记录"],
                              "deadline": str(today + dt.timedelta(days=rng.randint(7, 30)))}
            if result == "rectify" else None,
            "refused_signature": "" if signed else "负责人拒绝签字，已当场录像",
        }
        record = Record(uuid=record_uuid, payload=payload,
                        photos=[jpeg(finished, lon, lat, rng) for _ in range(photos)],
                        signature=signature_png(rng) if signed else None)
        record.photo_ids = [None] * photos
        self.outbox.append(record)
        return record

    def _upload(self, data: bytes, name: str, content_type: str, kind: str) -> str:
        """Each photo under an id of its own, given the first time it is sent and sent again
        with every retry, as app.js does: a photo whose answer was lost is stored once."""
        photo_id = self.photo_ids.setdefault(hashlib.sha256(data).hexdigest(), uuid.uuid4())
        answer = self._send("POST", API + "media", f"POST /api/v1/media [{kind}]",
                            files={"file": (name, data, content_type)},
                            data={"id": str(photo_id)})
        if answer.status_code not in (200, 201):
            raise Rejected(answer.status_code, _detail(answer))
        return answer.json()["id"]

    def send(self, record: Record) -> None:
        """syncOne(): photos not yet uploaded, the signature, then the record."""
        for n, data in enumerate(record.photos):
            if record.photo_ids[n] is None:
                record.photo_ids[n] = self._upload(data, f"IMG_{n + 1:04d}.jpg", "image/jpeg",
                                                   "photo")
        if record.signature is not None and record.signature_id is None:
            record.signature_id = self._upload(record.signature, "signature.png", "image/png",
                                               "signature")
        body = record.payload | {"photos": record.photo_ids, "signature": record.signature_id}
        record.sends += 1
        answer = self._send("POST", API + "inspections", "POST /api/v1/inspections", json=body)
        if answer.status_code not in (200, 201):
            raise Rejected(answer.status_code, _detail(answer))
        record.state, record.answer = "synced", answer.json()
        record.created = answer.status_code == 201
        self.acknowledged[record.uuid] = record.answer
        record.photos, record.signature = [], None  # the server has them: free the phone

    def sync(self) -> list[Record]:
        """sync(): the queued records in order; a transient failure or an ended session ends
        the round (the next ones would fail the same way). Answers the records synced now."""
        done = []
        for record in [r for r in self.outbox if r.state == "queued"]:
            try:
                self.send(record)
            except Rejected as exc:
                record.state, record.errors = "rejected", [str(exc)]
                continue
            except (Transient, NeedLogin) as exc:
                record.errors.append(str(exc))
                break
            done.append(record)
        self.outbox = [r for r in self.outbox if r.state != "synced"]
        return done


def _detail(response) -> str:
    try:
        return str(response.json().get("detail"))
    except ValueError:
        return response.text[:200]

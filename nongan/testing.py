"""Factories for tests: real services, real database, no fixtures files.

Two districts, each with one account per role, so every test can ask "and from the other
district?" (CONVENTIONS.md).
"""

import itertools
import math
import random
from pathlib import Path
from types import SimpleNamespace

import pytest

from nongan.core.validators import USCC_ALPHABET, id_check_char, uscc_check_char
from nongan.people.models import Organisation
from nongan.people.services import create_user
from nongan.producers import services as producer_services
from nongan.regions.models import Region

PASSWORD = "test-password-123"
PLACES = {
    # district, town, village, a second village in the same town, and a point there
    "pudong": ("310115000000", "310115103000", "310115103201", "310115103202", (121.70, 31.19)),
    "chongming": ("310151000000", "310151101000", "310151101201", "310151101202", (121.40, 31.63)),
}
_serial = itertools.count(1)

# Browser tests: Debian's Chromium, flags for a machine without outside network or a screen.
CHROMIUM = Path("/usr/bin/chromium")
BROWSER_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
BROWSER_MARKS = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="needs Debian's Chromium at /usr/bin/chromium (apt install chromium)",
    ),
]


def phone_page(browser, base: str, user=None, *, enforce_csp=False):
    """A 360 px phone page in `browser`, logged in as `user` (anonymous when None) on the live
    server at `base`; returns the page and the list its script errors are collected in."""
    from django.test import Client

    # Playwright's wait_for_function polls by eval, which our policy refuses: the pages'
    # tests bypass it, and core/tests/test_security_headers_browser.py enforces it.
    context = browser.new_context(bypass_csp=not enforce_csp,
                                  viewport={"width": 360, "height": 740},
                                  is_mobile=True,
                                  has_touch=True, locale="zh-CN", timezone_id="Asia/Shanghai")
    if user is not None:
        client = Client()
        client.force_login(user)
        context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value,
                              "url": base}])
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return page, errors


def assert_pages_slice(whole: list, page, late: int, sizes=(1, 2, 3, 50)) -> None:
    """Every page `page(number, size)` of a list the database pages (up to the one past
    the end) is the same slice of `whole`, the list read whole, with its count, its late
    items (`late`) and its number of pages."""
    for size in sizes:
        pages = -(-len(whole) // size)
        for number in range(1, pages + 2):
            found = page(number, size)
            assert found["items"] == whole[(number - 1) * size:number * size]
            assert (found["count"], found["late"], found["pages"]) == (len(whole), late,
                                                                       max(1, pages))


def uscc(n: int | None = None, area: str = "310115") -> str:
    n = next(_serial) if n is None else n
    body = f"93{area}MA{n:07d}"[:17]
    body = "".join(c if c in USCC_ALPHABET else "0" for c in body)
    return body + uscc_check_char(body)


def id_number(n: int | None = None, area: str = "310115") -> str:
    n = next(_serial) if n is None else n
    body = f"{area}19800101{n % 1000:03d}"
    return body + id_check_char(body)


def square(lon: float, lat: float, side_m: float = 100.0) -> dict:
    """A GeoJSON square of `side_m` metres with its south-west corner at (lon, lat)."""
    dlat = side_m / 111_320
    dlon = side_m / (111_320 * math.cos(math.radians(lat)))
    ring = [[lon, lat], [lon + dlon, lat], [lon + dlon, lat + dlat], [lon, lat + dlat], [lon, lat]]
    return {"type": "Polygon", "coordinates": [ring]}


def region(code: str) -> Region:
    return Region.objects.get(code=code)


def make_user(role: str, code: str, *, username=None, producer=None, org=None, **extra):
    return create_user(
        username=username or f"{role}-{code}-{next(_serial)}",
        role=role,
        region=region(code),
        password=PASSWORD,
        producer=producer,
        org=org,
        actor=None,
        check_password=False,
        **extra,
    )


def make_producer(village: str, *, actor=None, kind="cooperative", **fields):
    data = {
        "name": f"测试合作社{next(_serial)}",
        "kind": kind,
        "legal_rep": "张三",
        "village": village,
        "area_mu": "25",
        "phone": "13800000000",
    } | fields
    if kind in ("enterprise", "cooperative") and "uscc" not in fields:
        data["uscc"] = uscc(area=village[:6])
    if kind == "grower" and "id_number" not in fields:
        data["id_number"] = id_number(area=village[:6])
    return producer_services.register_producer(data, actor=actor or _registrar(village))


def _registrar(village: str):
    from nongan.people.models import User

    found = User.objects.filter(role="city_admin").first()
    return found or make_user("city_admin", "310000000000", username="factory-admin")


def make_plot(producer, *, actor=None, lon=None, lat=None, side_m=100.0, **fields):
    if lon is None:
        base = next(p for p in PLACES.values() if p[2][:6] == producer.village_id[:6])[4]
        lon = base[0] + random.Random(producer.pk * 7919 + next(_serial)).uniform(0, 0.05)
        lat = base[1] + random.Random(next(_serial)).uniform(0, 0.05)
    data = {"geometry": square(lon, lat, side_m), "crop": "青菜"} | fields
    return producer_services.add_plot(
        producer, data, actor=actor or _registrar(producer.village_id)
    )


def enforcement_card(key: str, n: int) -> dict:
    """A valid enforcement card (执法证) for an enforcement officer of the test world."""
    import datetime as dt

    return {
        "enforcement_card_no": f"31{key[:2].upper()}{n:06d}",
        "enforcement_card_valid_to": dt.date(2099, 12, 31),
    }


def make_world() -> SimpleNamespace:
    """City admin, and per district one account of every role, a producer and its plot."""
    world = SimpleNamespace(
        city_admin=make_user("city_admin", "310000000000", username="city-admin")
    )
    lab = Organisation.objects.create(
        name="上海市农产品质量安全检测中心", kind="lab", region=region("310000000000")
    )
    world.lab = make_user("lab_staff", "310000000000", username="lab", org=lab)
    # A second institution: re-tests go to a different lab, and labs never see each other.
    lab2 = Organisation.objects.create(
        name="上海某第三方检测有限公司", kind="lab", region=region("310000000000")
    )
    world.lab2 = make_user("lab_staff", "310000000000", username="lab2", org=lab2)
    for key, (district, town, village, village2, _) in PLACES.items():
        producer = make_producer(village, actor=world.city_admin, name=f"{key}合作社")
        plot = make_plot(producer, actor=world.city_admin)
        accounts = SimpleNamespace(
            district_officer=make_user("district_officer", district, username=f"{key}-district"),
            town_officer=make_user("town_officer", town, username=f"{key}-town"),
            grid_worker=make_user("grid_worker", village, username=f"{key}-grid"),
            enforcement_officer=make_user(
                "enforcement_officer",
                district,
                username=f"{key}-enforcement",
                **enforcement_card(key, 1),
            ),
            enforcement_officer2=make_user(
                "enforcement_officer",
                district,
                username=f"{key}-enforcement2",
                **enforcement_card(key, 2),
            ),
            producer=make_user("producer", village, username=f"{key}-producer", producer=producer),
            the_producer=producer,
            plot=plot,
            district=district,
            town=town,
            village=village,
            village2=village2,
        )
        setattr(world, key, accounts)
    return world


ROLES_IN_DISTRICT = [
    "district_officer",
    "town_officer",
    "grid_worker",
    "enforcement_officer",
    "producer",
]


def jpeg_bytes(*, taken_at=None, lon=None, lat=None, size=(64, 48), fmt="JPEG") -> bytes:
    """A real small image, with EXIF time and GPS position when given."""
    import io

    from PIL import ExifTags, Image

    image = Image.new("RGB", size, (40, 140, 60))
    exif = Image.Exif()
    if taken_at is not None:
        exif.get_ifd(ExifTags.IFD.Exif)[ExifTags.Base.DateTimeOriginal] = taken_at.strftime(
            "%Y:%m:%d %H:%M:%S"
        )
    if lon is not None:

        def dms(value):
            d = int(value)
            m = int((value - d) * 60)
            return (d, m, round(((value - d) * 60 - m) * 60, 4))

        exif.get_ifd(ExifTags.IFD.GPSInfo).update({1: "N", 2: dms(lat), 3: "E", 4: dms(lon)})
    buffer = io.BytesIO()
    image.save(buffer, fmt, **({"exif": exif} if len(exif) or taken_at or lon else {}))
    return buffer.getvalue()


def make_template(code="test-daily", **fields):
    from nongan.inspections.models import ChecklistTemplate

    items = [
        {
            "key": "records",
            "section": "生产记录",
            "text": "生产记录是否完整",
            "type": "yes_no",
            "required": True,
            "points": 10,
        },
        {
            "key": "inputs_stored",
            "section": "投入品",
            "text": "投入品是否分区存放",
            "type": "yes_no",
            "required": False,
            "points": 10,
        },
        {
            "key": "area",
            "section": "基本情况",
            "text": "在田面积（亩）",
            "type": "number",
            "required": False,
        },
        {"key": "scene", "section": "现场", "text": "现场照片", "type": "photo", "required": False},
    ]
    return ChecklistTemplate.objects.create(
        **({"code": code, "name": "测试巡查表", "kind": "daily", "items": items} | fields)
    )


def inspection_payload(producer, *, lon, lat, **fields) -> dict:
    import datetime as dt
    import uuid

    from django.utils import timezone

    finished = timezone.now() - dt.timedelta(minutes=5)
    return {
        "uuid": str(uuid.uuid4()),
        "producer": producer.pk,
        "template": "test-daily",
        "started_at": (finished - dt.timedelta(minutes=20)).isoformat(),
        "finished_at": finished.isoformat(),
        "location": {"lon": lon, "lat": lat, "accuracy_m": 8},
        "plots_seen": [],
        "answers": [{"item": "records", "value": "yes"}],
        "inputs": [],
        "photos": [],
        "result": "pass",
        "refused_signature": "主体负责人不在场",
    } | fields


def make_inspection(producer, *, actor, lon=121.7, lat=31.19, **fields):
    """Submit an inspection through the service, as the API would after parsing."""
    import datetime as dt

    from nongan.inspections.services import submit_inspection

    payload = inspection_payload(producer, lon=lon, lat=lat, **fields)
    for key in ("started_at", "finished_at"):
        payload[key] = dt.datetime.fromisoformat(payload[key])
    return submit_inspection(payload, actor=actor)[0]


def make_standard(version="2026", effective_from=None, *, foods=(), limits=()):
    """A GB 2763 edition built for a test: `foods` as (food, parent) pairs (parents first),
    `limits` as (pesticide_cn, food, mrl, banned) with plain food names."""
    import datetime as dt
    from decimal import Decimal

    from nongan.monitoring.models import FoodClass, ResidueLimit, Standard

    standard = Standard.objects.create(
        version=version, effective_from=effective_from or dt.date(2026, 3, 1))
    made = {}
    for food, parent in foods:
        made[food] = FoodClass.objects.create(standard=standard, name=food,
                                              parent=made.get(parent))
    for pesticide, food, mrl, banned in limits:
        ResidueLimit.objects.create(standard=standard, pesticide_cn=pesticide, food=food,
                                    food_group=food, mrl=Decimal(str(mrl)), banned=banned)
    return standard


def sample_payload(producer, **fields) -> dict:
    import datetime as dt
    import uuid

    from django.utils import timezone

    return {"uuid": str(uuid.uuid4()), "plan": None, "kind": "routine", "lab": None,
            "producer": producer.pk, "plot": None, "product": "青菜", "variety": "上海青",
            "quantity": "2 kg", "sampled_at": timezone.now() - dt.timedelta(hours=1),
            "location": None, "pesticides_used": [], "analytes": ["毒死蜱", "啶虫脒"],
            "photos": [], "co_samplers": [], "party_signature": None,
            "refusal": "负责人不在场，由现场人员口头确认", "confirms": None} | fields


def make_sample(producer, *, actor, **fields):
    """Submit a sampling form through the service, as the API would after parsing."""
    from nongan.monitoring.services import submit_sample

    return submit_sample(sample_payload(producer, **fields), actor=actor)[0]


def make_plan(*, actor, lab, kind="routine", **fields):
    import datetime as dt

    from nongan.monitoring.services import create_plan

    today = dt.date.today()
    data = {"name": "测试监测任务", "kind": kind, "starts_on": today - dt.timedelta(days=60),
            "ends_on": today + dt.timedelta(days=60), "analytes": ["毒死蜱", "啶虫脒"],
            "lab": lab.pk if lab else None,
            "quotas": [{"district": PLACES["pudong"][0], "category": "蔬菜", "count": 4}]}
    return create_plan(data | fields, actor=actor)


def run_queued_tasks(worker_id: str = "test-worker") -> int:
    """What `db_worker --batch` does — claim each ready task and run it — but inside the
    test's transaction (db_worker's connection check ends it on PostgreSQL); how many ran."""
    from django_tasks_db.management.commands.db_worker import Worker
    from django_tasks_db.models import DBTaskResult

    worker = Worker(queue_names=["default"], interval=0, batch=True, backend_name="default",
                    startup_delay=False, max_tasks=None, worker_id=worker_id,
                    excluded_queue_names=[])
    ran = 0
    while (row := DBTaskResult.objects.ready().get_locked()) is not None:
        row.claim(worker_id)
        worker.run_task(row)
        ran += 1
    return ran

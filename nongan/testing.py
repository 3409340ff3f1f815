"""Factories for tests: real services, real database, no fixtures files.

Two districts, each with one account per role, so every test can ask "and from the other
district?" (CONVENTIONS.md).
"""

import itertools
import math
import random
from types import SimpleNamespace

from nongan.core.validators import USCC_ALPHABET, id_check_char, uscc_check_char
from nongan.people.models import Organisation
from nongan.people.services import create_user
from nongan.producers import services as producer_services
from nongan.regions.models import Region

PASSWORD = "test-password-123"
PLACES = {
    # district, town, village, a second village in the same town, and a point there
    "pudong": ("310115000000", "310115103000", "310115103201", "310115103202",
               (121.70, 31.19)),
    "chongming": ("310151000000", "310151101000", "310151101201", "310151101202",
                  (121.40, 31.63)),
}
_serial = itertools.count(1)


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
    ring = [[lon, lat], [lon + dlon, lat], [lon + dlon, lat + dlat], [lon, lat + dlat],
            [lon, lat]]
    return {"type": "Polygon", "coordinates": [ring]}


def region(code: str) -> Region:
    return Region.objects.get(code=code)


def make_user(role: str, code: str, *, username=None, producer=None, org=None, **extra):
    return create_user(username=username or f"{role}-{code}-{next(_serial)}", role=role,
                       region=region(code), password=PASSWORD, producer=producer, org=org,
                       actor=None, check_password=False, **extra)


def make_producer(village: str, *, actor=None, kind="cooperative", **fields):
    data = {"name": f"测试合作社{next(_serial)}", "kind": kind, "legal_rep": "张三",
            "village": village, "area_mu": "25", "phone": "13800000000"} | fields
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
    return producer_services.add_plot(producer, data, actor=actor or _registrar(
        producer.village_id))


def make_world() -> SimpleNamespace:
    """City admin, and per district one account of every role, a producer and its plot."""
    world = SimpleNamespace(city_admin=make_user("city_admin", "310000000000",
                                                 username="city-admin"))
    lab = Organisation.objects.create(name="上海市农产品质量安全检测中心", kind="lab",
                                      region=region("310000000000"))
    world.lab = make_user("lab_staff", "310000000000", username="lab", org=lab)
    for key, (district, town, village, village2, _) in PLACES.items():
        producer = make_producer(village, actor=world.city_admin, name=f"{key}合作社")
        plot = make_plot(producer, actor=world.city_admin)
        accounts = SimpleNamespace(
            district_officer=make_user("district_officer", district, username=f"{key}-district"),
            town_officer=make_user("town_officer", town, username=f"{key}-town"),
            grid_worker=make_user("grid_worker", village, username=f"{key}-grid"),
            enforcement_officer=make_user("enforcement_officer", district,
                                          username=f"{key}-enforcement"),
            producer=make_user("producer", village, username=f"{key}-producer",
                               producer=producer),
            the_producer=producer, plot=plot, district=district, town=town,
            village=village, village2=village2,
        )
        setattr(world, key, accounts)
    return world


ROLES_IN_DISTRICT = ["district_officer", "town_officer", "grid_worker", "enforcement_officer",
                     "producer"]

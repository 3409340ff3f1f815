"""Factories of the 双随机 tests: matters, officers with cards and grid duties, populations
of producers in several towns with credit grades, and plans made through the services."""

import datetime as dt
import itertools

from django.utils import timezone

from nongan.enforcement.models import Matter
from nongan.enforcement.services import spot_checks as services
from nongan.producers.models import Producer
from nongan.regions.models import Region
from nongan.regions.services import assign_grid_member, grid_for_village
from nongan.testing import make_producer, make_user

PUDONG = "310115000000"
CITY = "310000000000"
_serial = itertools.count(1)


def matter(region=CITY, **fields) -> Matter:
    n = next(_serial)
    return Matter.objects.create(**{
        "region_id": region, "code": f"T-{n:03d}", "name": f"测试抽查事项{n}",
        "legal_basis": "《中华人民共和国农产品质量安全法》（2022年修订）第二十七条",
        "scope": "农产品生产企业、农民专业合作社", "method": "现场检查"} | fields)


def villages(district=PUDONG, towns=3) -> list[Region]:
    """One village in each of the district's first `towns` towns."""
    found = []
    for town in Region.objects.filter(district=district, level="town", active=True)[:towns]:
        village = Region.objects.filter(town=town, level="village", active=True).first()
        if village is not None:
            found.append(village)
    return found


def producers(places, grades="ABCD", *, per_place=1, kind="cooperative") -> list[Producer]:
    """`per_place` producers in each village, their credit grades cycling through `grades`."""
    made, cycle = [], itertools.cycle(grades)
    for village in places:
        for _ in range(per_place):
            producer = make_producer(village.code, kind=kind)
            Producer.objects.filter(pk=producer.pk).update(credit_grade=next(cycle))
            made.append(Producer.objects.get(pk=producer.pk))
    return made


def officer(district=PUDONG, *, valid_to=dt.date(2099, 12, 31), card=True, **extra):
    n = next(_serial)
    fields = {"enforcement_card_no": f"31TEST{n:05d}",
              "enforcement_card_valid_to": valid_to} if card else {}
    return make_user("enforcement_officer", district, username=f"law-{n:03d}", **fields,
                     **extra)


def grid_duty(user, village: Region):
    """The officer is a member of the village's grid (a grid duty in its town)."""
    return assign_grid_member(grid_for_village(village), name=str(user), duty="网格监管",
                              user=user, actor=None)


def plan_data(the_matter, **fields) -> dict:
    today = timezone.localdate()
    return {"title": "2026年第三季度双随机抽查", "matter": the_matter.pk,
            "population": {}, "share": "0.5", "stratify_by": "", "team_size": 2,
            "exclude_months": 0, "period_start": today,
            "period_end": today + dt.timedelta(days=60)} | fields


def planned(actor, the_matter=None, **fields):
    return services.plan_spot_check(plan_data(the_matter or matter(), **fields), actor=actor)


def drawn(actor, the_matter=None, **fields):
    return services.draw(planned(actor, the_matter, **fields), actor=actor)

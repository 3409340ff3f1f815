"""Factories of the risk tests: laboratory samples with their results written as rows (a
series of three years needs hundreds; the monitoring services make and judge them one at a
time), producers in bulk for a population, and warnings made by the real detectors."""

import datetime as dt
import itertools
from decimal import Decimal
from zoneinfo import ZoneInfo

from nongan.monitoring.models import Result, Sample
from nongan.producers.models import Producer
from nongan.regions.models import Region

SHANGHAI = ZoneInfo("Asia/Shanghai")
CITY = "310000000000"
FAILING = {"over_limit", "banned_detected"}
_serial = itertools.count(1)


def at(day: dt.date, hour=10) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=SHANGHAI)


def producers(village: str, n: int, *, name="测试主体") -> list[Producer]:
    place = Region.objects.get(code=village)
    rows = [Producer(name=f"{name}{next(_serial)}", kind="grower", legal_rep="李四",
                     village=place, town_id=place.town_id, district_id=place.district_id,
                     grid=None) for _ in range(n)]
    return Producer.objects.bulk_create(rows)


def add_samples(world, producer, day: dt.date, results, *, n=1, category="蔬菜",
                product="青菜", kind="routine", lon=None, lat=None) -> list[Sample]:
    """`n` samples of `producer` taken on `day`, each with `results`: (analyte, status)
    or (analyte, status, value, mrl) — value and limit in mg/kg."""
    samples = []
    for _ in range(n):
        failing = any(r[1] in FAILING for r in results)
        sample = Sample(
            sample_no=f"TR{next(_serial):010d}", kind=kind, lab=world.lab.org,
            producer=producer, product=product, category=category, sampled_at=at(day),
            sampler=world.lab, results_due=day + dt.timedelta(days=10), lon=lon, lat=lat,
            verdict="non_compliant" if failing else "compliant", analytes=[r[0] for r in results],
            district_id=producer.district_id, town_id=producer.town_id,
            village_id=producer.village_id)
        samples.append(sample)
    Sample.objects.bulk_create(samples)
    Result.objects.bulk_create([
        Result(sample=s, analyte=r[0], status=r[1],
               value=Decimal(str(r[2])) if len(r) > 2 and r[2] is not None else None,
               mrl=Decimal(str(r[3])) if len(r) > 3 and r[3] is not None else None,
               entered_by=world.lab)
        for s in samples for r in results])
    return samples


def month_days(first: dt.date, months: int) -> list[dt.date]:
    """The 15th of `months` consecutive months from `first`'s month."""
    days, year, month = [], first.year, first.month
    for _ in range(months):
        days.append(dt.date(year, month, 15))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return days


def monthly_series(world, producer, failures: list[int], *, tested=20, last: dt.date,
                   pesticide="毒死蜱", category="蔬菜", product="青菜") -> None:
    """A month-by-month series ending in `last`'s month: `tested` samples a month of which
    `failures[k]` fail `pesticide`."""
    first_index = last.year * 12 + last.month - 1 - (len(failures) - 1)
    first = dt.date(first_index // 12, first_index % 12 + 1, 1)
    for day, failed in zip(month_days(first, len(failures)), failures, strict=True):
        if failed:
            add_samples(world, producer, day, [(pesticide, "over_limit")], n=failed,
                        category=category, product=product)
        add_samples(world, producer, day, [(pesticide, "not_detected")], n=tested - failed,
                    category=category, product=product)


def a_warning(side, *, level="yellow", kind="producer", city=False):
    """A warning of `side`'s district (or the city's) issued through the service, as the
    detectors would."""
    from nongan.risk.findings import Finding
    from nongan.risk.services import issue_or_update

    producer = side.the_producer
    finding = Finding(
        key=f"test:{next(_serial)}", kind=kind, level=level,
        region=CITY if city else producer.town_id, district=None if city else side.district,
        town=None if city else producer.town_id,
        explanation="测试预警：近12个月抽检6批，不合格4批。", figures={"n": 6, "y": 4},
        producer=None if city else producer.pk,
        districts=(side.district,), towns=(producer.town_id,))
    return issue_or_update(finding)[0]


def access_targets(side) -> dict:
    """A warning of `side`'s district for the access matrix (core/tests/test_access_matrix)."""
    return {"warning": a_warning(side).pk}


def standard():
    """A small limit table of our own: 毒死蜱 banned on vegetables, 啶虫脒 1 mg/kg on leafy
    vegetables."""
    from nongan.testing import make_standard

    return make_standard("2021", dt.date(2021, 9, 3),
                         foods=[("蔬菜", None), ("叶菜类蔬菜", "蔬菜"), ("青菜", "叶菜类蔬菜")],
                         limits=[("啶虫脒", "叶菜类蔬菜", 1, False), ("毒死蜱", "蔬菜", 0.02, True)])


def judged_sample(world, producer, results: list[dict]):
    """A sample taken by the lab under a plan and its results recorded by the services."""
    from nongan.monitoring.services import record_results
    from nongan.testing import make_plan, make_sample

    plan = make_plan(actor=world.city_admin, lab=world.lab.org)
    sample = make_sample(producer, actor=world.lab, plan=plan.pk)
    return record_results(sample, results, actor=world.lab)

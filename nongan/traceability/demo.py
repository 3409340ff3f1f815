"""Demo traceability data for `nongan seed`: most scale producers registered on the national
platform (a synthetic 主体身份码, a registration date before the demo), and a few hundred
承诺达标合格证 they issued over the last four months, written in bulk — as if imported from
the platform's exports. Same random seed, same data."""

import datetime as dt
import random
from decimal import Decimal

from nongan.producers.models import Producer
from nongan.regions.models import Region

from .models import Certificate, TraceProducer

REGISTERED_SHARE = 0.8
ISSUERS_SHARE = 0.35
DAYS = 120
# Codes of models.BASES: 自我承诺 most often, a lab test (委托检测) least (a demo guess).
BASIS_WEIGHTS = {"self_commitment": 40, "internal_control": 30, "self_test": 20,
                 "entrusted_test": 10}
PLATFORM_KINDS = {"enterprise": "企业", "cooperative": "合作社", "family_farm": "家庭农场",
                  "grower": "个人"}
UNITS = [("公斤", 10, 500), ("箱", 5, 120), ("斤", 20, 800)]


def seed_traceability(*, today: dt.date, random_seed: int = 1) -> dict:
    rng = random.Random(f"nongan-seed:{random_seed}:traceability")
    producers = list(Producer.objects.filter(is_scale=True, active=True).order_by("pk"))
    registered = [p for p in producers if rng.random() < REGISTERED_SHARE]
    towns = dict(Region.objects.filter(level__in=("district", "town")).values_list("code", "name"))
    number = {p.pk: n for n, p in enumerate(producers, start=1)}  # not the pk: same seed, same
    TraceProducer.objects.bulk_create([
        TraceProducer(producer=p, code=f"{p.district_id[:6]}{number[p.pk]:08d}",
                      registered_on=today - dt.timedelta(days=rng.randint(200, 2000)),
                      platform_name=p.name, platform_kind=PLATFORM_KINDS[p.kind],
                      industry="种植业", area=f"上海市{towns.get(p.district_id, '')}",
                      address=p.address, legal_rep=p.legal_rep, phone=p.phone)
        for p in registered], batch_size=500, ignore_conflicts=True)
    certificates, serial = [], 0
    for producer in registered:
        if rng.random() >= ISSUERS_SHARE:
            continue
        products = [item.get("name") for item in producer.products if item.get("name")] or ["青菜"]
        for _ in range(rng.randint(1, 6)):
            serial += 1
            issued = today - dt.timedelta(days=rng.randint(0, DAYS))
            unit, low, high = rng.choice(UNITS)
            certificates.append(Certificate(
                cert_no=f"HG{issued:%Y%m%d}{random_seed % 100:02d}{serial:06d}",
                producer=producer, product=rng.choice(products),
                quantity=Decimal(rng.randint(low, high)), unit=unit, issued_on=issued,
                basis=rng.choices(list(BASIS_WEIGHTS), list(BASIS_WEIGHTS.values()))[0],
                origin=f"上海市{towns.get(producer.district_id, '')}"
                       f"{towns.get(producer.town_id, '')}",
                trace_code=f"31{number[producer.pk]:08d}{serial:08d}"))
    Certificate.objects.bulk_create(certificates, batch_size=1000, ignore_conflicts=True)
    return {"trace_registrations": len(registered), "trace_certificates": len(certificates)}

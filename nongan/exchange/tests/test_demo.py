"""The demo's partners: three city bureaus registered by the city administrator, one key of
the market regulators whose plain text is kept nowhere."""

import time

from nongan.core.models import AuditEntry
from nongan.exchange.demo import seed_exchange
from nongan.exchange.models import (
    Agency,
    ApiKey,
    Delivery,
    DeliveryAttempt,
    Event,
    KeyUse,
    Subscription,
)


def clear_exchange() -> None:
    """Remove the seeded partners and every event (for core/tests/test_seed.py, after the
    other apps' clears: referrals point at the agencies)."""
    DeliveryAttempt.objects.all().delete()
    Delivery.objects.all().delete()
    KeyUse.objects.all().delete()
    ApiKey.objects.all().delete()
    Subscription.objects.all().delete()
    Event.objects.all().delete()
    Agency.objects.all().delete()


def test_the_demo_registers_three_city_bureaus_and_one_key(world):
    started = time.monotonic()
    assert seed_exchange() == {"exchange_agencies": 3, "exchange_api_keys": 1}
    assert time.monotonic() - started < 5
    assert set(Agency.objects.values_list("kind", "region_id")) == {
        ("market_regulation", "310000000000"), ("public_security", "310000000000"),
        ("ecology_environment", "310000000000")}
    key = ApiKey.objects.get()
    assert key.agency.kind == "market_regulation"
    assert sorted(key.datasets) == ["grades", "penalties", "samples"]
    assert [r.pk for r in key.regions.all()] == ["310000000000"]
    assert AuditEntry.objects.filter(action="exchange.key.issue").count() == 1

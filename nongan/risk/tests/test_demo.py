"""The demo warnings of `nongan seed`: the nightly run replayed over the last months dates
each warning on the night it would have been found, and the district officer starts
handling them (acknowledged, an inspection measure on a producer warning)."""

import datetime as dt

from nongan.risk.demo import seed_risk
from nongan.risk.models import Measure, RiskSettings, RiskWarning, WarningEvent

from .factories import SHANGHAI, add_samples, producers

TODAY = dt.date(2026, 6, 15)
FAILED = [("啶虫脒", "over_limit", "1.8", "1")]
CLEAN = [("啶虫脒", "not_detected")]


def clear_risk() -> None:
    """Remove the seeded warnings (for core/tests/test_seed.py: they point at the demo's
    samples, producers and accounts)."""
    WarningEvent.objects.all().delete()
    Measure.objects.all().delete()
    RiskWarning.objects.all().delete()
    RiskSettings.objects.all().delete()


def test_the_demo_dates_its_warnings_and_starts_handling_them(world):
    add_samples(world, producers(world.pudong.village, 1)[0], dt.date(2026, 3, 20),
                [("克百威", "banned_detected", "0.05", None)])
    for i, producer in enumerate(producers(world.pudong.village, 40)):
        add_samples(world, producer, dt.date(2026, 2, 10), FAILED if i < 3 else CLEAN)
        add_samples(world, producer, dt.date(2026, 2, 10), CLEAN, n=4)
    often = producers(world.pudong.village2, 1)[0]
    add_samples(world, often, dt.date(2026, 5, 20), FAILED, n=4)
    add_samples(world, often, dt.date(2026, 5, 20), CLEAN, n=2)

    counts = seed_risk(today=TODAY)

    assert counts["risk_warnings"] == 2
    assert counts["risk_warnings_by_kind"] == {"systemic": 1, "producer": 1}
    banned = RiskWarning.objects.get(kind="systemic")
    # Found on the first replayed night after the detection (1 April), not on the seed day.
    assert banned.issued_at.astimezone(SHANGHAI).date() == dt.date(2026, 4, 1)
    assert banned.status == "acknowledged"
    producer = RiskWarning.objects.get(kind="producer")
    assert producer.status == "acting"
    assert list(producer.measures.get().producers.all()) == [often]
    actors = set(WarningEvent.objects.exclude(actor=None).values_list("actor__username",
                                                                      flat=True))
    assert actors == {"pudong-district"}

    clear_risk()
    assert seed_risk(today=TODAY)["risk_warnings"] == 2

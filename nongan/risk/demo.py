"""Demo warnings for `nongan seed`: the nightly run replayed on the first day of each of the
last `REPLAY_MONTHS` months and on the day of the seed, over the seeded history (two years
of monitoring, so temporal series use EARS), so the warnings are dated as they would have
been found. Then officers start handling a few, through the services: the district
officer acknowledges the two oldest warnings of each district, and takes an inspection
measure on a producer warning.

With the default seed (600 producers, ~1,600 samples, ~60 failures in two years) the
series are too sparse for a temporal alarm (5 failures in 4 months); banned detections,
producers and the odd spatial cluster make the warnings."""

import datetime as dt
from collections import Counter
from zoneinfo import ZoneInfo

from nongan.people.models import User

from . import measures, services
from .models import RiskWarning
from .runner import run_all
from .series import add_months, month_start

SHANGHAI = ZoneInfo("Asia/Shanghai")
REPLAY_MONTHS = 6


def seed_risk(*, today: dt.date) -> dict:
    nights = [add_months(month_start(today), -k) for k in range(REPLAY_MONTHS - 1, -1, -1)]
    evaluated = 0
    for night in [*nights, today]:
        evaluated += run_all(night, now=dt.datetime.combine(night, dt.time(2),
                                                           tzinfo=SHANGHAI))["series_evaluated"]
    _handle()
    made = RiskWarning.objects.values_list("kind", "level", "status")
    return {"risk_warnings": len(made),
            "risk_warnings_by_kind": dict(Counter(kind for kind, _, _ in made)),
            "risk_warnings_by_level": dict(Counter(level for _, level, _ in made)),
            "risk_warnings_by_status": dict(Counter(status for _, _, status in made)),
            "risk_series_evaluated": evaluated}


def _handle() -> None:
    for district in (RiskWarning.objects.exclude(district=None)
                     .values_list("district", flat=True).distinct().order_by("district")):
        officer = (User.objects.filter(role="district_officer", region_id=district,
                                       is_active=True).order_by("username").first())
        if officer is None:
            continue
        oldest = RiskWarning.objects.filter(district_id=district).order_by("issued_at", "pk")
        for warning in oldest[:2]:
            services.acknowledge(warning, "已签收，安排核查", actor=officer)
        producer_warning = oldest.filter(kind="producer", status="acknowledged").first()
        if producer_warning:
            measures.take_measure(producer_warning, {
                "kind": "inspection", "note": "请网格员10日内上门核查用药记录和安全间隔期"},
                actor=officer)

"""Systemic findings (系统性风险): the same pesticide failing in the same product in
`min_districts` or more districts within `window_days` (a city-wide warning), and any
detection of a pesticide banned for the food (a red warning for its district).

Failing results are few (a few percent of samples), so they are read as rows and grouped
here."""

import datetime as dt
from collections import defaultdict

from django.utils import timezone

from nongan.monitoring.models import Result

from .. import explain, rules, series
from . import Finding, region_names


def _failures(since: dt.datetime, until: dt.datetime, district: str | None = None) -> list:
    qs = Result.objects.filter(
        current=True, status__in=series.FAILING, sample__kind__in=series.LAB_KINDS,
        sample__retest_of__isnull=True, sample__sampled_at__gte=since,
        sample__sampled_at__lt=until)
    if district:
        qs = qs.filter(sample__district_id=district)
    return list(qs.order_by("sample__sampled_at", "sample_id").values(
        "analyte", "status", "value", "unit", "sample_id", "sample__sample_no",
        "sample__product", "sample__category", "sample__district_id", "sample__town_id",
        "sample__producer__name", "sample__sampled_at"))


def findings(today: dt.date, s: dict, *, district: str | None = None) -> list[Finding]:
    """Cross-district findings always look at every district (new results of one district
    can make a pesticide's second district); banned detections only at `district`'s when
    given."""
    days = s["systemic"]["window_days"]
    until = series.at_midnight(today + dt.timedelta(days=1))
    since = series.at_midnight(today - dt.timedelta(days=days))
    rows = _failures(since, until)
    names = region_names({r["sample__district_id"] for r in rows}
                         | {r["sample__town_id"] for r in rows})
    found = _across_districts(rows, names, s)
    banned = [r for r in rows if r["status"] == "banned_detected"
              and (district is None or r["sample__district_id"] == district)]
    found += _banned(banned, names, s)
    return found


def _across_districts(rows, names, s) -> list[Finding]:
    groups: dict[tuple, list] = defaultdict(list)
    for r in rows:
        groups[(r["sample__product"], r["analyte"])].append(r)
    found = []
    for (product, pesticide), group in sorted(groups.items()):
        by_district: dict[str, set] = defaultdict(set)
        for r in group:
            by_district[r["sample__district_id"]].add(r["sample_id"])
        if len(by_district) < s["systemic"]["min_districts"]:
            continue
        samples = sorted({r["sample_id"] for r in group})
        figures = {"product": product, "pesticide": pesticide,
                   "window_days": s["systemic"]["window_days"], "samples": len(samples),
                   "by_district": [[code, len(ids)] for code, ids in sorted(by_district.items())]}
        found.append(Finding(
            key=f"systemic:{product}:{pesticide}", kind="systemic",
            level=rules.systemic_level(len(by_district), s), region=series.CITY,
            district=None, town=None,
            explanation=explain.systemic(product, pesticide, figures, names), figures=figures,
            samples=samples, category=group[0]["sample__category"], product=product,
            pesticide=pesticide, districts=tuple(sorted(by_district))))
    return found


def _banned(rows, names, s) -> list[Finding]:
    groups: dict[tuple, list] = defaultdict(list)
    for r in rows:
        groups[(r["sample__district_id"], r["analyte"])].append(r)
    found = []
    for (district, pesticide), group in sorted(groups.items()):
        towns = sorted({r["sample__town_id"] for r in group})
        products = sorted({r["sample__product"] for r in group})
        detections = [{
            "sample_no": r["sample__sample_no"], "product": r["sample__product"],
            "producer": r["sample__producer__name"], "town": r["sample__town_id"],
            "date": f"{timezone.localtime(r['sample__sampled_at'], series.SHANGHAI):%Y-%m-%d}",
            "value": f"{r['value'].normalize()} {r['unit']}" if r["value"] is not None else "",
        } for r in group]
        figures = {"pesticide": pesticide, "window_days": s["systemic"]["window_days"],
                   "detections": detections}
        found.append(Finding(
            key=f"banned:{district}:{pesticide}", kind="systemic", level="red",
            region=towns[0] if len(towns) == 1 else district, district=district,
            town=towns[0] if len(towns) == 1 else None,
            explanation=explain.banned(names.get(district, district), pesticide, figures),
            figures=figures, samples=sorted({r["sample_id"] for r in group}),
            category=group[0]["sample__category"] if len(products) == 1 else "",
            product=products[0] if len(products) == 1 else "", pesticide=pesticide,
            districts=(district,), towns=tuple(towns)))
    return found

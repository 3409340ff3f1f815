"""Spatial findings (区域性风险): Kulldorff's Bernoulli scan over the city's towns, on the
laboratory samples of the last `window_days` — all products, and each product category
with enough failures. Cases are non-compliant samples, controls compliant ones; a town is
placed at its centroid, or at the mean position of its samples when it has none (a town
with neither is left out). A cluster with p < `alpha` is a finding about its towns.

The permutations are seeded from the window's end and the category, so the same records
give the same p-value (and a re-run changes nothing)."""

import datetime as dt
import hashlib
from collections import defaultdict

from django.db.models import Avg, Count, Q

from nongan.regions.models import Region

from .. import explain, rules, series
from ..methods.spatial import Location, bernoulli_scan
from . import Finding, rounded


def _seed(today: dt.date, category: str) -> int:
    return int.from_bytes(hashlib.sha256(f"{today}:{category}".encode()).digest()[:8], "big")


def _counts(since: dt.datetime, until: dt.datetime) -> dict[str, dict[str, dict]]:
    """category ("" = all) → town → {cases, total, lon, lat} (lon/lat: mean of samples)."""
    rows = (series.lab_samples()
            .filter(sampled_at__gte=since, sampled_at__lt=until, verdict__in=series.JUDGED)
            .values_list("category", "town_id")
            .annotate(total=Count("pk"), cases=Count("pk", filter=Q(verdict="non_compliant")),
                      lon=Avg("lon"), lat=Avg("lat"))
            .order_by())
    found: dict[str, dict[str, dict]] = defaultdict(dict)
    for category, town, total, cases, lon, lat in rows:
        for key in {"", category or ""}:
            cell = found[key].setdefault(town, {"cases": 0, "total": 0, "lon": [], "lat": []})
            cell["cases"] += cases
            cell["total"] += total
            if lon is not None and lat is not None:
                cell["lon"].append((lon, total))
                cell["lat"].append((lat, total))
    return found


def _locations(cells: dict[str, dict], towns: dict[str, Region]) -> list[Location]:
    out = []
    for code in sorted(cells):
        cell, town = cells[code], towns.get(code)
        if town is not None and town.centroid_lon is not None and town.centroid_lat is not None:
            lon, lat = town.centroid_lon, town.centroid_lat
        elif cell["lon"]:
            weight = sum(w for _, w in cell["lon"])
            lon = sum(v * w for v, w in cell["lon"]) / weight
            lat = sum(v * w for v, w in cell["lat"]) / weight
        else:
            continue
        out.append(Location(code, lon, lat, cell["cases"], cell["total"]))
    return out


def findings(today: dt.date, s: dict, *, replications: int | None = None) -> tuple[list, int]:
    """Findings and the number of scans run."""
    p = s["spatial"]
    until = series.at_midnight(today)
    since = series.at_midnight(today - dt.timedelta(days=p["window_days"]))
    by_category = _counts(since, until)
    codes = {code for cells in by_category.values() for code in cells}
    towns = {r.code: r for r in Region.objects.filter(code__in=codes)}
    found, scans = [], 0
    for category in sorted(by_category):
        if category and not p["by_category"]:
            continue
        locations = _locations(by_category[category], towns)
        if sum(loc.cases for loc in locations) < p["min_cases"] or len(locations) < 2:
            continue
        scans += 1
        cluster = bernoulli_scan(locations, replications=replications or p["replications"],
                                 random_seed=_seed(today, category), max_share=p["max_share"])
        if cluster is not None and cluster.p_value < p["alpha"]:
            found.append(_finding(cluster, category, locations, towns, since, until, s))
    # The same towns found in one category and over all products are one risk: the
    # category names it more precisely.
    by_category = {frozenset(f.towns) for f in found if f.category}
    return [f for f in found if f.category or frozenset(f.towns) not in by_category], scans


def _finding(cluster, category, locations, towns, since, until, s) -> Finding:
    by_code = {loc.id: loc for loc in locations}
    members = [towns[code] for code in cluster.members]
    districts = sorted({t.district_id for t in members})
    one_district = len(districts) == 1
    figures = {
        "category": category, "window_days": s["spatial"]["window_days"],
        "since": f"{since:%Y-%m-%d}", "until": f"{until - dt.timedelta(days=1):%Y-%m-%d}",
        "center": cluster.center, "radius_km": rounded(cluster.radius_km, 2),
        "cases": cluster.cases, "total": cluster.total,
        "expected": rounded(cluster.expected), "rate_inside": rounded(cluster.rate_inside, 4),
        "rate_outside": rounded(cluster.rate_outside, 4), "llr": rounded(cluster.llr),
        "p_value": rounded(cluster.p_value, 4), "replications": cluster.replications,
        "members": [{"town": t.code, "name": t.name, "district": t.district_id,
                     "cases": by_code[t.code].cases, "total": by_code[t.code].total,
                     "lon": rounded(by_code[t.code].lon, 5),
                     "lat": rounded(by_code[t.code].lat, 5)} for t in members],
    }
    qs = series.lab_samples().filter(sampled_at__gte=since, sampled_at__lt=until,
                                     verdict="non_compliant", town_id__in=cluster.members)
    if category:
        qs = qs.filter(category=category)
    names = "、".join(t.name for t in members[:6]) + ("等" if len(members) > 6 else "")
    centre = towns[cluster.center]
    return Finding(
        key=f"spatial:{category or '*'}:{cluster.center}", kind="spatial",
        level=rules.spatial_level(cluster.p_value, s),
        region=districts[0] if one_district else series.CITY,
        district=districts[0] if one_district else None,
        town=centre.code if len(members) == 1 else None,
        explanation=explain.spatial(names, figures), figures=figures,
        samples=list(qs.order_by("sampled_at", "pk").values_list("pk", flat=True)),
        category=category, districts=tuple(districts), towns=tuple(cluster.members))

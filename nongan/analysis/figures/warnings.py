"""风险预警 on the map: the warnings not yet closed, per town with their levels (each
opening the warning list filtered the same way), each town placed at its centroid — or,
where the divisions carry none, at the middle of its registered plots (a town with
neither is listed but not drawn)."""

from collections import defaultdict

from django.db.models import Avg, Count, F

from nongan.core.scoping import visible, within
from nongan.producers.models import Plot
from nongan.regions.models import Region
from nongan.risk.models import LEVELS, RiskWarning
from nongan.risk.queries import OPEN

from .. import links

LEVEL_ORDER = [code for code, _ in LEVELS]  # red first: the most severe
LEVEL_NAMES = dict(LEVELS)


def open_warnings(scope):
    """Open now (issued, acknowledged or being acted on), whatever the period."""
    return within(visible(RiskWarning, scope.user), scope.region).filter(status__in=OPEN)


def listed(region_code: str, **params) -> str:
    """The warning list filtered as the figure counts (its `within` and `open`)."""
    return links.page("warning_list", region=region_code, status="open", **params)


def issued(scope):
    """Issued in the period, whatever they became."""
    return within(visible(RiskWarning, scope.user), scope.region).filter(
        issued_at__gte=scope.since, issued_at__lt=scope.until)


def positions(codes) -> dict[str, tuple[float, float]]:
    """(lon, lat) of each town: its centroid, else the mean centre of its active plots."""
    found = {code: (lon, lat) for code, lon, lat in Region.objects.filter(
        code__in=codes, centroid_lon__isnull=False, centroid_lat__isnull=False)
        .values_list("code", "centroid_lon", "centroid_lat")}
    missing = [code for code in codes if code not in found]
    if missing:
        for code, lon, lat in (Plot.objects.filter(town__in=missing, active=True).order_by()
                               .values("town")
                               .annotate(lon=Avg((F("min_lon") + F("max_lon")) / 2),
                                         lat=Avg((F("min_lat") + F("max_lat")) / 2))
                               .values_list("town", "lon", "lat")):
            found[code] = (lon, lat)
    return found


def _levels(counts: dict) -> dict:
    total = sum(counts.values())
    return {"counts": {level: counts.get(level, 0) for level in LEVEL_ORDER}, "total": total,
            "highest": next((level for level in LEVEL_ORDER if counts.get(level)), None)}


def warnings(scope) -> dict:
    """Open warnings by level, per town (with where to draw it), and those that concern a
    whole district or the city (no town)."""
    per_town: dict = defaultdict(dict)
    for town, level, n in (open_warnings(scope).order_by().values_list("town", "level")
                           .annotate(n=Count("pk"))):
        per_town[town][level] = per_town[town].get(level, 0) + n
    wider = per_town.pop(None, {})
    names = dict(Region.objects.filter(code__in=list(per_town)).values_list("code", "name"))
    placed = positions(list(per_town))
    towns = []
    for code in sorted(per_town):
        lon, lat = placed.get(code, (None, None))
        towns.append({"town": code, "name": names.get(code, code), "lon": lon, "lat": lat,
                      **_levels(per_town[code]),
                      "records": listed(code)})
    overall: dict = defaultdict(int)
    for counts in [*per_town.values(), wider]:
        for level, n in counts.items():
            overall[level] += n
    return {**_levels(overall), "issued_in_period": issued(scope).count(), "towns": towns,
            "without_town": _levels(wider)
            | {"records": links.records("warnings", scope, town="none")},
            "levels": [{"level": level, "name": LEVEL_NAMES[level], "count": overall[level],
                        "records": listed(scope.region.code, level=level)}
                       for level in LEVEL_ORDER],
            "records": {"open": listed(scope.region.code),
                        "issued_in_period": links.records("warnings", scope, issued="1")}}

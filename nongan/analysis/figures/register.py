"""在册主体与地块, 网格覆盖: the register and its grid coverage, from the querysets of the
register and coverage pages (`regions.queries`), so the dashboard and those pages agree.

Every figure here comes from one `census`: one grouped query per table (producers, plots,
grids) with each count a filtered aggregate, per area one level below the region. The
figures used to be a query each: a city's million plots were read eight times for one
dashboard (2.8 s of its SQL at city scale); now once, from an index of their own."""

from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q, Sum

from nongan.core.scoping import visible, within
from nongan.producers.models import KINDS, Certification
from nongan.regions import queries as rq
from nongan.regions.models import Grid, GridMember, Region

from .. import links


def registered_in(qs, scope):
    """Producers or plots registered in the period."""
    return qs.filter(_period(scope))


def manned_grids(user, region):
    """Active grids with at least one person named (网格定人)."""
    return rq.grids(user, region).filter(
        Exists(GridMember.objects.filter(grid=OuterRef("pk"))))


def villages_with_producers(user, region):
    """Codes of the villages where active producers are registered."""
    return rq.producers(user, region).order_by().values("village").distinct()


def uncovered_villages(user, region):
    """Villages with producers but no active grid with a person in it."""
    return villages_with_producers(user, region).exclude(
        village__in=manned_grids(user, region).values("village"))


@dataclass(frozen=True)
class Census:
    """The register's counts of one scope: per area code (one level below the region) a
    dict per table, and the villages with producers and those with a manned grid."""
    scope: object
    producers: dict
    plots: dict
    grids: dict
    villages: frozenset
    manned_villages: frozenset

    def total(self, table: str, key: str):
        return sum(row[key] for row in getattr(self, table).values())


def _period(scope) -> Q:
    return Q(created_at__gte=scope.since, created_at__lt=scope.until)


def census(scope) -> Census:
    """What `register`, `coverage` and `areas` show, counted in four queries."""
    user, region = scope.user, scope.region
    level = rq.group_level(region)
    certified = Certification.objects.filter(producer=OuterRef("pk"), status="valid")
    producers, villages = {}, set()
    # Grouped by village too, for the villages with producers (a village lies in one area).
    keys = tuple(dict.fromkeys((level, "village")))
    for row in (rq.producers(user, region).order_by().values(*keys)
                .annotate(total=Count("pk"), scale=Count("pk", filter=Q(is_scale=True)),
                          certified=Count("pk", filter=Exists(certified)),
                          without_grid=Count("pk", filter=rq.NO_GRID),
                          new=Count("pk", filter=_period(scope)),
                          in_manned_grid=Count("pk", filter=Q(
                              grid__in=manned_grids(user, region).values("pk"))),
                          **{kind: Count("pk", filter=Q(kind=kind)) for kind, _ in KINDS})):
        villages.add(row["village"])
        counts = {key: n for key, n in row.items() if key not in keys}
        area = producers.setdefault(row[level], dict.fromkeys(counts, 0))
        for key, n in counts.items():
            area[key] += n
    # Per area and grid, the grid's state looked up here (rq.NO_GRID: none, or closed):
    # joining each of a city's million plots to its grid took a third of the query.
    closed = set(Grid.objects.filter(active=False).values_list("pk", flat=True))
    plots: dict = {}
    for row in (rq.plots(user, region).order_by().values(level, "grid")
                .annotate(total=Count("pk"), area_mu=Sum("area_mu"),
                          new=Count("pk", filter=_period(scope)))):
        area = plots.setdefault(row[level], {"total": 0, "without_grid": 0, "area_mu": 0,
                                             "new": 0})
        for key in ("total", "area_mu", "new"):
            area[key] += row[key]
        if row["grid"] is None or row["grid"] in closed:
            area["without_grid"] += row["total"]
    grids = {row.pop(level): row for row in (
        rq.grids(user, region).order_by().values(level)
        .annotate(total=Count("pk"), without_person=Count("pk", filter=rq.UNMANNED)))}
    manned = frozenset(manned_grids(user, region).values_list("village", flat=True))
    return Census(scope, producers, plots, grids, frozenset(villages), manned)


def register(found: Census) -> dict:
    """Producers by kind, scale and certification, plots and their area, and how many of
    each were registered in the period."""
    scope = found.scope
    code = scope.region.code
    area = found.total("plots", "area_mu")
    return {
        "producers": found.total("producers", "total"),
        "scale": found.total("producers", "scale"),
        "certified": found.total("producers", "certified"),
        "plots": found.total("plots", "total"),
        "plots_area_mu": float(area or 0),
        "new_producers": found.total("producers", "new"),
        "new_plots": found.total("plots", "new"),
        "by_kind": [{"kind": kind, "name": name, "count": found.total("producers", kind),
                     "records": links.page("producer_list", region=code, kind=kind)}
                    for kind, name in KINDS],
        "records": {
            "producers": links.page("producer_list", region=code),
            "scale": links.page("producer_list", region=code, scale="1"),
            "certified": links.page("producer_list", region=code, certification="any"),
            "plots": links.records("plots", scope),
            "new_producers": links.records("producers", scope, new="1"),
            "new_plots": links.records("plots", scope, new="1"),
        },
    }


def coverage(found: Census) -> dict:
    """区域定格、网格定人: villages with producers that have a manned grid, producers in a
    manned grid, and the coverage page's gaps (no grid, grid without a person)."""
    scope = found.scope
    villages = len(found.villages)
    uncovered = len(found.villages - found.manned_villages)
    producers = found.total("producers", "total")
    in_manned = found.total("producers", "in_manned_grid")
    gaps = links.page("coverage", scope.region.code)
    return {
        "villages": villages, "villages_covered": villages - uncovered,
        "villages_uncovered": uncovered,
        "village_rate": _percent(villages - uncovered, villages),
        "producers": producers, "producers_in_manned_grid": in_manned,
        "producer_rate": _percent(in_manned, producers),
        "producers_without_grid": found.total("producers", "without_grid"),
        "plots_without_grid": found.total("plots", "without_grid"),
        "grids": found.total("grids", "total"),
        "grids_without_person": found.total("grids", "without_person"),
        "records": {"villages_uncovered": links.records("villages", scope),
                    "producers_without_grid": gaps + "#producers",
                    "plots_without_grid": gaps + "#plots",
                    "grids_without_person": gaps + "#grids"},
    }


def areas(found: Census) -> list[dict]:
    """Per area one level below the region: producers, plots and grids, and their gaps
    (the coverage page's table, `regions.queries.gaps_by_area`: the active areas and any
    other with a count)."""
    scope = found.scope
    user, region = scope.user, scope.region
    codes = set(found.producers) | set(found.plots) | set(found.grids)
    listed = visible(Region, user).filter(level=rq.group_level(region)).filter(
        Q(code__in=codes) | Q(active=True))
    rows = []
    for area in within(listed, region).order_by("code"):
        producers = found.producers.get(area.code, {})
        plots, grids = found.plots.get(area.code, {}), found.grids.get(area.code, {})
        rows.append({"code": area.code, "name": area.name, "level": area.level,
                     "producers": producers.get("total", 0), "plots": plots.get("total", 0),
                     "grids": grids.get("total", 0),
                     "producers_without_grid": producers.get("without_grid", 0),
                     "plots_without_grid": plots.get("without_grid", 0),
                     "grids_without_person": grids.get("without_person", 0),
                     "records": links.page("coverage", area.code)
                     if area.level != "village" else links.page("region", area.code)})
    return rows


def _percent(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None

"""在册主体与地块, 网格覆盖: the register and its grid coverage, from the queries of the
register and coverage pages (`regions.queries`), so the dashboard and those pages agree."""

from django.db.models import Exists, OuterRef, Sum

from nongan.producers.models import KINDS
from nongan.regions import queries as rq
from nongan.regions.models import GridMember

from .. import links


def registered_in(qs, scope):
    """Producers or plots registered in the period."""
    return qs.filter(created_at__gte=scope.since, created_at__lt=scope.until)


def register(scope) -> dict:
    """Producers by kind, scale and certification, plots and their area, and how many of
    each were registered in the period."""
    user, region, code = scope.user, scope.region, scope.region.code
    counts = rq.summary(user, region)
    producers, plots = rq.producers(user, region), rq.plots(user, region)
    kinds = rq.counts_by(producers, "kind")
    area = plots.aggregate(area=Sum("area_mu"))["area"] or 0
    return {
        "producers": counts["producers"], "scale": counts["scale"],
        "certified": counts["certified"], "plots": counts["plots"],
        "plots_area_mu": float(area),
        "new_producers": registered_in(producers, scope).count(),
        "new_plots": registered_in(plots, scope).count(),
        "by_kind": [{"kind": kind, "name": name, "count": kinds.get(kind, 0),
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


def coverage(scope) -> dict:
    """区域定格、网格定人: villages with producers that have a manned grid, producers in a
    manned grid, and the coverage page's gaps (no grid, grid without a person)."""
    user, region = scope.user, scope.region
    counts = rq.summary(user, region)
    villages = villages_with_producers(user, region).count()
    uncovered = uncovered_villages(user, region).count()
    in_manned = rq.producers(user, region).filter(
        grid__in=manned_grids(user, region).values("pk")).count()
    gaps = links.page("coverage", region.code)
    return {
        "villages": villages, "villages_covered": villages - uncovered,
        "villages_uncovered": uncovered,
        "village_rate": _percent(villages - uncovered, villages),
        "producers": counts["producers"], "producers_in_manned_grid": in_manned,
        "producer_rate": _percent(in_manned, counts["producers"]),
        "producers_without_grid": counts["producers_without_grid"],
        "plots_without_grid": counts["plots_without_grid"],
        "grids": counts["grids"], "grids_without_person": counts["grids_without_person"],
        "records": {"villages_uncovered": links.records("villages", scope),
                    "producers_without_grid": gaps + "#producers",
                    "plots_without_grid": gaps + "#plots",
                    "grids_without_person": gaps + "#grids"},
    }


def areas(scope) -> list[dict]:
    """Per area one level below the region: producers, plots and grids, and their gaps
    (the coverage page's table)."""
    rows = []
    for row in rq.gaps_by_area(scope.user, scope.region):
        area = row["region"]
        rows.append({"code": area.code, "name": area.name, "level": area.level,
                     "producers": row["producers_total"], "plots": row["plots_total"],
                     "grids": row["grids_total"], "producers_without_grid": row["producers"],
                     "plots_without_grid": row["plots"], "grids_without_person": row["grids"],
                     "records": links.page("coverage", area.code)
                     if area.level != "village" else links.page("region", area.code)})
    return rows


def _percent(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None

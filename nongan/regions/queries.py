"""Reads of divisions and grids, always through `visible`: region summaries and the gaps
in 区域定格、网格定人 (a producer or plot with no grid, a grid with no person)."""

from django.db.models import Count, Exists, OuterRef, Q

from nongan.core.scoping import visible, within
from nongan.producers.models import Certification, Plot, Producer

from .models import LEVELS, Grid, GridMember, Region

LEVEL_BELOW = {code: LEVELS[i + 1][0] for i, (code, _) in enumerate(LEVELS[:-1])}
NO_GRID = Q(grid__isnull=True) | Q(grid__active=False)
UNMANNED = ~Q(Exists(GridMember.objects.filter(grid=OuterRef("pk"))))


def producers(user, region=None):
    return within(visible(Producer, user).filter(active=True), region)


def plots(user, region=None):
    return within(visible(Plot, user).filter(active=True), region)


def grids(user, region=None):
    return within(visible(Grid, user).filter(active=True), region)


def with_members(qs):
    """Grids annotated with their member count and whether a supervisor is named."""
    supervisor = GridMember.objects.filter(grid=OuterRef("pk"), role="supervisor")
    return qs.annotate(member_count=Count("members"), has_supervisor=Exists(supervisor))


def producers_without_grid(user, region=None):
    """不漏一家主体: active producers with no grid, or whose grid was closed."""
    return producers(user, region).filter(NO_GRID)


def plots_without_grid(user, region=None):
    """不少一块地块: active plots with no grid, or whose grid was closed."""
    return plots(user, region).filter(NO_GRID)


def grids_without_person(user, region=None):
    """网格定人: active grids with nobody named in them."""
    return grids(user, region).filter(UNMANNED)


def summary(user, region=None) -> dict:
    """The counts a user's home page and a region page show (one query per table)."""
    certified = Exists(Certification.objects.filter(producer=OuterRef("pk"), status="valid"))
    return (producers(user, region).aggregate(
                **_total_and_gap("producers", "producers_without_grid", NO_GRID),
                scale=Count("pk", filter=Q(is_scale=True)), certified=Count(
                    "pk", filter=Q(certified)))
            | plots(user, region).aggregate(
                **_total_and_gap("plots", "plots_without_grid", NO_GRID))
            | grids(user, region).aggregate(
                **_total_and_gap("grids", "grids_without_person", UNMANNED)))


def _total_and_gap(total: str, gap: str, gap_filter) -> dict:
    # Both in one pass over the rows: a district holds 200,000 plots at city scale.
    return {total: Count("pk"), gap: Count("pk", filter=gap_filter)}


def counts_by(qs, field: str) -> dict:
    """{value of `field`: number of rows}, in one grouped query."""
    return dict(qs.order_by().values(field).annotate(n=Count("pk")).values_list(field, "n"))


def ancestors_visible(user, region: Region, *, include_self=False) -> list[Region]:
    """The region's ancestors the user may open (a town officer does not see its district)."""
    chain = region.ancestors() + ([region] if include_self else [])
    seen = set(visible(Region, user).filter(code__in=[r.code for r in chain])
               .values_list("code", flat=True))
    return [r for r in chain if r.code in seen]


def children_with_counts(user, region: Region) -> list[Region]:
    """The region's visible children, each with `.producers`, `.plots` and `.grids` counts
    (one grouped query per count, whatever the number of children)."""
    children = list(visible(region.children.all(), user).order_by("-active", "code"))
    if not children:
        return []
    level = LEVEL_BELOW[region.level]
    counts = {
        "producers": counts_by(producers(user, region), level),
        "plots": counts_by(plots(user, region), level),
        "grids": counts_by(grids(user, region), level),
    }
    for child in children:
        for key, numbers in counts.items():
            setattr(child, key, numbers.get(child.code, 0))
    return children


def summary_of(areas: list[dict]) -> dict:
    """The coverage counts of summary() added up from gaps_by_area's rows, which hold them
    all (the region's plots are not counted twice)."""
    return {name: sum(row[key] for row in areas) for name, key in (
        ("producers", "producers_total"), ("producers_without_grid", "producers"),
        ("plots", "plots_total"), ("plots_without_grid", "plots"),
        ("grids", "grids_total"), ("grids_without_person", "grids"))}


def group_level(region: Region) -> str:
    """Coverage gaps are counted per town for a district (the level below, in general)."""
    return LEVEL_BELOW.get(region.level, region.level)


def gaps_by_area(user, region: Region) -> list[dict]:
    """Per area one level below `region`: its three gap counts (grouped queries)."""
    level = group_level(region)
    counted = {key: {row[level]: row for row in qs.order_by().values(level).annotate(
                   **_total_and_gap("total", "gap", gap))}
               for key, qs, gap in (("producers", producers(user, region), NO_GRID),
                                    ("plots", plots(user, region), NO_GRID),
                                    ("grids", grids(user, region), UNMANNED))}
    codes = set().union(*counted.values())
    areas = visible(Region, user).filter(level=level).filter(Q(code__in=codes) | Q(active=True))
    areas = areas.filter(pk=region.pk) if level == region.level else within(areas, region)
    rows = []
    for area in areas.order_by("code"):
        row = {"region": area}
        for key, by_area in counted.items():
            numbers = by_area.get(area.code, {})
            row[key], row[key + "_total"] = numbers.get("gap", 0), numbers.get("total", 0)
        rows.append(row)
    return rows

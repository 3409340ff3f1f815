from django.shortcuts import get_object_or_404
from ninja import Router, Schema

from nongan.core.listing import page_of
from nongan.core.scoping import visible, within

from . import services
from .models import Grid, Region

router = Router(tags=["regions"])


class RegionChild(Schema):
    code: str
    name: str
    level: str


class RegionOut(Schema):
    code: str
    name: str
    level: str
    parent_code: str | None
    active: bool
    former_names: list[str]
    children: list[RegionChild]


class MemberOut(Schema):
    name: str
    role: str
    duty: str
    phone: str


class GridOut(Schema):
    code: str
    name: str
    kind: str
    village: str
    town: str
    district: str
    members: list[MemberOut]


class GridPage(Schema):
    count: int
    items: list[GridOut]


@router.get("/regions/{code}", response=RegionOut)
def region(request, code: str):
    found = get_object_or_404(visible(Region, request.auth), code=code)
    children = visible(found.children.all(), request.auth).filter(active=True)
    return {"code": found.code, "name": found.name, "level": found.level,
            "parent_code": found.parent_id, "active": found.active,
            "former_names": found.former_names,
            "children": [{"code": c.code, "name": c.name, "level": c.level} for c in children]}


def grid_dict(grid: Grid) -> dict:
    return {"code": grid.code, "name": grid.name, "kind": grid.kind, "village": grid.village_id,
            "town": grid.town_id, "district": grid.district_id,
            "members": [{"name": m.name, "role": m.role, "duty": m.duty, "phone": m.phone}
                        for m in grid.members.all()]}


@router.get("/grids", response=GridPage)
def grids(request, region: str | None = None, page: int = 1, page_size: int = 50):
    qs = visible(Grid, request.auth).filter(active=True).prefetch_related("members")
    if region:
        qs = within(qs, get_object_or_404(visible(Region, request.auth), code=region))
    result = page_of(qs.order_by("code"), page, page_size)
    return {"count": result["count"], "items": [grid_dict(g) for g in result["items"]]}


class Counts(Schema):
    producers: int
    plots: int


class PlacedOut(Schema):
    placed: Counts
    left: Counts


@router.post("/regions/{code}/place-in-grids", response=PlacedOut)
def place_in_grids(request, code: str):
    """划入网格: the region's producers and plots with no open grid put in their village's;
    `left` counts those whose village has none."""
    found = get_object_or_404(visible(Region, request.auth), code=code)
    return services.place_in_village_grids(found, actor=request.auth)

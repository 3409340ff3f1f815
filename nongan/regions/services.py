"""Writes on divisions and grids (区域定格、网格定人、人员定责)."""

import csv
import io
from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Exists, OuterRef, Subquery
from django.utils import timezone

from nongan.core import audit
from nongan.core.errors import FieldErrors
from nongan.core.permissions import require

from .models import LEVEL_DEPTH, Grid, GridMember, Region

SHIPPED_DIVISIONS = Path(__file__).parent / "data" / "shanghai-divisions.csv"
COLUMNS = ["code", "name", "level", "parent_code"]


def read_divisions(text: str) -> list[dict]:
    """Rows of a division list, checked whole: every code 12 digits, every parent known."""
    reader = csv.DictReader(io.StringIO(text))
    if reader.fieldnames is None or [f.strip() for f in reader.fieldnames] != COLUMNS:
        raise FieldErrors({"file": f"表头应为 {','.join(COLUMNS)}"})
    rows, errors, codes = [], [], set()
    for n, row in enumerate(reader, start=2):
        code, level = row["code"].strip(), row["level"].strip()
        if len(code) != 12 or not code.isdigit():
            errors.append(((n, "code"), "区划代码应为12位数字"))
        elif level not in LEVEL_DEPTH:
            errors.append(((n, "level"), "级别应为 city/district/town/village"))
        elif not row["name"].strip():
            errors.append(((n, "name"), "名称不能为空"))
        elif code in codes:
            errors.append(((n, "code"), "区划代码重复"))
        codes.add(code)
        rows.append({"code": code, "name": row["name"].strip(), "level": level,
                     "parent_code": (row["parent_code"] or "").strip(), "line": n})
    for row in rows:
        if row["level"] != "city" and row["parent_code"] not in codes:
            errors.append(((row["line"], "parent_code"), "上级区划代码不在文件中"))
    if errors:
        raise FieldErrors(errors)
    return sorted(rows, key=lambda r: (LEVEL_DEPTH[r["level"]], r["code"]))


def _pointers(row, by_code) -> dict:
    """The district/town/village a division belongs to (itself at its own level)."""
    chain, node = {}, row
    while node:
        if node["level"] != "city":
            chain[node["level"]] = node["code"]
        node = by_code.get(node["parent_code"])
    return {f"{lvl}_id": chain.get(lvl) for lvl in ("district", "town", "village")}


@transaction.atomic
def apply_divisions(path: Path, *, actor) -> dict:
    """Add, rename and retire divisions from an official list; nothing is ever deleted,
    so every record that points at a retired division keeps its meaning."""
    rows = read_divisions(Path(path).read_text(encoding="utf-8-sig"))
    by_code = {r["code"]: r for r in rows}
    existing = {r.code: r for r in Region.objects.all()}
    added, renamed, moved, retired, revived = [], [], [], [], []
    for row in rows:
        fields = {"name": row["name"], "level": row["level"],
                  "parent_id": row["parent_code"] or None, **_pointers(row, by_code)}
        region = existing.get(row["code"])
        if region is None:
            added.append(Region(code=row["code"], **fields))
            continue
        changed = []
        if region.name != row["name"]:
            region.former_names = [*region.former_names, region.name]
            renamed.append([row["code"], region.name, row["name"]])
            changed.append("former_names")
        if region.parent_id != fields["parent_id"]:
            moved.append([row["code"], region.parent_id, fields["parent_id"]])
        if not region.active:
            region.active, region.retired_on = True, None
            revived.append(row["code"])
            changed += ["active", "retired_on"]
        for key, value in fields.items():
            if getattr(region, key) != value:
                setattr(region, key, value)
                changed.append(key)
        if changed:
            region.save(update_fields=sorted(set(changed)))
    Region.objects.bulk_create(added, batch_size=1000)
    today = timezone.localdate()
    gone = [code for code, r in existing.items() if r.active and code not in by_code]
    Region.objects.filter(code__in=gone).update(active=False, retired_on=today)
    retired.extend(gone)
    grids = ensure_village_grids()
    summary = {"added": len(added), "renamed": renamed, "moved": moved, "retired": retired,
               "revived": revived, "grids_created": grids}
    audit.record("regions.apply_divisions", actor=actor, object_type="regions.region",
                 object_id="*", after=summary | {"added": [r.code for r in added]})
    return summary


def ensure_village_grids() -> int:
    """One grid per active village at least (实施方案 四.(一): 以行政村为基础的监管网格)."""
    have = set(Grid.objects.filter(kind="village").values_list("village_id", flat=True))
    villages = Region.objects.filter(level="village", active=True).exclude(code__in=have)
    grids = [
        Grid(code=f"G{v.code}", name=f"{v.name}网格", kind="village",
             village_id=v.code, town_id=v.town_id, district_id=v.district_id)
        for v in villages
    ]
    Grid.objects.bulk_create(grids, batch_size=1000)
    return len(grids)


def grid_for_village(village: Region) -> Grid | None:
    return Grid.objects.filter(village=village, kind="village", active=True).first()


@transaction.atomic
def assign_grid_member(grid: Grid, *, name, duty, role="supervisor", phone="", user=None,
                       since=None, actor) -> GridMember:
    """网格定人、人员定责: put a person in charge of a grid, with a written duty."""
    errors = {}
    if not (name or "").strip():
        errors["name"] = "姓名不能为空"
    if not (duty or "").strip():
        errors["duty"] = "职责不能为空"
    if role not in dict(GridMember.ROLES):
        errors["role"] = "角色无效"
    if errors:
        raise FieldErrors(errors)
    member = GridMember.objects.create(
        grid=grid, name=name.strip(), duty=duty.strip(), role=role, phone=phone, user=user,
        since=since or timezone.localdate(),
    )
    audit.record("grid.assign_member", member, actor=actor, region_code=grid.village_id,
                 after={"grid": grid.code, "name": member.name, "role": role, "duty": duty})
    return member


@transaction.atomic
def remove_grid_member(member: GridMember, *, actor) -> None:
    audit.record("grid.remove_member", member, actor=actor, region_code=member.grid.village_id,
                 before={"grid": member.grid.code, "name": member.name, "role": member.role})
    member.delete()


@transaction.atomic
def place_in_village_grids(region: Region, *, actor) -> dict:
    """划入网格: every active producer and plot of `region` with no grid, or a closed one,
    put in its village's grid (不漏一家主体、不少一块地块). Those whose village has no
    open grid stay listed as gaps, and the answer counts them."""
    from . import queries

    require(actor, "grid.edit")
    if region.level == "city" and actor.role != "city_admin":
        raise PermissionDenied("the city's coverage is the city admin's")
    open_grid = Grid.objects.filter(village=OuterRef("village"), kind="village", active=True)
    grid = Subquery(open_grid.order_by("pk").values("pk")[:1])
    placed, left = {}, {}
    # One statement per table for the whole region (a million plots for the city), not a
    # save per row: the audit entry below names the region and the counts. A producer's
    # `updated_at` moves, so the field app's next sync carries its new grid.
    for key, gaps, stamp in (
            ("producers", queries.producers_without_grid(actor, region),
             {"updated_at": timezone.now()}),
            ("plots", queries.plots_without_grid(actor, region), {})):
        placed[key] = gaps.filter(Exists(open_grid)).update(grid=grid, **stamp)
        left[key] = gaps.count()
    summary = {"placed": placed, "left": left}
    if any(placed.values()):
        audit.record("grid.place_gaps", region, actor=actor, region_code=region.code,
                     after=summary)
    return summary

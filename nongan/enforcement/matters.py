"""The spot-check matters list (随机抽查事项清单, 一单两库's 一单): the city's lines shipped
as data (`data/matters.csv`), and each district's own lines added and retired on the
matters page. A line is never deleted: spot checks keep the matter they were drawn for."""

import csv
from pathlib import Path

from django.db import transaction

from nongan.core import audit
from nongan.core.errors import Conflict, FieldErrors
from nongan.core.permissions import require
from nongan.inspections.models import ChecklistTemplate
from nongan.regions.models import Region

from .models import Matter

MATTERS_FILE = Path(__file__).parent / "data" / "matters.csv"
COLUMNS = ["code", "name", "legal_basis", "scope", "method", "template"]
CITY = "310000000000"
LIMITS = {"code": 20, "name": 120, "scope": 200, "method": 120}
LABELS = {"code": "事项编码", "name": "抽查事项", "legal_basis": "抽查依据", "scope": "抽查对象",
          "method": "抽查方式"}


def read_shipped_matters(path: Path = MATTERS_FILE) -> list[dict]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames != COLUMNS:
            raise ValueError(f"{path.name}: header should be {','.join(COLUMNS)}")
        return [{k: (row[k] or "").strip() for k in COLUMNS} for row in reader]


def _template(code: str):
    return ChecklistTemplate.objects.filter(code=code, active=True).first() if code else None


@transaction.atomic
def load_matters(*, actor=None, path: Path = MATTERS_FILE) -> dict:
    """Add the shipped city lines not stored yet; returns the codes added. Idempotent."""
    city = Region.objects.get(code=CITY)
    stored = set(Matter.objects.filter(region=city).values_list("code", flat=True))
    added = []
    for row in read_shipped_matters(path):
        if row["code"] in stored:
            continue  # the city's own edits and retirements stay
        Matter.objects.create(region=city, template=_template(row.pop("template")), **row)
        added.append(row["code"])
    if added:
        audit.record("matters.load", actor=actor, object_type="enforcement.matter",
                     object_id="*", region_code=CITY, after={"added": added})
    return {"added": added}


def _owner_region(actor) -> Region:
    """A city administrator keeps the city's lines, a district office its district's."""
    return actor.region if actor.region.level == "city" else actor.region.district


@transaction.atomic
def add_matter(data: dict, *, actor) -> Matter:
    """增加抽查事项: a line of the actor's own list (the district's, or the city's)."""
    require(actor, "matter.edit")
    region = _owner_region(actor)
    clean = {field: str(data.get(field) or "").strip() for field in LABELS}
    errors = {}
    for field, label in LABELS.items():
        if not clean[field]:
            errors[field] = f"须填写{label}"
        elif field in LIMITS and len(clean[field]) > LIMITS[field]:
            errors[field] = f"{label}不超过{LIMITS[field]}字"
    if clean["code"] and Matter.objects.filter(region=region, code=clean["code"]).exists():
        errors["code"] = f"事项编码“{clean['code']}”已存在"
    template_code = str(data.get("template") or "").strip()
    template = _template(template_code)
    if template_code and template is None:
        errors["template"] = f"检查表“{template_code}”不存在或已停用"
    if errors:
        raise FieldErrors(errors)
    matter = Matter.objects.create(region=region, template=template, **clean)
    audit.record("matter.add", matter, actor=actor, region_code=region.code,
                 after=clean | {"template": template_code or None})
    return matter


@transaction.atomic
def deactivate_matter(matter: Matter, *, actor) -> Matter:
    """停用抽查事项: only the list's keeper retires a line (a district never retires the
    city's); planned and drawn checks keep it."""
    require(actor, "matter.edit")
    if matter.region_id != _owner_region(actor).code:
        raise Conflict("只能停用本级制定的抽查事项")
    if not matter.active:
        raise Conflict("该抽查事项已停用")
    matter.active = False
    matter.save(update_fields=["active"])
    audit.record("matter.deactivate", matter, actor=actor, region_code=matter.region_id,
                 before={"active": True}, after={"active": False})
    return matter

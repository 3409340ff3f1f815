"""The shipped defaults of field inspection: the three checklists (实施方案 附件1、附件2)
and the pre-harvest interval table (安全间隔期), loaded as editable data.

`load_defaults` is safe to run on every `nongan init`: a template code that exists is never
overwritten; a shipped file whose "version" is higher than every stored version of its code
adds that version and retires the older ones; interval rows are upserted by
(pesticide, crop). `new_template_version` is the city administrator's way to change a
checklist: the old version stays, so every inspection keeps the form it was filled with.
"""

import csv
import json
from pathlib import Path

from django.db import transaction
from django.db.models import Max

from nongan.core import audit
from nongan.core.errors import FieldErrors
from nongan.core.permissions import require

from .models import TEMPLATE_KINDS, ChecklistTemplate, PreHarvestInterval

DATA = Path(__file__).parent / "data"
TEMPLATES_DIR = DATA / "templates"
INTERVALS_FILE = DATA / "preharvest_intervals.csv"
ITEM_TYPES = {"yes_no", "number", "text", "photo"}
INTERVAL_COLUMNS = ["pesticide", "crop", "days", "source"]


def validate_items(items, *, scored: bool) -> list[tuple[tuple, str]]:
    """Problems of a checklist's items, named by position and field (empty when fine)."""
    if not isinstance(items, list) or not items:
        return [(("items",), "检查项目不能为空")]
    errors, keys = [], set()
    for n, item in enumerate(items):
        if not isinstance(item, dict):
            errors.append((("items", n), "检查项应为对象"))
            continue
        key = item.get("key")
        if not isinstance(key, str) or not key.strip():
            errors.append((("items", n, "key"), "须填写编码"))
        elif key in keys:
            errors.append((("items", n, "key"), f"编码“{key}”重复"))
        keys.add(key)
        if not isinstance(item.get("text"), str) or not item["text"].strip():
            errors.append((("items", n, "text"), "须填写检查内容"))
        if not isinstance(item.get("section"), str) or not item["section"].strip():
            errors.append((("items", n, "section"), "须填写所属部分"))
        if item.get("type") not in ITEM_TYPES:
            errors.append((("items", n, "type"), "类型应为 yes_no / number / text / photo"))
        for field in ("points", "deduct"):
            value = item.get(field, 0)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                errors.append((("items", n, field), "分值应为非负整数"))
        if not isinstance(item.get("required", False), bool):
            errors.append((("items", n, "required"), "必答应为 true / false"))
        if not scored and (item.get("points") or item.get("deduct")):
            errors.append((("items", n, "points"), "不计分的检查表不应设分值"))
    return errors


def _clean_items(items) -> list[dict]:
    return [{"key": i["key"].strip(), "section": i["section"].strip(), "text": i["text"].strip(),
             "type": i["type"], "required": bool(i.get("required", False)),
             "points": i.get("points", 0)}
            | {k: v for k, v in i.items()
               if k not in ("key", "section", "text", "type", "required", "points")}
            for i in items]


def read_shipped_templates(directory: Path = TEMPLATES_DIR) -> list[dict]:
    """The shipped checklist files, checked; a broken shipped file is a programming error."""
    shipped = []
    for path in sorted(directory.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        problems = validate_items(data.get("items"), scored=bool(data.get("scored")))
        if data.get("kind") not in dict(TEMPLATE_KINDS):
            problems.append((("kind",), f"unknown kind {data.get('kind')!r}"))
        if problems:
            raise ValueError(f"{path.name}: {FieldErrors(problems)}")
        shipped.append({"code": data["code"], "version": int(data.get("version", 1)),
                        "name": data["name"], "kind": data["kind"],
                        "scored": bool(data.get("scored")),
                        "pass_score": data.get("pass_score"),
                        "items": _clean_items(data["items"])})
    return shipped


def read_shipped_intervals(path: Path = INTERVALS_FILE) -> list[dict]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames != INTERVAL_COLUMNS:
            raise ValueError(f"{path.name}: header should be {','.join(INTERVAL_COLUMNS)}")
        rows = []
        for row in reader:
            rows.append({"pesticide": row["pesticide"].strip(), "crop": row["crop"].strip(),
                         "days": int(row["days"]), "source": row["source"].strip()})
    return rows


@transaction.atomic
def load_defaults(*, actor=None, templates_dir: Path = TEMPLATES_DIR,
                  intervals_file: Path = INTERVALS_FILE) -> dict:
    """Load the shipped checklists and intervals; returns what changed. Idempotent."""
    summary = {"templates_created": [], "templates_retired": [], "intervals_created": 0,
               "intervals_updated": 0}
    for data in read_shipped_templates(templates_dir):
        stored = ChecklistTemplate.objects.select_for_update().filter(code=data["code"])
        latest = stored.aggregate(v=Max("version"))["v"]
        if latest is not None and data["version"] <= latest:
            continue  # never overwrite a stored version, shipped or the city's own
        retired = list(stored.filter(active=True).values_list("version", flat=True))
        stored.filter(active=True).update(active=False)
        ChecklistTemplate.objects.create(active=True, **data)
        summary["templates_created"].append(f"{data['code']}@{data['version']}")
        summary["templates_retired"] += [f"{data['code']}@{v}" for v in sorted(retired)]

    current = {(r.pesticide, r.crop): r for r in PreHarvestInterval.objects.all()}
    for row in read_shipped_intervals(intervals_file):
        found = current.get((row["pesticide"], row["crop"]))
        if found is None:
            PreHarvestInterval.objects.create(**row)
            summary["intervals_created"] += 1
        elif (found.days, found.source) != (row["days"], row["source"]):
            found.days, found.source = row["days"], row["source"]
            found.save(update_fields=["days", "source"])
            summary["intervals_updated"] += 1

    changed = (summary["templates_created"] or summary["intervals_created"]
               or summary["intervals_updated"])
    if changed:
        audit.record("inspections.load_defaults", actor=actor,
                     object_type="inspections.checklisttemplate", object_id="*",
                     after=summary)
    return summary


@transaction.atomic
def new_template_version(code: str, items: list[dict], *, actor, name: str | None = None,
                         pass_score: int | None = None) -> ChecklistTemplate:
    """修订检查表: a new version of checklist `code` becomes current; the old versions stay
    (inactive), so submitted inspections keep the form they were filled with."""
    require(actor, "template.edit")
    stored = ChecklistTemplate.objects.select_for_update().filter(code=code)
    latest = stored.order_by("-version").first()
    if latest is None:
        raise FieldErrors({"code": f"检查表模板“{code}”不存在"})
    problems = validate_items(items, scored=latest.scored)
    if pass_score is not None and (not latest.scored or isinstance(pass_score, bool)
                                   or not isinstance(pass_score, int) or pass_score < 0):
        problems.append((("pass_score",), "合格分应为非负整数，且只用于计分的检查表"))
    if name is not None and not name.strip():
        problems.append((("name",), "名称不能为空"))
    if problems:
        raise FieldErrors(problems)
    items = _clean_items(items)
    retired = list(stored.filter(active=True).values_list("version", flat=True))
    stored.filter(active=True).update(active=False)
    template = ChecklistTemplate.objects.create(
        code=code, version=latest.version + 1, name=(name or latest.name).strip(),
        kind=latest.kind, scored=latest.scored,
        pass_score=latest.pass_score if pass_score is None else pass_score,
        items=items, active=True)
    old_keys = {i["key"] for i in latest.items}
    new_keys = {i["key"] for i in items}
    audit.record("inspections.template_version", template, actor=actor,
                 before={"version": latest.version, "retired": retired,
                         "items": len(latest.items), "pass_score": latest.pass_score},
                 after={"code": code, "version": template.version, "name": template.name,
                        "items": len(items), "pass_score": template.pass_score,
                        "added": sorted(new_keys - old_keys),
                        "removed": sorted(old_keys - new_keys)})
    return template

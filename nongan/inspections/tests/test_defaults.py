"""The shipped checklists and pre-harvest intervals, and checklist versions."""

import json

import pytest
from django.core.exceptions import PermissionDenied

from nongan.core.errors import FieldErrors
from nongan.core.models import AuditEntry
from nongan.inspections.defaults import (
    TEMPLATES_DIR,
    load_defaults,
    new_template_version,
    read_shipped_intervals,
    read_shipped_templates,
)
from nongan.inspections.models import ChecklistTemplate, PreHarvestInterval
from nongan.inspections.services import preharvest_interval


def loads():
    return AuditEntry.objects.filter(action="inspections.load_defaults")


def test_the_shipped_forms_are_well_formed():
    forms = {t["code"]: t for t in read_shipped_templates()}
    assert set(forms) == {"daily", "green_annual", "organic_annual"}
    daily = forms["daily"]
    assert daily["kind"] == "daily" and not daily["scored"]
    assert 15 <= len(daily["items"]) <= 20
    types = {i["type"] for i in daily["items"]}
    assert types == {"yes_no", "number", "text", "photo"}
    assert any(i["type"] == "photo" and i["required"] for i in daily["items"])
    sections = {i["section"] for i in daily["items"]}
    assert {"产地环境", "生产记录", "投入品", "保鲜剂、添加剂", "废弃物处置",
            "承诺达标合格证与追溯", "告知承诺"} <= sections
    green = forms["green_annual"]
    points = {i["key"]: i["points"] for i in green["items"]}
    assert (points["qs_organisation"], points["qs_roles"], points["qs_rules"],
            points["qs_records"], points["qs_training"]) == (15, 10, 15, 20, 15)
    assert (points["ps_materials"], points["ps_pests"], points["ps_vehicles"]) == (10, 15, 10)
    assert sum(points.values()) == 120 and green["pass_score"] == 60
    assert {i["key"]: i.get("deduct") for i in green["items"]}["in_seeds"] == 70
    organic = forms["organic_annual"]
    assert organic["kind"] == "organic_annual" and organic["scored"]
    assert sum(i["points"] for i in organic["items"]) == 100
    assert any("17位" in i["text"] for i in organic["items"])
    for form in forms.values():
        for item in form["items"]:
            if item["type"] == "yes_no":
                assert item["fail_value"] == "no"  # every question: "yes" is compliant


def test_the_interval_table_reads():
    rows = read_shipped_intervals()
    assert len(rows) >= 15
    assert len({(r["pesticide"], r["crop"]) for r in rows}) == len(rows)
    assert all(r["days"] > 0 and r["source"] for r in rows)
    assert not any(r["pesticide"] == "毒死蜱" for r in rows)


def test_defaults_load_twice_without_duplicates(db):
    first = load_defaults()
    assert sorted(first["templates_created"]) == ["daily@1", "green_annual@1",
                                                  "organic_annual@1"]
    assert first["intervals_created"] == PreHarvestInterval.objects.count() > 0
    second = load_defaults()
    assert second == {"templates_created": [], "templates_retired": [],
                      "intervals_created": 0, "intervals_updated": 0}
    assert ChecklistTemplate.objects.count() == 3
    assert loads().count() == 1
    entry = loads().get()
    assert entry.object_id == "*" and entry.object_type == "inspections.checklisttemplate"
    assert entry.changes["after"]["intervals_created"] == first["intervals_created"]
    assert preharvest_interval("阿维菌素", "青菜").days == 7


def test_a_changed_interval_is_restored_from_the_file(db):
    load_defaults()
    PreHarvestInterval.objects.filter(pesticide="多菌灵", crop="水稻").update(days=1)
    summary = load_defaults()
    assert summary["intervals_updated"] == 1
    assert PreHarvestInterval.objects.get(pesticide="多菌灵", crop="水稻").days == 30
    assert loads().count() == 2


def test_a_higher_shipped_version_adds_a_version_and_keeps_the_old(db, tmp_path):
    load_defaults()
    for path in TEMPLATES_DIR.glob("*.json"):
        data = json.loads(path.read_text(encoding="utf-8"))
        if data["code"] == "daily":
            data["version"] = 2
            data["items"].append({"key": "new_item", "section": "其他", "text": "新增检查项",
                                  "type": "yes_no", "required": False, "points": 0})
        (tmp_path / path.name).write_text(json.dumps(data, ensure_ascii=False),
                                          encoding="utf-8")
    summary = load_defaults(templates_dir=tmp_path)
    assert summary["templates_created"] == ["daily@2"]
    assert summary["templates_retired"] == ["daily@1"]
    versions = {t.version: t for t in ChecklistTemplate.objects.filter(code="daily")}
    assert set(versions) == {1, 2}
    assert versions[2].active and not versions[1].active
    assert versions[2].items[-1]["key"] == "new_item"
    assert load_defaults(templates_dir=tmp_path)["templates_created"] == []


def test_the_city_admin_makes_a_new_version(world):
    load_defaults()
    old = ChecklistTemplate.objects.get(code="green_annual")
    items = [i for i in old.items if i["key"] != "ct_raw"]
    items.append({"key": "ct_buyers", "section": "合同管理", "text": "与采购方签订绿色食品销售合同",
                  "type": "yes_no", "required": True, "points": 5, "fail_value": "no"})
    new = new_template_version("green_annual", items, actor=world.city_admin, pass_score=65)
    assert (new.version, new.kind, new.scored, new.pass_score, new.name) == (
        2, "green_annual", True, 65, old.name)
    old.refresh_from_db()
    assert not old.active and any(i["key"] == "ct_raw" for i in old.items)
    assert ChecklistTemplate.objects.filter(code="green_annual", active=True).get() == new
    entry = AuditEntry.objects.get(action="inspections.template_version")
    assert entry.changes["after"]["added"] == ["ct_buyers"]
    assert entry.changes["after"]["removed"] == ["ct_raw"]
    assert entry.actor == world.city_admin
    # The shipped file (version 1) never overrides the city's version.
    assert load_defaults()["templates_created"] == []
    assert ChecklistTemplate.objects.get(code="green_annual", active=True).version == 2


def test_only_the_city_admin_changes_checklists(world):
    load_defaults()
    items = ChecklistTemplate.objects.get(code="daily").items
    for role in ("district_officer", "town_officer", "grid_worker"):
        with pytest.raises(PermissionDenied):
            new_template_version("daily", items, actor=getattr(world.pudong, role))
    assert ChecklistTemplate.objects.filter(code="daily").count() == 1


def test_a_bad_version_is_refused_whole(world):
    load_defaults()
    bad = [{"key": "a", "section": "x", "text": "", "type": "yes_no", "required": True},
           {"key": "a", "section": "x", "text": "重复", "type": "choice", "required": True},
           {"key": "b", "section": "x", "text": "有分", "type": "yes_no", "points": 5}]
    with pytest.raises(FieldErrors) as caught:
        new_template_version("daily", bad, actor=world.city_admin)
    fields = {".".join(map(str, loc)) for loc, _ in caught.value.errors}
    assert {"items.0.text", "items.1.key", "items.1.type", "items.2.points"} <= fields
    with pytest.raises(FieldErrors):
        new_template_version("nope", bad, actor=world.city_admin)
    with pytest.raises(FieldErrors):
        new_template_version("daily", [], actor=world.city_admin)
    assert ChecklistTemplate.objects.filter(code="daily").count() == 1

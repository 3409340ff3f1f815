"""Loading a GB 2763 edition (限量标准导入): the whole file is checked, then written whole
or not at all; editions live side by side; the shipped demo tables."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from nongan.core.errors import FieldErrors
from nongan.core.models import AuditEntry
from nongan.monitoring.limits import judge, standard_in_force
from nongan.monitoring.models import FoodClass, ResidueLimit, Standard
from nongan.monitoring.standards import DEMO_TITLE, import_limits, load_demo_standards

from .test_limits_matching import FOODS, LIMIT_HEADER, LIMITS, foods_csv, limits_csv


def details(exc) -> dict:
    return {tuple(d["loc"]): d["msg"] for d in exc.value.as_detail()}


def test_a_table_is_imported_with_its_classification_and_audited(world):
    summary = import_limits(limits_csv(LIMITS), foods_csv(), actor=world.city_admin)
    gb = Standard.objects.get()
    assert (gb.label, gb.effective_from, gb.demo, gb.loaded_by) == (
        "GB 2763-2021", dt.date(2021, 9, 3), False, world.city_admin)
    assert summary["limits"] == len(LIMITS) and summary["foods"] == len(FOODS)
    assert summary["created"] and summary["foods_source"] == "file"
    row = ResidueLimit.objects.get(pesticide_cn="吡虫啉", food_group="柑橘类水果")
    assert (row.food, row.excluded, row.mrl) == ("柑橘类水果(柑、橘、橙除外)",
                                                 ["柑", "橘", "橙"], Decimal("1"))
    assert ResidueLimit.objects.get(pesticide_cn="克百威").banned
    assert FoodClass.objects.get(standard=gb, name="脐橙").parent.name == "橙"
    entry = AuditEntry.objects.get(action="standard.import")
    assert entry.actor == world.city_admin
    assert entry.changes["after"]["limits"] == len(LIMITS)


def test_one_bad_row_rejects_the_whole_file_and_names_its_row_and_column(world):
    rows = [*LIMITS[:5], ("毒死蜱", "chlorpyrifos", "青菜", "abc", "0", "0"), *LIMITS[5:]]
    with pytest.raises(FieldErrors) as exc:
        import_limits(limits_csv(rows), foods_csv(), actor=world.city_admin)
    assert list(details(exc)) == [("limits", 7, "mrl")]  # the header is row 1
    assert details(exc)[("limits", 7, "mrl")].startswith("第7行 mrl 列：最大残留限量应为非负数")
    assert not Standard.objects.exists() and not ResidueLimit.objects.exists()
    assert not FoodClass.objects.exists()
    assert not AuditEntry.objects.filter(action="standard.import").exists()


def test_every_bad_row_is_reported_at_once(world):
    rows = [("啶虫脒", "acetamiprid", "青菜", "-1", "0", "0", "GB 2763", "2021"),
            ("吡虫啉", "", "青菜", "0.5", "2", "是", "GB 2763", "2021"),
            ("", "", "青菜", "0.5", "0", "0", "GB 2763", "2021"),
            ("多菌灵", "", "", "0.5", "0", "0", "GB 2763", "2021"),
            ("啶虫脒", "acetamiprid", "青菜", "0.5", "0", "0", "GB 2763", "2021"),
            ("腐霉利", "", "番茄", "2", "0", "0", "GB 2763", "2026"),
            ("腐霉利", "", "黄瓜", "", "0", "0", "GB 2763", "2021"),
            ("克百威", "", "蔬菜", "", "0", "1", "GB 2763", "2021")]
    from .test_limits_matching import csv_upload

    with pytest.raises(FieldErrors) as exc:
        import_limits(csv_upload("l.csv", LIMIT_HEADER, rows), foods_csv(), actor=None)
    assert set(details(exc)) == {
        ("limits", 2, "mrl"), ("limits", 3, "temporary"), ("limits", 3, "banned"),
        ("limits", 4, "pesticide_cn"), ("limits", 5, "food"), ("limits", 6, "food"),
        ("limits", 7, "standard"), ("limits", 8, "mrl")}  # a banned row may omit its limit
    assert "与第2行重复" in details(exc)[("limits", 6, "food")]
    assert "一个文件只能包含一个标准版本" in details(exc)[("limits", 7, "standard")]


def test_a_classification_with_unknown_parents_or_cycles_is_rejected(world):
    foods = [("蔬菜", ""), ("叶菜类蔬菜", "蔬菜"), ("青菜", "白菜类"), ("甲", "乙"), ("乙", "甲"),
             ("叶菜类蔬菜", "蔬菜")]
    with pytest.raises(FieldErrors) as exc:
        import_limits(limits_csv(LIMITS[:1]), foods_csv(foods), actor=None)
    found = details(exc)
    assert set(found) == {("foods", 4, "parent"), ("foods", 5, "parent"),
                          ("foods", 6, "parent"), ("foods", 7, "food")}
    assert "上级“白菜类”不在食品分类文件中" in found[("foods", 4, "parent")]
    assert "上级关系形成循环：甲 → 乙 → 甲" in found[("foods", 5, "parent")]
    assert not Standard.objects.exists()


def test_a_food_outside_the_classification_is_a_warning_not_an_error(world):
    summary = import_limits(limits_csv(LIMITS), foods_csv(), actor=None)
    assert [(w["row"], w["column"]) for w in summary["warnings"]] == [(8, "food")]
    assert "“马兰头”不在食品分类中" in summary["warnings"][0]["message"]


def test_an_xlsx_table_is_read_like_a_csv(world):
    book = Workbook()
    sheet = book.active
    sheet.append(LIMIT_HEADER)
    sheet.append(["啶虫脒", "acetamiprid", "叶菜类蔬菜", 1, 0, 0, "GB 2763", 2021])
    sheet.append(["克百威", "carbofuran", "蔬菜", 0.02, 0, 1, "GB2763", 2021])
    sheet.append(["噻虫胺", "clothianidin", "青菜", "0.2*", None, None, "GB 2763", "2021"])
    buffer = io.BytesIO()
    book.save(buffer)
    upload = SimpleUploadedFile("限量.xlsx", buffer.getvalue())
    summary = import_limits(upload, foods_csv(), actor=None)
    assert (summary["standard"], summary["limits"]) == ("GB 2763-2021", 3)
    assert ResidueLimit.objects.get(pesticide_cn="克百威").mrl == Decimal("0.02")
    assert ResidueLimit.objects.get(pesticide_cn="噻虫胺").temporary  # 0.2* in the standard


def test_importing_an_edition_again_replaces_its_limits_and_keeps_its_classes(world):
    import_limits(limits_csv(LIMITS), foods_csv(), actor=None)
    summary = import_limits(limits_csv(LIMITS[:2]), actor=world.city_admin)
    assert not summary["created"] and summary["replaced_limits"] == len(LIMITS)
    assert summary["foods_source"] == "kept" and summary["foods"] == len(FOODS)
    assert Standard.objects.count() == 1
    assert ResidueLimit.objects.count() == 2


def test_a_new_edition_lives_beside_the_old_and_copies_its_classification(world):
    import_limits(limits_csv(LIMITS), foods_csv(), actor=None)
    summary = import_limits(limits_csv(LIMITS, version="2026"), actor=None)
    assert summary["foods_source"] == "copied"
    assert summary["foods_copied_from"] == "GB 2763-2021"
    old, new = Standard.objects.order_by("effective_from")
    assert (old.label, new.label, new.effective_from) == (
        "GB 2763-2021", "GB 2763-2026", dt.date(2026, 3, 1))
    assert set(new.foods.values_list("name", "parent__name")) == set(
        old.foods.values_list("name", "parent__name"))
    assert old.limits.count() == new.limits.count() == len(LIMITS)


def test_an_edition_the_system_does_not_know_needs_its_effective_date(world):
    with pytest.raises(FieldErrors) as exc:
        import_limits(limits_csv(LIMITS, version="2030"), foods_csv(), actor=None)
    assert list(details(exc)) == [("effective_from",)]
    summary = import_limits(limits_csv(LIMITS, version="2030"), foods_csv(), actor=None,
                            effective_from="2030-07-01")
    assert summary["effective_from"] == dt.date(2030, 7, 1)


def test_only_the_city_administrator_imports(world):
    with pytest.raises(PermissionDenied):
        import_limits(limits_csv(LIMITS), foods_csv(), actor=world.pudong.district_officer)
    assert not Standard.objects.exists()


# --- the shipped demo tables -------------------------------------------------------------


@pytest.fixture
def demo(db):
    return load_demo_standards()


def test_the_demo_editions_load_once_and_are_labelled_as_demo(demo):
    assert [e["standard"] for e in demo["loaded"]] == ["GB 2763-2021", "GB 2763-2026"]
    for edition in Standard.objects.all():
        assert edition.demo and edition.title == DEMO_TITLE
        assert edition.limits.count() >= 300
        assert edition.foods.count() >= 150
    assert load_demo_standards() == {"loaded": []}


def test_every_demo_limit_names_a_food_of_the_classification(demo):
    for edition in Standard.objects.all():
        names = set(edition.foods.values_list("name", flat=True))
        for group, excluded in edition.limits.values_list("food_group", "excluded"):
            assert group in names and set(excluded) <= names


def test_the_demo_tables_judge_by_the_edition_of_the_sampling_date(demo):
    before = standard_in_force(dt.date(2026, 2, 28))
    after = standard_in_force(dt.date(2026, 3, 1))
    assert judge(before, "啶虫脒", "青菜", "0.8")["status"] == "compliant"
    assert judge(after, "啶虫脒", "青菜", "0.8")["status"] == "over_limit"
    assert judge(after, "克百威", "青菜", "0.005")["status"] == "banned_detected"
    navel = judge(after, "吡虫啉", "脐橙", "0.8")
    assert (navel["status"], navel["matched_food"]) == ("over_limit", "橙")
    assert "演示限量" in navel["basis"]["message"]


def test_a_real_table_replaces_demo_values(demo):
    import_limits(limits_csv(LIMITS, version="2026"), actor=None)
    edition = Standard.objects.get(version="2026")
    assert not edition.demo and edition.title == "食品安全国家标准 食品中农药最大残留限量"
    assert edition.limits.count() == len(LIMITS)
    assert edition.foods.count() >= 150  # the classification is kept

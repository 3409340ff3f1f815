"""Judging a residue against GB 2763 (限量判定): which row applies to a food, and the
verdict of a value. Each edition here is loaded from a small table written in the test,
through the real loader, so every expected judgement can be read off the table."""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import given
from hypothesis import strategies as st

from nongan.monitoring.limits import (
    food_category,
    food_names,
    judge,
    judge_many,
    lookup,
    parse_food,
    standard_in_force,
)
from nongan.monitoring.standards import import_limits

LIMIT_HEADER = ["pesticide_cn", "pesticide_en", "food", "mrl", "temporary", "banned",
                "standard", "version"]
FOODS = [("蔬菜", ""), ("叶菜类蔬菜", "蔬菜"), ("绿叶类", "叶菜类蔬菜"), ("普通白菜", "绿叶类"),
         ("青菜", "普通白菜"), ("菠菜", "绿叶类"), ("水果", ""), ("柑橘类水果", "水果"),
         ("柑", "柑橘类水果"), ("橘", "柑橘类水果"), ("橙", "柑橘类水果"), ("脐橙", "橙"), ("柚", "柑橘类水果")]
LIMITS = [("啶虫脒", "acetamiprid", "叶菜类蔬菜", "1", "0", "0"),
          ("啶虫脒", "acetamiprid", "菠菜", "5", "0", "0"),
          ("吡虫啉", "imidacloprid", "柑橘类水果(柑、橘、橙除外)", "1", "0", "0"),
          ("吡虫啉", "imidacloprid", "柑", "0.7", "0", "0"),
          ("克百威", "carbofuran", "蔬菜", "0.02", "0", "1"),
          ("噻虫胺", "clothianidin", "青菜", "0.2", "1", "0"),
          ("灭蝇胺", "cyromazine", "马兰头", "0.3", "0", "0")]


def csv_upload(name, header, rows) -> SimpleUploadedFile:
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(header)
    writer.writerows(rows)
    return SimpleUploadedFile(name, text.getvalue().encode("utf-8-sig"))


def limits_csv(rows, version="2021", name="limits.csv") -> SimpleUploadedFile:
    return csv_upload(name, LIMIT_HEADER, [[*r, "GB 2763", version] for r in rows])


def foods_csv(rows=FOODS, name="foods.csv") -> SimpleUploadedFile:
    return csv_upload(name, ["food", "parent"], rows)


def edition(version="2021", limits=LIMITS, foods=FOODS, effective_from=None):
    from nongan.monitoring.models import Standard

    import_limits(limits_csv(limits, version), foods_csv(foods) if foods else None,
                  actor=None, effective_from=effective_from)
    return Standard.objects.get(version=version)


@pytest.fixture
def gb(db):
    return edition()


# --- which row applies -------------------------------------------------------------------


def test_a_food_with_its_own_limit_is_judged_by_it_and_not_by_its_group(gb):
    found = judge(gb, "啶虫脒", "菠菜", "3")
    assert (found["status"], found["mrl"], found["matched_food"]) == (
        "compliant", Decimal("5"), "菠菜")
    assert "本食品无单独限量" not in found["basis"]["message"]


def test_a_group_limit_applies_to_every_food_under_it(gb):
    found = judge(gb, "啶虫脒", "青菜", "0.9")
    assert (found["status"], found["mrl"], found["matched_food"]) == (
        "compliant", Decimal("1"), "叶菜类蔬菜")
    assert found["standard"] == "GB 2763-2021"
    assert found["basis"]["chain"] == ["青菜", "普通白菜", "绿叶类", "叶菜类蔬菜", "蔬菜"]
    assert "依据 GB 2763-2021：叶菜类蔬菜 限量 1 mg/kg（本食品无单独限量，适用所属类别）" in \
        found["basis"]["message"]


def test_an_excluded_food_is_not_judged_by_the_group_row(gb):
    orange = judge(gb, "吡虫啉", "橙", "0.5")
    assert orange["status"] == "no_limit" and orange["mrl"] is None
    assert orange["basis"]["skipped"][0]["food"] == "柑橘类水果(柑、橘、橙除外)"
    assert judge(gb, "吡虫啉", "柑", "0.8")["status"] == "over_limit"  # its own 0.7
    pomelo = judge(gb, "吡虫啉", "柚", "0.8")
    assert (pomelo["status"], pomelo["matched_food"]) == ("compliant",
                                                          "柑橘类水果(柑、橘、橙除外)")


def test_the_exclusion_of_a_class_covers_the_foods_under_it(gb):
    navel = judge(gb, "吡虫啉", "脐橙", "0.5")
    assert navel["status"] == "no_limit"
    assert navel["basis"]["skipped"] == [{"row": navel["basis"]["skipped"][0]["row"],
                                         "food": "柑橘类水果(柑、橘、橙除外)", "excluded": "橙"}]


def test_no_limit_is_said_plainly_and_never_guessed(gb):
    found = judge(gb, "腐霉利", "青菜", "0.01")
    assert found["status"] == "no_limit"
    assert found["mrl"] is None and found["matched_food"] == ""
    assert "未查到“腐霉利”在“青菜”及其所属类别的限量" in found["basis"]["message"]


def test_a_food_outside_the_classification_matches_only_a_row_naming_it(gb):
    assert judge(gb, "灭蝇胺", "马兰头", "0.3")["status"] == "compliant"
    unknown = judge(gb, "啶虫脒", "野苋菜", "0.1")
    assert unknown["status"] == "no_limit"
    assert "“野苋菜”不在 GB 2763-2021 食品分类中" in unknown["basis"]["message"]


def test_pesticides_are_matched_by_english_name_whatever_the_case(gb):
    found = judge(gb, "  Acetamiprid ", "青菜", "0.5")
    assert (found["status"], found["matched_food"]) == ("compliant", "叶菜类蔬菜")


def test_a_temporary_limit_says_so(gb):
    found = judge(gb, "噻虫胺", "青菜", "0.1")
    assert found["basis"]["temporary"] and "临时限量" in found["basis"]["message"]


# --- the verdict of a value --------------------------------------------------------------


def test_any_detection_of_a_banned_pesticide_is_banned_detected(gb):
    assert judge(gb, "克百威", "青菜", "0.001")["status"] == "banned_detected"
    assert judge(gb, "carbofuran", "菠菜", Decimal("0.0001"))["status"] == "banned_detected"
    assert judge(gb, "克百威", "青菜", None)["status"] == "not_detected"
    assert judge(gb, "克百威", "青菜", "0.003", lod="0.005")["status"] == "not_detected"


def test_a_value_at_the_limit_complies_and_just_above_is_over(gb):
    assert judge(gb, "啶虫脒", "青菜", "1")["status"] == "compliant"
    assert judge(gb, "啶虫脒", "青菜", "1.000")["status"] == "compliant"
    assert judge(gb, "啶虫脒", "青菜", "1.0001")["status"] == "over_limit"


def test_micrograms_per_kilogram_are_converted_exactly(gb):
    at = judge(gb, "啶虫脒", "青菜", "1000", unit="μg/kg")
    assert (at["status"], at["value_mg_kg"]) == ("compliant", Decimal("1"))
    over = judge(gb, "啶虫脒", "青菜", 1001, unit="μg/kg")
    assert (over["status"], over["value_mg_kg"]) == ("over_limit", Decimal("1.001"))
    assert judge(gb, "啶虫脒", "青菜", "1001", unit="µg/kg")["status"] == "over_limit"


def test_a_value_below_the_detection_limit_is_not_detected(gb):
    assert judge(gb, "啶虫脒", "青菜", "4", unit="μg/kg", lod="5")["status"] == "not_detected"
    assert judge(gb, "啶虫脒", "青菜", "5", unit="μg/kg", lod="5")["status"] == "compliant"


def test_without_a_standard_a_detection_has_no_limit(db):
    found = judge(None, "啶虫脒", "青菜", "0.5")
    assert found["status"] == "no_limit" and found["standard"] == ""
    assert found["basis"]["message"] == "未载入限量标准"
    assert judge(None, "啶虫脒", "青菜", None)["status"] == "not_detected"


def test_a_sample_of_thirty_analytes_is_judged_in_two_queries(gb, django_assert_num_queries):
    rows = [{"analyte": "啶虫脒", "value": "0.5", "unit": "mg/kg", "lod": None}]
    rows += [{"analyte": f"农药{n}", "value": "0.1", "unit": "mg/kg", "lod": "0.01"}
             for n in range(29)]
    with django_assert_num_queries(2):
        judged = judge_many(gb, "青菜", rows)
    assert [j["status"] for j in judged] == ["compliant"] + ["no_limit"] * 29


# --- editions ----------------------------------------------------------------------------


def test_a_sample_is_judged_by_the_edition_in_force_on_its_sampling_date(db):
    old = edition("2021")
    new = edition("2026", LIMITS + [("啶虫脒", "acetamiprid", "普通白菜", "0.5", "0", "0")])
    assert standard_in_force(dt.date(2021, 9, 2)) is None
    assert standard_in_force(dt.date(2026, 2, 28)) == old
    assert standard_in_force(dt.date(2026, 3, 1)) == new
    assert judge(standard_in_force(dt.date(2026, 2, 28)), "啶虫脒", "青菜", "0.8")["status"] \
        == "compliant"
    after = judge(standard_in_force(dt.date(2026, 3, 2)), "啶虫脒", "青菜", "0.8")
    assert (after["status"], after["matched_food"], after["standard"]) == (
        "over_limit", "普通白菜", "GB 2763-2026")


# --- search and the classification -------------------------------------------------------


def test_lookup_shows_which_row_a_food_would_be_judged_by(gb):
    rows = {(r["pesticide_cn"], r["food"]): r for r in lookup(gb, food="柚")}
    assert rows[("吡虫啉", "柑橘类水果(柑、橘、橙除外)")]["used"]
    rows = {(r["pesticide_cn"], r["food"]): r for r in lookup(gb, food="脐橙")}
    assert rows[("吡虫啉", "柑橘类水果(柑、橘、橙除外)")]["applies"] is False
    spinach = [r for r in lookup(gb, "啶虫脒", "菠菜")]
    assert [(r["food"], r["used"]) for r in spinach] == [("菠菜", True), ("叶菜类蔬菜", False)]
    assert {r["food"] for r in lookup(gb, pesticide="acetam")} == {"叶菜类蔬菜", "菠菜"}
    assert len(lookup(gb)) == len(LIMITS)


def test_food_category_is_the_top_class_and_leaves_are_the_sample_names(gb):
    assert food_category(gb, "脐橙") == "水果"
    assert food_category(gb, "蔬菜") == "蔬菜"
    assert food_category(gb, "马兰头") == ""
    assert food_names(gb) == ["青菜", "菠菜", "柑", "橘", "脐橙", "柚"]


# --- reading the food column -------------------------------------------------------------


@pytest.mark.parametrize("text, expected", [
    ("柑橘类水果(柑、橘、橙除外)", ("柑橘类水果", ["柑", "橘", "橙"])),
    ("柑橘类水果（柑、橘、橙除外）", ("柑橘类水果", ["柑", "橘", "橙"])),
    ("瓜类蔬菜 ( 黄瓜，西葫芦 除外 )", ("瓜类蔬菜", ["黄瓜", "西葫芦"])),
    ("叶菜类蔬菜", ("叶菜类蔬菜", [])),
    ("  青菜 ", ("青菜", [])),
    ("蘑菇类(鲜)", ("蘑菇类(鲜)", [])),
])
def test_parse_food_reads_groups_and_exclusions(text, expected):
    assert parse_food(text) == expected


NAME = st.text(st.characters(blacklist_categories=("Cs", "Cc", "Zs", "Zl", "Zp"),
                             blacklist_characters="()（）、，,;；"),
               min_size=1, max_size=12).filter(lambda s: s.strip() == s and s.isprintable())


@given(name=NAME, excluded=st.lists(NAME, min_size=1, max_size=6),
       brackets=st.sampled_from(["()", "（）"]), separator=st.sampled_from(["、", "，", ",", " "]))
def test_parse_food_recovers_any_name_and_exclusions(name, excluded, brackets, separator):
    text = f"{name}{brackets[0]}{separator.join(excluded)}除外{brackets[1]}"
    assert parse_food(text) == (name, excluded)


@given(name=NAME.filter(lambda s: not s.endswith("除外")))
def test_parse_food_keeps_a_plain_name(name):
    assert parse_food(name) == (name, [])

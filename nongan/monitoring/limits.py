"""Judging a residue against GB 2763 (最大残留限量判定): which limit row applies to a food,
and whether a measured value complies with it.

GB 2763 sets limits on foods and on food groups of its classification (附录A 食品类别及
测定部位). A group limit applies to every food in the group, except the foods the row
names as excluded (`柑橘类水果(柑、橘、橙除外)`); a food with its own limit is judged by
that one. Nothing is guessed: a food the table does not cover answers `no_limit`.

Reads cost a fixed two queries per sample whatever the number of analytes: the edition's
classification (names and parents) and the limit rows of the food's chain.
"""

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.db.models import Q
from django.db.models.functions import Lower

from .models import FoodClass, ResidueLimit, Standard

EXCLUSION = re.compile(r"^(?P<name>.*?)\s*[(（](?P<excluded>[^()（）]*)除外\s*[)）]\s*$")
SEPARATORS = re.compile(r"[、，,;；\s]+")
# 1 μg/kg = 0.001 mg/kg; the micro sign (U+00B5) and the Greek mu (U+03BC) both occur.
TO_MG_KG = {"mg/kg": Decimal(1), "μg/kg": Decimal("0.001"), "µg/kg": Decimal("0.001"),
            "ug/kg": Decimal("0.001")}
NO_STANDARD = "未载入限量标准"


def parse_food(text) -> tuple[str, list[str]]:
    """`柑橘类水果(柑、橘、橙除外)` → ("柑橘类水果", ["柑", "橘", "橙"]); a plain name → (name, [])."""
    text = str(text or "").strip()
    found = EXCLUSION.match(text)
    if not found:
        return text, []
    return found["name"].strip(), [n for n in SEPARATORS.split(found["excluded"]) if n]


def standard_in_force(on: dt.date, code="GB 2763") -> Standard | None:
    """The edition a sample taken on `on` is judged by: the latest in force that day."""
    return (Standard.objects.filter(code=code, effective_from__lte=on)
            .order_by("-effective_from").first())


# --- the classification ------------------------------------------------------------------


def _parents(standard) -> dict[str, str | None]:
    """name -> parent name, for the whole edition in one query (a few hundred rows)."""
    rows = list(FoodClass.objects.filter(standard=standard).values_list("id", "name",
                                                                         "parent_id"))
    names = {pk: name for pk, name, _ in rows}
    return {name: names.get(parent) for _, name, parent in rows}


def _chain(parents: dict, food: str) -> list[str]:
    """The food, its parent, grandparent … up to its top class; [food] when unclassified."""
    chain = [food]
    while (parent := parents.get(chain[-1])) and parent not in chain:
        chain.append(parent)
    return chain


def food_category(standard, food) -> str:
    """The top class of a food (蔬菜, 水果 …), "" when the classification does not know it."""
    parents = _parents(standard)
    food = str(food or "").strip()
    return _chain(parents, food)[-1] if food in parents else ""


def food_names(standard) -> list[str]:
    """The foods a sample can be (the classification's leaves), in the file's order."""
    rows = FoodClass.objects.filter(standard=standard).order_by("pk")
    with_children = set(rows.exclude(parent=None).values_list("parent_id", flat=True))
    return [name for pk, name in rows.values_list("pk", "name") if pk not in with_children]


# --- matching ----------------------------------------------------------------------------


@dataclass
class Match:
    """The row a food is judged by, and the rows passed over on the way up the chain."""

    row: ResidueLimit | None
    level: int  # 0: the food's own limit; 1: its parent's …
    skipped: list[dict]


def _pesticide_filter(names) -> Q:
    names = [str(n or "").strip() for n in names]
    return (Q(pesticide_cn__in=[n for n in names if n])
            | Q(en__in=[n.lower() for n in names if n]))


def _rows_for(standard, chain, pesticides=None):
    qs = (ResidueLimit.objects.filter(standard=standard, food_group__in=chain)
          .annotate(en=Lower("pesticide_en")))
    if pesticides is not None:
        qs = qs.filter(_pesticide_filter(pesticides))
    return list(qs.order_by("pk"))


def _is(row, pesticide: str) -> bool:
    pesticide = pesticide.strip()
    return bool(pesticide) and (row.pesticide_cn == pesticide
                                or row.pesticide_en.strip().lower() == pesticide.lower())


def _match(rows, chain, pesticide: str) -> Match:
    """The most specific level of the chain with a row for the pesticide that is not
    excluded for this food; an exclusion names the food or a class between it and the
    group (脐橙 is excluded from 柑橘类水果(柑、橘、橙除外) through 橙)."""
    skipped = []
    for level, name in enumerate(chain):
        for row in rows:
            if row.food_group != name or not _is(row, pesticide):
                continue
            hit = [e for e in row.excluded if e in chain[:level]]
            if hit:
                skipped.append({"row": row.pk, "food": row.food, "excluded": hit[0]})
                continue
            return Match(row, level, skipped)
    return Match(None, -1, skipped)


# --- judging -----------------------------------------------------------------------------


def _decimal(value) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError(f"not a number: {value!r}") from None
    if not number.is_finite():
        raise ValueError(f"not a finite number: {value!r}")
    return number


def mg(value: Decimal | None) -> str:
    """A limit as GB 2763 prints it: 1, 0.02, 100 (no trailing zeros, no exponent)."""
    return "" if value is None else format(value.normalize(), "f")


def _basis_text(standard, match: Match, food: str, pesticide: str) -> str:
    row = match.row
    if row is None:
        return (f"{standard.label} 中未查到“{pesticide}”在“{food}”及其所属类别的限量；"
                "不作推断，请核对样品名称或人工判定")
    value = "禁用" if row.mrl is None else f"限量 {mg(row.mrl)} mg/kg"
    text = f"依据 {standard.label}：{row.food} {value}"
    if row.temporary:
        text += "（临时限量）"
    if match.level > 0:
        text += "（本食品无单独限量，适用所属类别）"
    if row.banned:
        text += f"；{row.pesticide_cn}在该类食品上禁止使用，检出即不合格"
    return text


def _outcome(row, value_mg: Decimal | None, detected: bool) -> tuple[str, str]:
    if not detected:
        return "not_detected", "未检出"
    shown = f"检测值 {mg(value_mg)} mg/kg"
    if row is None:
        return "no_limit", f"{shown}，无适用限量"
    if row.banned:
        return "banned_detected", f"{shown}，检出禁用农药"
    if row.mrl is not None and value_mg > row.mrl:
        return "over_limit", f"{shown}，超过限量"
    return "compliant", f"{shown}，未超过限量"  # equal to the limit complies


def _judge_one(standard, parents, chain, rows, pesticide, food, value, unit, lod) -> dict:
    factor = TO_MG_KG.get((unit or "mg/kg").strip())
    if factor is None:
        raise ValueError(f"unknown unit: {unit!r}")
    value, lod = _decimal(value), _decimal(lod)
    # A value below the method's detection limit, or zero, is "not detected".
    detected = value is not None and value > 0 and (lod is None or value >= lod)
    value_mg = None if value is None else value * factor
    if standard is None:
        status = "not_detected" if not detected else "no_limit"
        return {"status": status, "mrl": None, "matched_food": "", "standard": "",
                "value_mg_kg": value_mg,
                "basis": {"message": NO_STANDARD if detected else f"未检出；{NO_STANDARD}",
                          "rule": NO_STANDARD}}
    match = _match(rows, chain, pesticide)
    status, outcome = _outcome(match.row, value_mg, detected)
    row = match.row
    message = _basis_text(standard, match, food, pesticide)
    if food not in parents:
        message = f"“{food}”不在 {standard.label} 食品分类中，只能按同名限量判定；" + message
    if standard.demo:
        message = "【演示限量，非标准原文】" + message
    basis = {
        "message": f"{message}；{outcome}",
        "rule": message,  # the limit that applies, without this value's outcome
        "standard": standard.label,
        "demo": standard.demo,
        "pesticide": pesticide,
        "food": food,
        "chain": chain if food in parents else [],
        "row": row.pk if row else None,
        "row_food": row.food if row else "",
        "level": match.level,
        "temporary": bool(row and row.temporary),
        "banned": bool(row and row.banned),
        "skipped": match.skipped,
    }
    return {"status": status, "mrl": row.mrl if row else None,
            "matched_food": row.food if row else "", "standard": standard.label,
            "value_mg_kg": value_mg, "basis": basis}


def judge(standard, pesticide: str, food: str, value, unit="mg/kg", lod=None) -> dict:
    """One analyte of one sample: {"status", "mrl", "matched_food", "standard",
    "value_mg_kg", "basis"}; `status` is not_detected | compliant | over_limit |
    banned_detected | no_limit. `value` None means not detected."""
    return judge_many(standard, food, [{"analyte": pesticide, "value": value, "unit": unit,
                                        "lod": lod}])[0]


def judge_many(standard, food, rows) -> list[dict]:
    """Every analyte of a sample ({"analyte", "value", "unit", "lod"} each), in order."""
    food = str(food or "").strip()
    parents, chain, limits = {}, [food], []
    if standard is not None:
        parents = _parents(standard)
        chain = _chain(parents, food)
        limits = _rows_for(standard, chain, [r.get("analyte") for r in rows])
    return [_judge_one(standard, parents, chain, limits, str(r.get("analyte") or "").strip(),
                       food, r.get("value"), r.get("unit"), r.get("lod")) for r in rows]


# --- search ------------------------------------------------------------------------------


def row_dict(row: ResidueLimit) -> dict:
    return {"id": row.pk, "pesticide_cn": row.pesticide_cn, "pesticide_en": row.pesticide_en,
            "food": row.food, "food_group": row.food_group, "excluded": row.excluded,
            "mrl": row.mrl, "temporary": row.temporary, "banned": row.banned}


def lookup(standard, pesticide="", food="") -> list[dict]:
    """Limit rows for the search page and API; either filter may be empty. With a food,
    the rows of the food and its classes, each marked whether it applies to the food
    (`applies`) and whether it is the row a judgement would use (`used`)."""
    if standard is None:
        return []
    pesticide, food = str(pesticide or "").strip(), str(food or "").strip()
    qs = ResidueLimit.objects.filter(standard=standard)
    if pesticide:
        qs = qs.filter(Q(pesticide_cn__icontains=pesticide)
                       | Q(pesticide_en__icontains=pesticide))
    if not food:
        return [row_dict(r) | {"applies": None, "used": None, "level": None}
                for r in qs.order_by("pesticide_cn", "food", "pk")]
    chain = _chain(_parents(standard), food)
    rows = list(qs.filter(food_group__in=chain).order_by("pk"))
    used = {}
    for name in dict.fromkeys(r.pesticide_cn for r in rows):
        match = _match(rows, chain, name)
        if match.row is not None:
            used[name] = match.row.pk
    found = []
    for row in rows:
        level = chain.index(row.food_group)
        applies = not any(e in chain[:level] for e in row.excluded)
        found.append(row_dict(row) | {"applies": applies, "level": level,
                                      "used": used.get(row.pesticide_cn) == row.pk})
    return sorted(found, key=lambda r: (r["pesticide_cn"], r["level"], r["id"]))

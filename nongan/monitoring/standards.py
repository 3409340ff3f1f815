"""Loading GB 2763 editions (限量标准导入): a limit table and its food classification, from
CSV or .xlsx, checked whole and written whole — or not at all.

One file holds one edition. A new edition is created beside the old ones (samples keep the
edition of their sampling date); an edition loaded again has its limits replaced, and a
real table replaces demo values.
"""

import datetime as dt
import os
import re
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.db import IntegrityError, transaction
from django.utils import timezone

from nongan.core import audit
from nongan.core.errors import Conflict, FieldErrors
from nongan.core.permissions import require
from nongan.producers import importing

from .limits import parse_food
from .models import FoodClass, ResidueLimit, Standard

DATA = Path(__file__).resolve().parent / "data"
# Published implementation dates (实施日期) of the editions, used when none is given.
KNOWN_EDITIONS = {
    ("GB 2763", "2019"): dt.date(2020, 2, 15),
    ("GB 2763", "2021"): dt.date(2021, 9, 3),
    ("GB 2763", "2026"): dt.date(2026, 3, 1),
}
TITLES = {"GB 2763": "食品安全国家标准 食品中农药最大残留限量"}
DEMO_TITLE = "演示限量（非标准原文，仅供演示，正式使用前请导入现行标准）"
DEMO_FILES = [("gb2763-demo-limits-2021.csv", "2021"), ("gb2763-demo-limits-2026.csv", "2026")]
FOODS_FILE = "gb2763-foods.csv"

# Column keys (CONTRACT.md) and the Chinese headings people also write.
LIMIT_COLUMNS = {
    "pesticide_cn": ("农药中文名", "农药名称", "农药"),
    "pesticide_en": ("农药英文名", "英文名"),
    "food": ("食品", "食品类别/名称", "食品类别", "食品名称"),
    "mrl": ("最大残留限量", "最大残留限量（mg/kg）", "限量"),
    "temporary": ("临时限量",),
    "banned": ("禁用",),
    "standard": ("标准", "标准号"),
    "version": ("版本",),
}
LIMIT_REQUIRED = ("pesticide_cn", "food", "mrl", "standard", "version")
FOOD_COLUMNS = {"food": ("食品", "名称", "食品名称"), "parent": ("上级", "所属类别", "上级类别")}
MAX_UPLOAD_BYTES = 20 * 2**20  # the whole of GB 2763 as CSV is about 1 MB
MAX_REPORTED = 1000  # errors listed; past that the file needs fixing anyway
MAX_WARNINGS = 200
MAX_DIGITS = Decimal("1e8")  # ResidueLimit.mrl: 12 digits, 4 after the point


class Report:
    """Errors and warnings of one file, each naming its row and column in Chinese."""

    def __init__(self, which: str):
        self.which, self.errors, self.warnings = which, [], []

    def error(self, row, column, reason):
        self.errors.append(((self.which, row, column), f"第{row}行 {column} 列：{reason}"))

    def warn(self, row, column, reason):
        self.warnings.append({"file": self.which, "row": row, "column": column,
                              "message": f"第{row}行 {column} 列：{reason}"})


def _text(value, report, row, column, limit) -> str:
    text = " ".join(str(value if value is not None else "").split())
    if len(text) > limit:
        report.error(row, column, f"不能超过{limit}个字")
    return text


def _flag(value, report, row, column) -> bool:
    text = str(value or "").strip()
    if text not in ("", "0", "1"):
        report.error(row, column, f"应为 0 或 1，而不是“{text}”")
    return text == "1"


def _mrl(value, banned, report, row):
    """mg/kg as a Decimal; GB 2763 prints a temporary limit with an asterisk (`0.5*`)."""
    text = str(value or "").strip()
    starred = text.endswith("*")
    text = text.rstrip("*").strip()
    if not text:
        if not banned:
            report.error(row, "mrl", "须填写最大残留限量（mg/kg）；仅禁用农药可不填")
        return None, starred
    try:
        number = Decimal(text)
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite() or number < 0:
        report.error(row, "mrl", f"最大残留限量应为非负数（mg/kg），而不是“{text}”")
        return None, starred
    if number >= MAX_DIGITS or number.as_tuple().exponent < -4:
        report.error(row, "mrl", f"“{text}”超出范围：最多4位小数，小于1亿")
        return None, starred
    return number, starred


def _version(value) -> str:
    return " ".join(str(value or "").split())


def edition_code(text: str) -> str:
    """`gb2763` and `GB  2763` are `GB 2763`."""
    text = " ".join(str(text or "").split()).upper()
    return re.sub(r"^(GB(?:/T)?)\s*(\d)", r"\1 \2", text)


# --- reading -----------------------------------------------------------------------------


def _open(source, which: str):
    """A path, or an uploaded file with a name; FieldErrors when it cannot be read."""
    if getattr(source, "size", 0) > MAX_UPLOAD_BYTES:
        raise FieldErrors([((which,), f"文件不能超过 {MAX_UPLOAD_BYTES // 2**20} MB")],
                          prefix=())
    try:
        if isinstance(source, str | os.PathLike):
            with open(source, "rb") as fileobj:
                return importing.read(Path(source).name, fileobj, which)
        return importing.read(getattr(source, "name", ""), source, which)
    except importing.FileError as exc:
        raise FieldErrors([((which,), str(exc))], prefix=()) from None
    except OSError as exc:
        raise FieldErrors([((which,), f"无法读取文件：{exc}")], prefix=()) from None


def _rows(sheet, which, columns, required) -> list[tuple[int, dict]]:
    names = {importing.heading(n): key for key, aliases in columns.items()
             for n in (key, *aliases)}
    found = {}
    for written in sheet.headings:
        key = names.get(importing.heading(written))
        if key and key not in found:
            found[key] = written
    missing = [key for key in required if key not in found]
    if missing:
        raise FieldErrors([((which, 1, key), f"第1行：缺少“{key}”列（列名见导入模板）")
                           for key in missing], prefix=())
    return [(r.row, {key: r.cells.get(written, "") for key, written in found.items()})
            for r in sheet.records]


def check_foods(rows) -> tuple[list[tuple[str, str]], Report]:
    """(food, parent) pairs in the file's order; every row checked."""
    report, pairs, first = Report("foods"), [], {}
    for row, data in rows:
        food = _text(data.get("food"), report, row, "food", 80)
        parent = _text(data.get("parent"), report, row, "parent", 80)
        if not food:
            report.error(row, "food", "食品名称不能为空")
            continue
        if parse_food(food)[1]:
            report.error(row, "food", "食品分类中的名称不能带“除外”说明")
        if food in first:
            report.error(row, "food", f"“{food}”与第{first[food]}行重复")
            continue
        first[food] = row
        pairs.append((food, parent))
    parents = dict(pairs)
    for food, parent in pairs:
        if parent and parent not in parents:
            report.error(first[food], "parent", f"上级“{parent}”不在食品分类文件中")
    for food, _ in pairs:
        path = [food]
        while (up := parents.get(path[-1])) and up in parents and up not in path:
            path.append(up)
        if up == food:
            report.error(first[food], "parent", "上级关系形成循环：" + " → ".join([*path, up]))
    return pairs, report


def check_limits(rows, foods: set[str]) -> tuple[list[dict], Report]:
    """The limit rows cleaned, and the report; `foods` are the edition's classes."""
    report, clean, edition, seen, english = Report("limits"), [], None, {}, {}
    for row, data in rows:
        cn = _text(data.get("pesticide_cn"), report, row, "pesticide_cn", 80)
        en = _text(data.get("pesticide_en"), report, row, "pesticide_en", 120)
        food = _text(data.get("food"), report, row, "food", 200)
        temporary = _flag(data.get("temporary"), report, row, "temporary")
        banned = _flag(data.get("banned"), report, row, "banned")
        mrl, starred = _mrl(data.get("mrl"), banned, report, row)
        group, excluded = parse_food(food)
        if not cn:
            report.error(row, "pesticide_cn", "农药中文名不能为空")
        if not food:
            report.error(row, "food", "食品不能为空")
        elif not group:
            report.error(row, "food", f"“{food}”未写明食品或类别名称")
        elif len(group) > 80:
            report.error(row, "food", "食品或类别名称不能超过80个字")
        this = (edition_code(data.get("standard")), _version(data.get("version")))
        if not this[0]:
            report.error(row, "standard", "标准号不能为空")
        if not this[1]:
            report.error(row, "version", "版本不能为空")
        if all(this):
            edition = edition or (row, this)
            if this != edition[1]:
                report.error(row, "standard", "一个文件只能包含一个标准版本：第"
                             f"{edition[0]}行为 {'-'.join(edition[1])}，本行为 {'-'.join(this)}")
        if cn and group:
            if first := seen.get((cn, group)):
                report.error(row, "food", f"与第{first}行重复（同一农药在同一食品或类别上只能有一个限量）")
            seen.setdefault((cn, group), row)
            if en and english.setdefault(cn, (row, en))[1].lower() != en.lower():
                report.warn(row, "pesticide_en", f"“{cn}”的英文名与第{english[cn][0]}行"
                            f"（{english[cn][1]}）不同")
            for name in (group, *excluded):
                if name not in foods:
                    report.warn(row, "food", f"“{name}”不在食品分类中：只有名称完全相同的"
                                "样品才适用此限量")
        clean.append({"pesticide_cn": cn, "pesticide_en": en, "food": food,
                      "food_group": group, "excluded": excluded, "mrl": mrl,
                      "temporary": temporary or starred, "banned": banned})
    return clean, report


# --- writing -----------------------------------------------------------------------------


def _effective_from(value) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise FieldErrors([(("effective_from",), "实施日期格式应为 YYYY-MM-DD")],
                          prefix=()) from None


def _write_foods(standard, pairs) -> None:
    """All classes at once in the file's order (so the field app lists them in that order),
    then their parents."""
    FoodClass.objects.filter(standard=standard).delete()
    FoodClass.objects.bulk_create([FoodClass(standard=standard, name=f) for f, _ in pairs],
                                  batch_size=1000)
    ids = dict(FoodClass.objects.filter(standard=standard).values_list("name", "id"))
    linked = [FoodClass(id=ids[f], parent_id=ids[p]) for f, p in pairs if p]
    FoodClass.objects.bulk_update(linked, ["parent"], batch_size=1000)


def _pairs_of(standard) -> list[tuple[str, str]]:
    rows = list(FoodClass.objects.filter(standard=standard).order_by("pk")
                .values_list("name", "parent__name"))
    return [(name, parent or "") for name, parent in rows]


def _classification(code, version, effective, existing, foods_pairs):
    """The classes the edition will have, and where they come from."""
    if foods_pairs is not None:
        return foods_pairs, "file", None
    if existing is not None:
        return None, "kept", None
    earlier = (Standard.objects.filter(code=code, effective_from__lt=effective)
               .order_by("-effective_from").first())
    if earlier is None:
        return [], "none", None
    return _pairs_of(earlier), "copied", earlier


def import_limits(limits_file, foods_file=None, *, actor, effective_from=None) -> dict:
    """导入限量标准: one edition's limits (and optionally its food classification); files
    are paths or uploaded files. Returns a summary; FieldErrors names every bad row.

    `actor` None is the command line, run by whoever holds the server (as
    `nongan regions update`); a user needs the `standard.import` permission.
    """
    if actor is not None:
        require(actor, "standard.import")
    return _import(limits_file, foods_file, actor=actor, effective_from=effective_from,
                   demo=False)


def _import(limits_file, foods_file, *, actor, effective_from, demo) -> dict:
    effective = _effective_from(effective_from)
    foods_pairs, foods_report = None, Report("foods")
    if foods_file is not None:
        foods_pairs, foods_report = check_foods(
            _rows(_open(foods_file, "foods"), "foods", FOOD_COLUMNS, ("food",)))
    limit_rows = _rows(_open(limits_file, "limits"), "limits", LIMIT_COLUMNS, LIMIT_REQUIRED)
    # The edition is known only once the rows are read; the classification that the
    # warnings are checked against depends on it.
    code, version = _edition_of(limit_rows)
    existing = Standard.objects.filter(code=code, version=version).first()
    if effective is None:
        effective = existing.effective_from if existing else KNOWN_EDITIONS.get((code, version))
    errors = list(foods_report.errors)
    if effective is None and code:
        errors.append((("effective_from",), f"{code}-{version} 不是已知版本，须填写实施日期"))
    pairs, source, copied_from = _classification(code, version, effective or dt.date.max,
                                                 existing, foods_pairs)
    names = ({n for n, _ in pairs} if pairs is not None
             else set(existing.foods.values_list("name", flat=True)))
    clean, report = check_limits(limit_rows, names)
    errors += report.errors
    if errors:
        more = len(errors) - MAX_REPORTED
        if more > 0:
            errors = errors[:MAX_REPORTED] + [(("limits",), f"另有 {more} 处错误未列出，请先改正以上错误")]
        raise FieldErrors(errors, prefix=())
    warnings = foods_report.warnings + report.warnings
    try:
        with transaction.atomic():
            summary = _save(code, version, effective, clean, pairs, demo=demo, actor=actor,
                            source=getattr(limits_file, "name", None) or str(limits_file))
            summary |= {"foods_source": source,
                        "foods_copied_from": copied_from.label if copied_from else None,
                        "warning_count": len(warnings), "warnings": warnings[:MAX_WARNINGS]}
            audit.record("standard.import", summary.pop("_standard"), actor=actor,
                         after={k: v for k, v in summary.items() if k != "warnings"})
    except IntegrityError:
        raise Conflict(f"{code}-{version} 正在由他人导入，请稍后重试") from None
    return summary


def _edition_of(rows) -> tuple[str, str]:
    """The first row's edition; check_limits reports rows that name another."""
    for _, data in rows:
        code = edition_code(data.get("standard"))
        version = _version(data.get("version"))
        if code and version:
            return code, version
    return "", ""


def _save(code, version, effective, clean, pairs, *, demo, actor, source) -> dict:
    standard, created = Standard.objects.select_for_update().get_or_create(
        code=code, version=version,
        defaults={"effective_from": effective, "loaded_by": actor})
    replaced = 0 if created else standard.limits.count()
    standard.effective_from = effective
    standard.demo = demo
    standard.title = DEMO_TITLE if demo else TITLES.get(code, "")
    standard.source = Path(str(source)).name[:300]
    standard.loaded_by = actor
    standard.loaded_at = timezone.now()
    standard.save()
    if pairs is not None:
        _write_foods(standard, pairs)
    standard.limits.all().delete()
    ResidueLimit.objects.bulk_create([ResidueLimit(standard=standard, **row) for row in clean],
                                     batch_size=1000)
    return {"_standard": standard, "standard": standard.label, "code": code,
            "version": version, "effective_from": effective, "created": created,
            "demo": demo, "limits": len(clean), "replaced_limits": replaced,
            "pesticides": len({r["pesticide_cn"] for r in clean}),
            "foods": standard.foods.count()}


def load_demo_standards() -> dict:
    """The shipped demo editions (GB 2763-2021 and -2026 with illustrative values), loaded
    only into a database that has no edition yet (`nongan init`)."""
    if Standard.objects.exists():
        return {"loaded": []}
    loaded = []
    for filename, _ in DEMO_FILES:
        summary = _import(DATA / filename, DATA / FOODS_FILE, actor=None, effective_from=None,
                          demo=True)
        loaded.append({k: summary[k] for k in ("standard", "limits", "foods")})
    return {"loaded": loaded}

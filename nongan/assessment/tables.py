"""The assessment table as data (考核表): the shipped default (`data/indicators.csv`, see
`data/README.md` for the clause each line comes from), the check every table passes before
it is stored — the shipped file, a city administrator's form, JSON or CSV alike — and the
table in force for a year."""

import csv
import io
import json
import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path

from nongan.core.errors import FieldErrors

from .indicators import METHODS
from .models import AssessmentTable, Indicator

SHIPPED_FILE = Path(__file__).parent / "data" / "indicators.csv"
# The plan is the 2021 one (沪农委, 2021年3月5日); its table applies from that year on.
SHIPPED_YEAR = 2021
COLUMNS = ["code", "name", "weight", "method", "target", "params", "clause", "order", "active"]
LABELS = {"code": "指标编码", "name": "指标名称", "weight": "分值", "method": "计算方法",
          "target": "目标值", "params": "参数", "clause": "依据条款", "order": "序号",
          "active": "启用"}
TOTAL = Decimal("100")
CODE = re.compile(r"^[a-z][a-z0-9_-]{0,39}$")
TRUE = {True, "1", "true", "True", "on", "是", "yes"}
FALSE = {False, "0", "false", "False", "", None, "否", "no"}
MAX_ROWS = 60


def read_csv(data: bytes | str) -> list[dict]:
    """Rows of an uploaded CSV (UTF-8, header row `COLUMNS`), as raw strings."""
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise FieldErrors({"file": "文件应为 UTF-8 编码的 CSV"}) from None
    reader = csv.DictReader(io.StringIO(data))
    header = [h.strip() for h in reader.fieldnames or []]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise FieldErrors({"file": f"表头缺少列：{','.join(missing)}（应为 {','.join(COLUMNS)}）"})
    reader.fieldnames = header
    return [{k: (row.get(k) or "").strip() for k in COLUMNS} for row in reader]


def _decimal(value, places: str) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    if not number.is_finite() or number != number.quantize(Decimal(places),
                                                           rounding=ROUND_HALF_UP):
        return None
    return number


def _params(value):
    if isinstance(value, str):
        if not value.strip():
            return {}
        try:
            return json.loads(value)
        except ValueError:
            return None
    return value


def clean_table(rows, *, csv_lines: bool = False) -> list[dict]:
    """Clean indicator rows, or FieldErrors naming each bad row and field as
    ("indicators", n, field) with a Chinese message; `csv_lines` numbers rows as the lines
    of the file (the header is line 1). Active weights must total 100 points."""
    if not isinstance(rows, list) or not rows:
        raise FieldErrors({"indicators": "考核表至少应有一项指标"})
    if len(rows) > MAX_ROWS:
        raise FieldErrors({"indicators": f"考核表最多 {MAX_ROWS} 项指标"})
    errors: list[tuple[tuple, str]] = []
    clean, seen = [], set()
    for n, row in enumerate(rows):
        where = f"第 {n + 2} 行" if csv_lines else f"第 {n + 1} 项"
        clean.append(_clean_row(n, row if isinstance(row, dict) else {}, where, seen, errors))
    if not errors:
        total = sum(r["weight"] for r in clean if r["active"])
        if total != TOTAL:
            errors.append((("indicators",), f"启用指标的分值合计应为 100 分（现为 {float(total):g} 分）"))
    if errors:
        raise FieldErrors(errors)
    return clean


def _clean_row(n: int, row: dict, where: str, seen: set, errors: list) -> dict:
    code = str(row.get("code") or "").strip()
    where = f"{where}（{code}）" if code else where

    def bad(field, msg):
        errors.append((("indicators", n, field), f"{where}：{LABELS[field]}{msg}"))

    if not CODE.match(code):
        bad("code", "应为小写字母开头的英文编码（字母、数字、_、-，最长 40 个字符）")
    elif code in seen:
        bad("code", "重复")
    seen.add(code)
    name = str(row.get("name") or "").strip()
    if not name or len(name) > 100:
        bad("name", "不能为空，且不超过 100 个字")
    weight = _decimal(row.get("weight"), "0.1")
    if weight is None or not Decimal("0") < weight <= TOTAL:
        bad("weight", "应为大于 0、不超过 100 的数，最多一位小数")
    method = METHODS.get(str(row.get("method") or "").strip())
    if method is None:
        bad("method", "应为以下之一：" + "、".join(METHODS))
    target = _decimal(row.get("target"), "0.0001")
    if target is None or not Decimal("0") < target <= Decimal("1"):
        bad("target", "应为大于 0、不超过 1 的比例（如 0.95），最多四位小数")
    params = _params(row.get("params"))
    clean_params = {}
    if method is not None:
        clean_params, problems = method.clean_params(params)
        for name_, msg in problems.items():
            bad("params", f"{name_}：{msg}" if name_ else msg)
    clause = str(row.get("clause") or "").strip()
    if len(clause) > 100:
        bad("clause", "不超过 100 个字")
    order = str(row.get("order") if row.get("order") is not None else "").strip()
    if order and not (order.isdigit() and int(order) <= 9999):
        bad("order", "应为 0 到 9999 的整数")
    active = row.get("active", True)
    if not isinstance(active, bool | int | str | None) or (active not in TRUE
                                                           and active not in FALSE):
        bad("active", "应为 1（启用）或 0（停用）")
    return {"code": code, "name": name, "weight": weight,
            "method": method.key if method else "", "target": target,
            "params": clean_params, "clause": clause,
            "order": int(order) if order.isdigit() else (n + 1) * 10,
            "active": active in TRUE}


def shipped_rows() -> list[dict]:
    return clean_table(read_csv(SHIPPED_FILE.read_text(encoding="utf-8")), csv_lines=True)


def store_shipped(table_model=AssessmentTable, indicator_model=Indicator) -> bool:
    """Store the shipped table for SHIPPED_YEAR when no table is stored at all (the data
    migration passes its historical models). Answers whether it stored it."""
    if table_model.objects.exists():
        return False
    table = table_model.objects.create(year=SHIPPED_YEAR, note="系统默认考核表")
    indicator_model.objects.bulk_create([indicator_model(table=table, **row)
                                         for row in shipped_rows()])
    return True


def table_for(year: int) -> tuple[AssessmentTable | None, list[Indicator]]:
    """The table in force for `year`: the stored table of the latest year not after it (the
    earliest stored one for a year before them all); the shipped file's when none is
    stored (a database before `nongan init`)."""
    table = (AssessmentTable.objects.filter(year__lte=year).order_by("-year").first()
             or AssessmentTable.objects.order_by("year").first())
    if table is None:
        return None, [Indicator(**row) for row in shipped_rows()]
    return table, list(table.indicators.order_by("order", "pk"))


def indicator_dict(ind: Indicator) -> dict:
    return {"code": ind.code, "name": ind.name, "weight": float(ind.weight),
            "method": ind.method, "target": float(ind.target), "params": ind.params,
            "clause": ind.clause, "order": ind.order, "active": ind.active}


def table_dict(year: int) -> dict:
    table, indicators = table_for(year)
    return {"year": year, "table_year": table.year if table else SHIPPED_YEAR,
            "version": table.version if table else 0,
            "updated_at": table.updated_at if table else None,
            "updated_by": (table.updated_by.username if table and table.updated_by else None),
            "indicators": [indicator_dict(i) for i in indicators]}


def csv_text(indicators) -> str:
    """The table as the CSV the city administrator downloads, edits and uploads again."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for ind in indicators:
        row = indicator_dict(ind)
        row["params"] = json.dumps(row["params"], ensure_ascii=False) if row["params"] else ""
        row["active"] = "1" if row["active"] else "0"
        writer.writerow([row[c] for c in COLUMNS])
    return out.getvalue()

"""The credit rule table (信用评价规则): the shipped defaults (`data/credit-rules.csv`, see
`data/README.md` for where they come from), the check every table passes before it is
stored — the shipped file and the city administrator's edits alike — and the table in
force as `grading.Rules`."""

import csv
from dataclasses import asdict
from pathlib import Path

from django.db import transaction

from nongan.core import audit
from nongan.core.errors import FieldErrors

from .grading import LABELS, RULE_KINDS, Rule, Rules
from .models import CreditRule, CreditScale

RULES_FILE = Path(__file__).parent / "data" / "credit-rules.csv"
COLUMNS = ["kind", "points", "months", "forced_grade", "forced_months", "serious_only"]
# Jiangsu DB32/T 4713-2024: A ≥ 90, B 75–89, C 60–74; below 60 is D as in the Shaanxi
# food-firm scheme that starts at 100 (/work/shared/RULES.md "Credit grading").
DEFAULT_THRESHOLDS = {"A": 90, "B": 75, "C": 60}
MAX_POINTS, MAX_MONTHS = 100, 120
FORCEABLE = ("B", "C", "D")
TRUE = {True, "1", "true", "True", "on", "是"}
FALSE = {False, "0", "false", "False", "", None, "否"}


def read_shipped_rules(path: Path = RULES_FILE) -> list[dict]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames != COLUMNS:
            raise ValueError(f"{path.name}: header should be {','.join(COLUMNS)}")
        return [{k: (row[k] or "").strip() for k in COLUMNS} for row in reader]


def _int(value, low: int, high: int):
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        value = int(value.strip())
    return value if isinstance(value, int) and low <= value <= high else None


def clean_table(data) -> tuple[dict, list[dict]]:
    """Thresholds and rows from `{"thresholds": {"A", "B", "C"}, "rules": [...]}`; every
    bad value is named by its row and field (422), and every event kind appears once."""
    data = data if isinstance(data, dict) else {}
    errors: list[tuple[tuple, str]] = []
    thresholds = {}
    given = data.get("thresholds") if isinstance(data.get("thresholds"), dict) else {}
    for grade in DEFAULT_THRESHOLDS:
        thresholds[grade] = _int(given.get(grade), 0, 100)
        if thresholds[grade] is None:
            errors.append((("thresholds", grade), f"{grade} 级最低分应为 0 到 100 之间的整数"))
    if None not in thresholds.values() and not (thresholds["A"] > thresholds["B"]
                                                  > thresholds["C"]):
        errors.append((("thresholds",), "等级分数线应为 A > B > C"))
    rows = data.get("rules")
    if not isinstance(rows, list):
        raise FieldErrors(errors + [(("rules",), "须提供规则列表")])
    clean, seen = [], set()
    for n, row in enumerate(rows):
        clean.append(_clean_row(n, row if isinstance(row, dict) else {}, seen, errors))
    missing = [LABELS[k] for k, _ in RULE_KINDS if k not in seen]
    if missing:
        errors.append((("rules",), f"缺少事件类型：{'、'.join(missing)}"))
    if errors:
        raise FieldErrors(errors)
    return thresholds, clean


def _clean_row(n: int, row: dict, seen: set, errors: list) -> dict:
    kind = str(row.get("kind") or "").strip()
    where = f"第 {n + 1} 行（{LABELS.get(kind, kind or '未填事件类型')}）"

    def bad(field, msg):
        errors.append((("rules", n, field), f"{where}：{msg}"))

    if kind not in dict(RULE_KINDS):
        bad("kind", "事件类型不存在")
    elif kind in seen:
        bad("kind", "事件类型重复")
    seen.add(kind)
    out = {"kind": kind,
           "points": _int(row.get("points"), -MAX_POINTS, MAX_POINTS),
           "months": _int(row.get("months"), 0, MAX_MONTHS),
           "forced_grade": str(row.get("forced_grade") or "").strip().upper(),
           "forced_months": _int(row.get("forced_months", 0), 0, MAX_MONTHS),
           "serious_only": row.get("serious_only", False)}
    if out["points"] is None:
        bad("points", f"分值应为 -{MAX_POINTS} 到 {MAX_POINTS} 之间的整数")
    if out["months"] is None:
        bad("months", f"计分期限应为 0 到 {MAX_MONTHS} 之间的整数（月）")
    if out["forced_grade"] not in ("", *FORCEABLE):
        bad("forced_grade", "直接评定等级应为 B、C、D 或空")
    if out["forced_months"] is None:
        bad("forced_months", f"等级锁定期限应为 0 到 {MAX_MONTHS} 之间的整数（月）")
    flag = out["serious_only"]
    if isinstance(flag, bool | int | str | None) and (flag in TRUE or flag in FALSE):
        out["serious_only"] = flag in TRUE
    else:
        bad("serious_only", "仅严重情形应为 true 或 false")
    return out


def table_dict() -> dict:
    """The table in force, as the API and the page show it."""
    scale = CreditScale.objects.select_related("updated_by").first()
    rules = rules_in_force()
    return {
        "version": rules.version,
        "updated_at": scale.updated_at if scale else None,
        "updated_by": scale.updated_by.username if scale and scale.updated_by else None,
        "thresholds": {"A": rules.a_min, "B": rules.b_min, "C": rules.c_min},
        "rules": [{"kind": kind, "label": label, **asdict(rules.by_kind[kind])}
                  for kind, label in RULE_KINDS if kind in rules.by_kind],
    }


def shipped_rules(path: Path = RULES_FILE) -> Rules:
    """The shipped table (version 0), as `load_credit_rules` stores it."""
    thresholds, rows = clean_table({"thresholds": DEFAULT_THRESHOLDS,
                                    "rules": read_shipped_rules(path)})
    return _rules(thresholds, rows, 0)


def rules_in_force() -> Rules:
    """The stored table; before `nongan init` has loaded it, the shipped file's."""
    scale = CreditScale.objects.first()
    if scale is None:
        return shipped_rules()
    rows = CreditRule.objects.values(*COLUMNS)
    return _rules({"A": scale.a_min, "B": scale.b_min, "C": scale.c_min}, rows, scale.version)


def _rules(thresholds: dict, rows, version: int) -> Rules:
    return Rules(by_kind={r["kind"]: Rule(**{k: r[k] for k in COLUMNS[1:]}) for r in rows},
                 a_min=thresholds["A"], b_min=thresholds["B"], c_min=thresholds["C"],
                 version=version)


@transaction.atomic
def load_credit_rules(*, actor=None, path: Path = RULES_FILE) -> dict:
    """Store the shipped rows of the event kinds not stored yet, and the shipped thresholds
    when there are none; the city's edits stay. Idempotent; a load that adds is audited."""
    _, rows = clean_table({"thresholds": DEFAULT_THRESHOLDS, "rules": read_shipped_rules(path)})
    stored = set(CreditRule.objects.values_list("kind", flat=True))
    added = [row for row in rows if row["kind"] not in stored]
    CreditRule.objects.bulk_create([CreditRule(**row) for row in added])
    scale_added = not CreditScale.objects.exists()
    if scale_added:
        CreditScale.objects.create(a_min=DEFAULT_THRESHOLDS["A"], b_min=DEFAULT_THRESHOLDS["B"],
                                   c_min=DEFAULT_THRESHOLDS["C"])
    if added or scale_added:
        audit.record("credit.rules.load", actor=actor, object_type="credit.creditrule",
                     object_id="*", after={"added": [r["kind"] for r in added],
                                           "thresholds": DEFAULT_THRESHOLDS if scale_added
                                           else None})
    return {"added": [r["kind"] for r in added]}

"""Warning parameters and levels (预警参数与等级): the shipped defaults
(`data/settings.json`, sources in `data/README.md`), the city administrator's edits on top
of them, the check every edit passes, and the level each kind of finding gets."""

import json
from functools import cache
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from nongan.core import audit
from nongan.core.errors import FieldErrors
from nongan.core.permissions import require

from .models import RiskSettings

DEFAULTS_FILE = Path(__file__).parent / "data" / "settings.json"
LEVEL_RANK = {"blue": 0, "yellow": 1, "orange": 2, "red": 3}
# (low, high) bounds of every editable number; a value outside is a 422 naming it.
BOUNDS = {
    "temporal.freq": (12, 12), "temporal.b": (1, 10), "temporal.w": (0, 6),
    "temporal.alpha": (0.0001, 0.5), "temporal.ears_alpha": (0.0001, 0.5),
    "temporal.ears_min_sigma": (0, 5),
    "temporal.evaluate_months": (1, 6), "temporal.min_cases": (1, 100),
    "temporal.min_cases_months": (1, 12), "temporal.orange_ratio": (1, 100),
    "spatial.window_days": (7, 730), "spatial.replications": (99, 9999),
    "spatial.alpha": (0.001, 0.5), "spatial.orange_p": (0.001, 0.5),
    "spatial.max_share": (0.05, 0.5), "spatial.min_cases": (1, 1000),
    "systemic.window_days": (7, 730), "systemic.min_districts": (2, 16),
    "systemic.red_districts": (2, 16),
    "producer.window_days": (30, 1095), "producer.probability": (0.5, 0.9999),
    "producer.near_ratio": (0.1, 0.99),
    "lifecycle.acknowledge_working_days": (1, 30), "lifecycle.inspection_days": (1, 90),
    "lifecycle.sampling_days": (1, 365), "lifecycle.sampling_count": (1, 1000),
}
CHOICES = {"temporal.ears_method": ("C1", "C2", "C3")}
LABELS = {
    "temporal": "时间聚集", "spatial": "区域聚集", "systemic": "系统性风险",
    "producer": "主体风险", "lifecycle": "处置",
}


@cache
def defaults() -> dict:
    return json.loads(DEFAULTS_FILE.read_text(encoding="utf-8"))


def current() -> dict:
    """The parameters in force: the defaults, with the latest edit's values over them."""
    merged = {section: dict(values) for section, values in defaults().items()}
    edit = RiskSettings.objects.order_by("-updated_at", "-pk").first()
    for section, values in (edit.values if edit else {}).items():
        if section in merged:
            merged[section].update({k: v for k, v in values.items() if k in merged[section]})
    return merged


def clean(data) -> dict:
    """Every section and key of the defaults, typed like the default; each bad value is
    named by its section and key (422)."""
    data = data if isinstance(data, dict) else {}
    errors, cleaned = {}, {}
    for section, values in defaults().items():
        given = data.get(section) if isinstance(data.get(section), dict) else {}
        cleaned[section] = {}
        for key, default in values.items():
            name = f"{section}.{key}"
            value = given.get(key, default)
            try:
                value = _typed(value, default)
            except (TypeError, ValueError):
                errors[name] = "应为数值" if not isinstance(default, bool) else "应为是或否"
                continue
            if name in CHOICES and value not in CHOICES[name]:
                errors[name] = f"应为 {' / '.join(CHOICES[name])}"
            elif name in BOUNDS and not BOUNDS[name][0] <= value <= BOUNDS[name][1]:
                low, high = BOUNDS[name]
                errors[name] = f"应在 {low} 到 {high} 之间"
            cleaned[section][key] = value
    if not errors and cleaned["systemic"]["red_districts"] < cleaned["systemic"]["min_districts"]:
        errors["systemic.red_districts"] = "红色预警的区数不能少于系统性风险的最少区数"
    if not errors and cleaned["spatial"]["orange_p"] > cleaned["spatial"]["alpha"]:
        errors["spatial.orange_p"] = "橙色预警的 p 值界限不能大于显著性水平"
    if errors:
        raise FieldErrors([(tuple(name.split(".")), msg) for name, msg in errors.items()])
    return cleaned


def _typed(value, default):
    if isinstance(default, bool):
        if value in (True, "1", "true", "on", "是"):
            return True
        if value in (False, "0", "false", "", None, "否"):
            return False
        raise ValueError(value)
    if isinstance(value, bool) or value is None or value == "":
        raise ValueError(value)
    if isinstance(default, int):
        number = float(value)
        if number != int(number):
            raise ValueError(value)
        return int(number)
    if isinstance(default, float):
        return float(value)
    return str(value).strip()


@transaction.atomic
def update(data, *, actor) -> dict:
    """修改预警参数 (city administrator): all or nothing; in force from the next run."""
    require(actor, "risk.run")
    before = current()
    values = clean(data)
    RiskSettings.objects.create(values=values, updated_by=actor, updated_at=timezone.now())
    audit.record("risk.settings", actor=actor, object_type="risk.risksettings",
                 object_id="current", before=before, after=values)
    return values


# ---------------------------------------------------------------- levels

def higher(a: str, b: str) -> str:
    return a if LEVEL_RANK[a] >= LEVEL_RANK[b] else b


def temporal_level(observed: float, upper: float, s: dict) -> str:
    return "orange" if observed >= s["temporal"]["orange_ratio"] * upper else "yellow"


def spatial_level(p_value: float, s: dict) -> str:
    return "orange" if p_value < s["spatial"]["orange_p"] else "yellow"


def systemic_level(districts: int, s: dict) -> str:
    return "red" if districts >= s["systemic"]["red_districts"] else "orange"

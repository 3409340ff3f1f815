"""Writes on sensors (物联网设备): registering one (its HTTP key shown once), editing its
thresholds, silence limit and state, and issuing a new key. Readings arrive through
`ingest.ingest` (MQTT and HTTP alike)."""

import datetime as dt
import math
import re

from django.db import transaction
from django.utils import timezone

from nongan.core import audit
from nongan.core.errors import FieldErrors
from nongan.core.permissions import require
from nongan.core.scoping import visible
from nongan.producers.models import Plot, Producer

from . import kinds
from .models import CODE_PATTERN, Sensor
from .queries import record_id

MAX_SILENCE_MINUTES = 7 * 24 * 60
MAX_INTERVAL_MINUTES = 24 * 60
EDITABLE = ("name", "plot", "low", "high", "interval_minutes", "silence_minutes", "active")


def snapshot(sensor: Sensor) -> dict:
    return {"code": sensor.code, "name": sensor.name, "producer": sensor.producer_id,
            "plot": sensor.plot_id, "kind": sensor.kind, "low": sensor.low, "high": sensor.high,
            "interval_minutes": sensor.interval_minutes,
            "silence_minutes": sensor.silence_minutes, "active": sensor.active}


def _number(value, field: str, errors: dict):
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        errors[field] = "须为数值"
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        errors[field] = "须为数值"
        return None
    if not math.isfinite(number):
        errors[field] = "须为有限数值"
        return None
    return number


def _minutes(value, field: str, errors: dict, *, maximum: int):
    if isinstance(value, bool) or value in (None, ""):
        errors[field] = "须填写分钟数"
        return None
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        errors[field] = "须为整数分钟"
        return None
    if not 1 <= number <= maximum:
        errors[field] = f"应在 1–{maximum} 分钟之间"
        return None
    return number


def _plot(value, producer, errors: dict):
    if value in (None, ""):
        return None
    plots = Plot.objects.filter(producer=producer, active=True)
    pk = record_id(value) if not isinstance(value, bool) else None
    found = (plots.filter(pk=pk).first() if pk else None) or \
        plots.filter(plot_no=str(value).strip()[:40]).first()
    if found is None:
        errors["plot"] = "地块不存在或不属于该生产主体"
    return found


def _check_values(values: dict, spec: dict, errors: dict) -> None:
    """Thresholds inside the physical bounds, low below high, the silence limit no shorter
    than the reporting interval."""
    lo, hi = spec["physical"]
    for field in ("low", "high"):
        v = values.get(field)
        if v is not None and field not in errors and not lo <= v <= hi:
            errors[field] = f"应在物理范围 {lo}–{hi} 之内"
    if (values.get("low") is not None and values.get("high") is not None
            and "low" not in errors and "high" not in errors
            and values["low"] >= values["high"]):
        errors["high"] = "上限应大于下限"
    if (values.get("interval_minutes") and values.get("silence_minutes")
            and values["silence_minutes"] < values["interval_minutes"]
            and "silence_minutes" not in errors):
        errors["silence_minutes"] = "离线判定时长不应短于上报间隔"


def _clean(data: dict, producer, errors: dict) -> dict:
    """The editable fields present in `data`, cleaned (a missing field is left out)."""
    values = {}
    if "name" in data:
        values["name"] = str(data.get("name") or "").strip()
        if len(values["name"]) > 100:
            errors["name"] = "不超过100字"
    if "plot" in data or "plot_no" in data:
        values["plot"] = _plot(data.get("plot") if data.get("plot") not in (None, "")
                               else data.get("plot_no"), producer, errors)
    for field in ("low", "high"):
        if field in data:
            values[field] = _number(data.get(field), field, errors)
    if "interval_minutes" in data:
        values["interval_minutes"] = _minutes(data.get("interval_minutes"), "interval_minutes",
                                              errors, maximum=MAX_INTERVAL_MINUTES)
    if "silence_minutes" in data:
        values["silence_minutes"] = _minutes(data.get("silence_minutes"), "silence_minutes",
                                             errors, maximum=MAX_SILENCE_MINUTES)
    if "active" in data:
        if not isinstance(data.get("active"), bool):
            errors["active"] = "须为 true 或 false"
        else:
            values["active"] = data["active"]
    return values


@transaction.atomic
def register_sensor(data: dict, *, actor) -> tuple[Sensor, str]:
    """登记物联网设备: `code` (the device id it publishes under), `producer` (id), `kind`,
    optional `plot` (id or plot number, of that producer), `name`, `low`, `high`,
    `interval_minutes`, `silence_minutes` (missing: the kind's defaults). Answers the sensor
    and its HTTP key, which is never shown again."""
    require(actor, "iot.manage")
    errors = {}
    code = str(data.get("code") or "").strip()
    if not code:
        errors["code"] = "须填写设备编号"
    elif len(code) > 64 or not re.match(CODE_PATTERN, code):
        errors["code"] = "设备编号只能包含字母、数字、- 和 _，不超过64位"
    elif Sensor.objects.filter(code=code).exists():
        errors["code"] = "该设备编号已登记"
    producer = None
    pk = record_id(data.get("producer")) if not isinstance(data.get("producer"), bool) else None
    if data.get("producer") in (None, ""):
        errors["producer"] = "须选择生产主体"
    else:
        producer = visible(Producer, actor).filter(pk=pk, active=True).first() if pk else None
        if producer is None:
            errors["producer"] = "生产主体不存在或不在辖区内"
    kind = data.get("kind")
    if kind not in kinds.kinds():
        errors["kind"] = "监测项目无效"
        spec = None
    else:
        spec = kinds.kind(kind)
    defaults = ({"low": spec["low"], "high": spec["high"], "name": "",
                 "interval_minutes": spec["interval_minutes"],
                 "silence_minutes": spec["silence_minutes"], "active": True} if spec else {})
    values = _clean({k: v for k, v in data.items() if k != "active"}, producer, errors) \
        if producer else {}
    values = defaults | values
    if spec:
        _check_values(values, spec, errors)
    if errors:
        raise FieldErrors(errors)
    now = timezone.now()
    key = Sensor.new_key()
    sensor = Sensor(code=code, producer=producer, kind=kind, key_hash=Sensor.hash_key(key),
                    created_by=actor, created_at=now, **values,
                    expected_by=now + dt.timedelta(minutes=values["silence_minutes"]))
    sensor.place_in(producer.village)
    sensor.save()
    audit.record("sensor.register", sensor, actor=actor, region_code=sensor.village_id,
                 after=snapshot(sensor))
    return sensor, key


def locked(sensor: Sensor) -> Sensor:
    return Sensor.objects.select_for_update().get(pk=sensor.pk)


@transaction.atomic
def update_sensor(sensor: Sensor, data: dict, *, actor) -> Sensor:
    """修改设备: thresholds (null: no bound on that side), silence limit, reporting interval,
    name, plot, active — only the fields given."""
    require(actor, "iot.manage")
    sensor = locked(sensor)
    errors = {}
    unknown = set(data) - set(EDITABLE) - {"plot_no"}
    for field in sorted(unknown):
        errors[field] = "不可修改的字段"
    values = _clean(data, sensor.producer, errors)
    merged = {f: getattr(sensor, f) for f in EDITABLE if f != "plot"} | values
    _check_values(merged, sensor.spec, errors)
    if errors:
        raise FieldErrors(errors)
    before = snapshot(sensor)
    for field, value in values.items():
        setattr(sensor, field, value)
    since = sensor.last_reading_at or sensor.created_at
    if sensor.active and not before["active"]:  # back in service: a full silence window
        since = max(since, timezone.now())
    sensor.expected_by = since + dt.timedelta(minutes=sensor.silence_minutes)
    sensor.save()
    after = snapshot(sensor)
    audit.record("sensor.update", sensor, actor=actor, region_code=sensor.village_id,
                 before={k: v for k, v in before.items() if after[k] != v},
                 after={k: v for k, v in after.items() if before[k] != v})
    return sensor


@transaction.atomic
def reset_key(sensor: Sensor, *, actor) -> str:
    """更换接入密钥: the old key stops working at once; the new one is shown once."""
    require(actor, "iot.manage")
    sensor = locked(sensor)
    key = Sensor.new_key()
    sensor.key_hash = Sensor.hash_key(key)
    sensor.save(update_fields=["key_hash"])
    audit.record("sensor.key", sensor, actor=actor, region_code=sensor.village_id,
                 after={"code": sensor.code, "key": "reissued"})
    return key


def sensor_for_key(key: str | None) -> Sensor | None:
    if not key:
        return None
    return Sensor.objects.filter(key_hash=Sensor.hash_key(key)).first()

"""IoT over HTTP.

Officers (bearer token or session): sensors — the scoped list (filters, paging, sort,
`?format=xlsx`), registration (201, with the key shown once), one sensor, its edits
(thresholds, silence limit, active), a new key, its readings (paged, `?format=xlsx`) —
the table of kinds and the rejected messages. Another district's sensor is a 404.

Devices: `POST /iot/readings` with header `X-Sensor-Key: <the sensor's key>`; the key
names the sensor, the body carries its readings: `{"readings": [{"at", "value"}, …]}` (or
one `{"at", "value"}`), at most `MAX_READINGS`. The answer is 200 `{"stored",
"duplicates", "rejected": [{"index", "reason", "detail"}]}` — a bad reading never stops
the good ones; 401 for a missing or unknown key; 422 for a body that is not such JSON."""

import json
from typing import Any

from ninja import Router, Schema, Status
from ninja.security import APIKeyHeader

from nongan.core.errors import FieldErrors
from nongan.core.listing import page_of, xlsx_response

from . import kinds, queries, services
from .ingest import Message, ingest
from .models import REASONS

router = Router(tags=["iot"])
MAX_READINGS = 5000


class SensorKey(APIKeyHeader):
    param_name = "X-Sensor-Key"

    def authenticate(self, request, key):
        return services.sensor_for_key(key)


class SensorIn(Schema):
    """`code` (device id: letters, digits, - and _), `producer` (id), `kind` (see
    `GET /iot/kinds`), optional `plot` (id or plot number of that producer), `name`, `low`,
    `high` (null: no bound), `interval_minutes`, `silence_minutes` (missing: the kind's)."""

    code: Any = None
    producer: Any = None
    kind: Any = None
    plot: Any = None
    name: Any = None
    low: Any = None
    high: Any = None
    interval_minutes: Any = None
    silence_minutes: Any = None


class SensorPatch(Schema):
    """Any of `name`, `plot`, `low`, `high` (null: no bound on that side),
    `interval_minutes`, `silence_minutes`, `active`; any other field is refused (422)."""

    name: Any = None
    plot: Any = None
    low: Any = None
    high: Any = None
    interval_minutes: Any = None
    silence_minutes: Any = None
    active: Any = None


def _bad_filters(params: dict) -> dict:
    valid = queries.valid_filters(params)
    return {name: "取值无效" for name in ("kind", "status", "sort")
            if params.get(name) and valid[name] != params[name]}


@router.get("/sensors", response=dict)
def list_sensors(request, region: str = "", kind: str = "", status: str = "",
                 producer: int | None = None, q: str = "", sort: str = "", format: str = "",
                 page: int = 1, page_size: int = 50):
    """物联网设备列表: `region` (district or town code), `kind`, `status` (normal |
    out_of_range | offline | inactive), `producer`, `q`; `sort` one of code, kind, producer,
    region, last_reading_at, created_at (`-` first for descending)."""
    params = {"region": region, "kind": kind, "status": status, "producer": producer,
              "q": q, "sort": sort}
    bad = _bad_filters(params)
    if bad:
        raise FieldErrors(bad, prefix=("query",))
    qs = queries.sensors_for(request.auth, queries.valid_filters(params))
    if format == "xlsx":
        return xlsx_response("物联网设备.xlsx", queries.EXPORT_HEADERS, queries.export_rows(qs))
    found = page_of(qs, page, page_size)
    return {"count": found["count"], "items": [queries.sensor_dict(s) for s in found["items"]]}


@router.post("/sensors", response={201: dict})
def create_sensor(request, body: SensorIn):
    """登记设备; the answer carries `key`, the sensor's HTTP key — it is never shown again."""
    sensor, key = services.register_sensor(body.dict(exclude_unset=True), actor=request.auth)
    return Status(201, queries.sensor_dict(sensor) | {"key": key})


@router.get("/sensors/{pk}", response=dict)
def get_sensor(request, pk: int):
    return queries.sensor_dict(queries.sensor_for(request.auth, pk))


@router.patch("/sensors/{pk}", response=dict)
def patch_sensor(request, pk: int, body: SensorPatch):
    sensor = queries.sensor_for(request.auth, pk)
    sent = json.loads(request.body or b"{}")  # valid JSON: ninja parsed it into `body`
    others = {k: v for k, v in sent.items() if k not in SensorPatch.model_fields} \
        if isinstance(sent, dict) else {}
    sensor = services.update_sensor(sensor, body.dict(exclude_unset=True) | others,
                                    actor=request.auth)
    return queries.sensor_dict(queries.sensor_for(request.auth, sensor.pk))


@router.post("/sensors/{pk}/key", response=dict)
def new_key(request, pk: int):
    """更换接入密钥: the old key stops working; the new one is in the answer only."""
    sensor = queries.sensor_for(request.auth, pk)
    return {"id": sensor.pk, "code": sensor.code,
            "key": services.reset_key(sensor, actor=request.auth)}


@router.get("/sensors/{pk}/readings", response=dict)
def list_readings(request, pk: int, start: str = "", end: str = "", format: str = "",
                  page: int = 1, page_size: int = 200):
    """监测读数, oldest first: `start` / `end` a date (YYYY-MM-DD, `end` inclusive) or an
    ISO 8601 time (`end` exclusive)."""
    sensor = queries.sensor_for(request.auth, pk)
    errors = {}
    since = queries.parse_moment(start, "start", errors)
    until = queries.parse_moment(end, "end", errors, end=True)
    if errors:
        raise FieldErrors(errors, prefix=("query",))
    qs = queries.readings_of(sensor, since, until)
    if format == "xlsx":
        return xlsx_response(f"监测读数-{sensor.code}.xlsx", queries.READING_HEADERS,
                             queries.reading_rows(sensor, qs))
    found = page_of(qs, page, page_size)
    return {"count": found["count"], "items": [queries.reading_dict(r) for r in found["items"]]}


@router.get("/iot/kinds", response=dict)
def list_kinds(request):
    """监测项目: unit, default thresholds and their source, physical bounds, intervals."""
    return {"kinds": kinds.kinds(), "orange_after_readings": kinds.orange_after(),
            "clock": dict(zip(("future_minutes", "past_days"), kinds.clock_limits(),
                              strict=True))}


@router.get("/iot/rejected", response=dict)
def list_rejected(request, reason: str = "", source: str = "", sensor: str = "",
                  page: int = 1, page_size: int = 50):
    """异常消息 the caller may see (the city: all; a district: those of its sensors), with
    counts by reason."""
    if reason and reason not in dict(REASONS):
        raise FieldErrors({"reason": "取值无效"}, prefix=("query",))
    qs = queries.rejected_for(request.auth, {"reason": reason, "source": source,
                                             "sensor": sensor})
    found = page_of(qs, page, page_size)
    by_reason = {r: 0 for r in dict(REASONS)} | queries.counts_by_reason(qs)
    return {"count": found["count"], "by_reason": by_reason,
            "items": [queries.rejected_dict(r) for r in found["items"]]}


def _unreadable(sensor, body: bytes, why: str):
    ingest([Message(sensor.code, raw=body[:500].decode("utf-8", "replace"), reason="malformed",
                    detail=why)], source="http")
    return Status(422, {"detail": [{"loc": ["body"], "msg": why}]})


@router.post("/iot/readings", auth=SensorKey(), response={200: dict, 422: dict})
def post_readings(request):
    """设备上报读数 (header `X-Sensor-Key`): `{"readings": [{"at", "value"}, …]}` or one
    `{"at", "value"}`; `at` ISO 8601 with its offset, `value` a number."""
    sensor = request.auth
    try:
        document = json.loads(request.body or b"")
    except (UnicodeDecodeError, ValueError, RecursionError):
        return _unreadable(sensor, request.body, "请求体不是有效的 JSON")
    if isinstance(document, dict) and isinstance(document.get("readings"), list):
        items = document["readings"]
    elif isinstance(document, dict) and ("at" in document or "value" in document):
        items = [document]
    else:
        return _unreadable(sensor, request.body, '应为 {"readings": [{"at", "value"}, ...]}')
    if len(items) > MAX_READINGS:
        return Status(422, {"detail": [{"loc": ["body", "readings"],
                                        "msg": f"一次最多上报 {MAX_READINGS} 条"}]})
    messages = []
    for item in items:
        raw = json.dumps(item, ensure_ascii=False, default=str)[:500]
        if not isinstance(item, dict):
            messages.append(Message(sensor.code, raw=raw, reason="malformed",
                                    detail="读数应为含 at、value 的对象"))
        elif item.get("sensor") not in (None, sensor.code):
            messages.append(Message(sensor.code, raw=raw, reason="malformed",
                                    detail="sensor 与密钥所属设备不符"))
        else:
            messages.append(Message(sensor.code, item.get("at"), item.get("value"), raw=raw))
    counts = ingest(messages, source="http")
    return {"stored": counts.stored, "duplicates": counts.duplicates,
            "rejected": [{"index": i, "reason": reason, "detail": detail}
                         for i, reason, detail in counts.rejections]}

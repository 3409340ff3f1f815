"""Reads of sensors and readings shared by the pages and the API: the scoped, filtered,
sorted list and its Excel rows, one sensor as JSON, its readings (paged, exported, or
thinned for a chart) and the warnings it raised. Everything starts from `visible(...)`."""

import datetime as dt

from django.db.models import Count, F, Q
from django.shortcuts import get_object_or_404
from django.utils import timezone

from nongan.core.scoping import visible, within
from nongan.regions.models import Region
from nongan.risk.models import RiskWarning

from . import kinds
from .models import REASONS, STATUSES, Reading, Rejected, Sensor

SORT_FIELDS = {"code": "code", "kind": "kind", "producer": "producer__name",
               "region": "village_id", "last_reading_at": "last_reading_at",
               "created_at": "created_at"}
CHART_POINTS = 1500  # above this a chart gets the lowest and highest reading of each slice
CHART_DAYS = (7, 30)
STATUS_BADGES = {"normal": "ok", "out_of_range": "bad", "offline": "warn", "inactive": ""}


def _within_range():
    in_low = Q(low__isnull=True) | Q(last_value__gte=F("low"))
    in_high = Q(high__isnull=True) | Q(last_value__lte=F("high"))
    return in_low & in_high


def status_filter(status: str, now) -> Q:
    """正常 / 超限 (the latest reading beyond a threshold) / 离线 (past its silence limit) /
    停用, as in `Sensor.status` (停用 first, then 离线, then 超限)."""
    live = Q(active=True, expected_by__gte=now)
    beyond = ((Q(low__isnull=False) & Q(last_value__lt=F("low")))
              | (Q(high__isnull=False) & Q(last_value__gt=F("high"))))
    return {"inactive": Q(active=False),
            "offline": Q(active=True, expected_by__lt=now),
            "out_of_range": live & beyond,
            "normal": live & (Q(last_value__isnull=True) | _within_range())}[status]


def record_id(value) -> int | None:
    """A database id from user input (digits that fit a bigint), else None."""
    text = str(value if value is not None else "").strip()
    return int(text) if text.isdigit() and len(text) <= 18 else None


def valid_filters(params) -> dict:
    """List filters from query parameters; unknown values are ignored, not errors."""
    sort = params.get("sort") or ""
    return {
        "region": (params.get("region") or "").strip(),
        "kind": params.get("kind") if params.get("kind") in kinds.kinds() else "",
        "status": params.get("status") if params.get("status") in dict(STATUSES) else "",
        "producer": record_id(params.get("producer")),
        "q": (params.get("q") or "").strip()[:64],
        "sort": sort if sort.lstrip("-") in SORT_FIELDS else "",
    }


def sensors_for(user, filters: dict | None = None, *, now=None):
    """The sensors `user` may see, narrowed by `region` (a district or town the user may
    see; else 404), `kind`, `status`, `producer`, `q` (code, name or producer name)."""
    filters, now = filters or {}, now or timezone.now()
    qs = visible(Sensor, user).select_related("producer", "plot", "district", "town", "village")
    if filters.get("region"):
        qs = within(qs, get_object_or_404(visible(Region, user), code=filters["region"]))
    if filters.get("kind"):
        qs = qs.filter(kind=filters["kind"])
    if filters.get("status"):
        qs = qs.filter(status_filter(filters["status"], now))
    if filters.get("producer"):
        qs = qs.filter(producer_id=filters["producer"])
    if filters.get("q"):
        q = filters["q"]
        qs = qs.filter(Q(code__icontains=q) | Q(name__icontains=q) | Q(producer__name__icontains=q))
    sort = filters.get("sort") or "code"
    field = SORT_FIELDS.get(sort.lstrip("-"), "code")
    return qs.order_by(("-" if sort.startswith("-") else "") + field, "pk")


def sensor_for(user, pk) -> Sensor:
    return get_object_or_404(sensors_for(user), pk=pk)


def status_label(status: str) -> str:
    return dict(STATUSES)[status]


def sensor_dict(s: Sensor, now=None) -> dict:
    now = now or timezone.now()
    spec = s.spec
    return {"id": s.pk, "code": s.code, "name": s.name, "kind": s.kind,
            "kind_label": spec["label"], "unit": spec["unit"], "producer": s.producer_id,
            "producer_name": s.producer.name, "plot": s.plot_id,
            "plot_no": s.plot.plot_no if s.plot_id else None, "district": s.district_id,
            "town": s.town_id, "village": s.village_id, "low": s.low, "high": s.high,
            "default_low": spec["low"], "default_high": spec["high"],
            "threshold_source": spec["source"], "physical": spec["physical"],
            "interval_minutes": s.interval_minutes, "silence_minutes": s.silence_minutes,
            "active": s.active, "status": s.status(now), "last_reading_at": s.last_reading_at,
            "last_value": s.last_value, "expected_by": s.expected_by,
            "created_at": s.created_at}


EXPORT_HEADERS = ["设备编号", "名称/安装位置", "监测项目", "单位", "生产主体", "地块", "区",
                  "镇（街道）", "村（居）", "下限", "上限", "上报间隔（分钟）", "离线判定（分钟）",
                  "状态", "最近读数", "最近读数时间", "登记时间"]


def _naive(at):
    return timezone.localtime(at).replace(tzinfo=None) if at else None


def export_rows(qs, now=None):
    now = now or timezone.now()
    for s in qs.iterator(chunk_size=1000):
        yield [s.code, s.name, s.spec["label"], s.unit, s.producer.name,
               s.plot.plot_no if s.plot_id else "", s.district.name, s.town.name,
               s.village.name, s.low, s.high, s.interval_minutes, s.silence_minutes,
               status_label(s.status(now)), s.last_value, _naive(s.last_reading_at),
               _naive(s.created_at)]


# ---------------------------------------------------------------- readings

def parse_moment(value: str, field: str, errors: dict, *, end=False):
    """A date (the whole day; `end`: up to its end) or an ISO 8601 time; naive = Shanghai."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        if len(value) == 10:
            day = dt.date.fromisoformat(value) + dt.timedelta(days=1 if end else 0)
            return timezone.make_aware(dt.datetime.combine(day, dt.time()))
        if "T" in value and value.count(" ") == 1:  # "+08:00" unescaped in a query string
            value = value.replace(" ", "+")
        at = dt.datetime.fromisoformat(value)
        at = at if timezone.is_aware(at) else timezone.make_aware(at)
        return at.astimezone(dt.UTC)
    except (ValueError, OverflowError):
        errors[field] = "应为日期（YYYY-MM-DD）或 ISO 8601 时间"
        return None


def readings_of(sensor: Sensor, start=None, end=None):
    qs = Reading.objects.filter(sensor=sensor)
    if start:
        qs = qs.filter(at__gte=start)
    if end:
        qs = qs.filter(at__lt=end)
    return qs.order_by("at")


def reading_dict(r: Reading) -> dict:
    return {"at": r.at, "value": r.value, "received_at": r.received_at}


READING_HEADERS = ["设备编号", "监测项目", "测量时间", "读数", "单位", "接收时间"]


def reading_rows(sensor: Sensor, qs):
    label, unit = sensor.spec["label"], sensor.unit
    for at, value, received in qs.values_list("at", "value", "received_at").iterator(
            chunk_size=2000):
        yield [sensor.code, label, _naive(at), value, unit, _naive(received)]


def chart(sensor: Sensor, days: int, now=None) -> dict:
    """The readings of the last `days` days for a line chart, as [epoch ms, value]; when
    there are more than CHART_POINTS, the lowest and highest of each time slice are kept, so
    a spike beyond a threshold still shows."""
    now = now or timezone.now()
    start = now - dt.timedelta(days=days)
    rows = list(readings_of(sensor, start).values_list("at", "value"))
    thinned = len(rows) > CHART_POINTS
    if thinned:
        size = -(-len(rows) * 2 // CHART_POINTS)
        kept = []
        for i in range(0, len(rows), size):
            part = rows[i:i + size]
            pair = {min(part, key=lambda r: r[1]), max(part, key=lambda r: r[1])}
            kept.extend(sorted(pair))
        rows = kept
    spec = sensor.spec
    return {"sensor": sensor.code, "kind": sensor.kind, "label": spec["label"],
            "unit": spec["unit"], "digits": spec["digits"], "low": sensor.low,
            "high": sensor.high, "days": days, "start": int(start.timestamp() * 1000),
            "end": int(now.timestamp() * 1000), "thinned": thinned,
            "points": [[int(at.timestamp() * 1000), v] for at, v in rows]}


def warnings_of(sensor: Sensor, user):
    """The iot warnings of this sensor that `user` may see, newest first."""
    return (visible(RiskWarning, user).filter(kind="iot", key__startswith=f"iot:{sensor.code}:")
            .order_by("-detected_at", "-pk"))


# ---------------------------------------------------------------- rejected messages

def rejected_for(user, filters: dict | None = None):
    """Rejected messages `user` may see: the city all of them, a district those of its
    sensors (a message of an unknown sensor belongs to no district)."""
    filters = filters or {}
    qs = visible(Rejected, user).select_related("sensor")
    if filters.get("reason") in dict(REASONS):
        qs = qs.filter(reason=filters["reason"])
    if filters.get("source") in ("mqtt", "http"):
        qs = qs.filter(source=filters["source"])
    if filters.get("sensor"):
        qs = qs.filter(sensor_code=filters["sensor"])
    return qs.order_by("-received_at", "-pk")


def rejected_dict(r: Rejected) -> dict:
    return {"id": r.pk, "received_at": r.received_at, "source": r.source, "reason": r.reason,
            "sensor_code": r.sensor_code, "sensor": r.sensor_id, "raw": r.raw,
            "detail": r.detail}


def counts_by_reason(qs) -> dict:
    return dict(qs.order_by().values_list("reason").annotate(n=Count("pk")))

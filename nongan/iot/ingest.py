"""Readings in (数据接入), the one path for MQTT and HTTP: messages are parsed into readings,
each judged on its own — a bad one is recorded as `Rejected` (counted, logged) and never
stops the good ones around it — and the good ones stored in one transaction per batch,
with one audit entry for the batch. Then each sensor that got new readings is judged
against its thresholds once (`findings.threshold_findings`).

A reading's time must carry its UTC offset (ISO 8601, e.g. `2026-06-01T08:00:00+08:00`).
A time more than `future_minutes` (10) ahead of the server or `past_days` (7) behind it is
refused as clock skew (`data/kinds.json` says why; NONGAN_IOT_FUTURE_MINUTES /
NONGAN_IOT_PAST_DAYS change them). A reading sent again (same sensor, same time) is a
duplicate: counted, not stored twice, not an error — devices resend after a lost
acknowledgement."""

import datetime as dt
import json
import logging
import math
from collections import Counter
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from nongan.core import audit
from nongan.risk.models import RiskWarning
from nongan.risk.services import issue_or_update

from . import kinds
from .findings import silence_finding, threshold_findings
from .models import Reading, Rejected, Sensor

log = logging.getLogger(__name__)
CITY = "310000000000"
EXCERPT = 500
LOGGED_PER_BATCH = 20  # rejected messages logged one by one; the rest in one summary line
CHUNK = 400  # parameters per IN (...) query, under SQLite's limit


@dataclass
class Message:
    """One reading as it arrived: the sensor's code and the raw `at` and `value`; `reason`
    is set by a parser that could not read it (malformed)."""

    sensor: str
    at: object = None
    value: object = None
    raw: str = ""
    reason: str = ""
    detail: str = ""


@dataclass
class Counts:
    received: int = 0
    stored: int = 0
    duplicates: int = 0
    rejected: Counter = field(default_factory=Counter)  # by reason
    rejections: list = field(default_factory=list)  # (index in the batch, reason, detail)
    warnings: Counter = field(default_factory=Counter)  # issued / updated / unchanged

    def add(self, other: "Counts") -> None:
        self.received += other.received
        self.stored += other.stored
        self.duplicates += other.duplicates
        self.rejected.update(other.rejected)
        self.warnings.update(other.warnings)

    def as_dict(self) -> dict:
        return {"received": self.received, "stored": self.stored,
                "duplicates": self.duplicates, "rejected": dict(self.rejected),
                "warnings": dict(self.warnings)}


# ---------------------------------------------------------------- parsing

def _excerpt(value) -> str:
    if isinstance(value, bytes):
        value = value.decode("utf-8", errors="replace")
    if not isinstance(value, str):
        value = json.dumps(value, ensure_ascii=False, default=str)
    return value[:EXCERPT]


def messages_in(code: str, document, raw) -> list[Message]:
    """The readings of one decoded body: `{"at", "value"}` or `{"readings": [{"at",
    "value"}, …]}`; an item that is not an object is one malformed message."""
    if isinstance(document, dict) and isinstance(document.get("readings"), list):
        items = document["readings"]
    elif isinstance(document, dict) and ("at" in document or "value" in document):
        items = [document]
    else:
        return [Message(code, raw=_excerpt(raw), reason="malformed",
                        detail='应为 {"at", "value"} 或 {"readings": [...]}')]
    found = []
    for item in items:
        if not isinstance(item, dict):
            found.append(Message(code, raw=_excerpt(item), reason="malformed",
                                 detail="读数应为含 at、value 的对象"))
        else:
            found.append(Message(code, item.get("at"), item.get("value"), raw=_excerpt(item)))
    return found


def mqtt_messages(topic: str, payload: bytes, *, prefix: str) -> list[Message]:
    """The readings of one MQTT message on `<prefix><sensor code>` (prefix e.g.
    `nongan/iot/`); a wrong topic or a payload that is not JSON is one malformed message."""
    code = topic[len(prefix):] if topic.startswith(prefix) else ""
    if not code or "/" in code:
        return [Message(topic[:200], raw=_excerpt(payload), reason="malformed",
                        detail=f"主题应为 {prefix}<设备编号>")]
    try:
        document = json.loads(payload.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return [Message(code, raw=_excerpt(payload), reason="malformed",
                        detail="消息不是有效的 UTF-8 JSON")]
    return messages_in(code, document, payload)


# ---------------------------------------------------------------- judging

def _when(value):
    """A timezone-aware datetime, or the reason it is not one."""
    if not isinstance(value, str):
        return None, "at 应为 ISO 8601 时间字符串"
    try:
        at = dt.datetime.fromisoformat(value.strip())
    except ValueError:
        return None, "at 不是有效的 ISO 8601 时间"
    if at.tzinfo is None or at.utcoffset() is None:
        return None, "at 须带时区（如 +08:00）"
    try:
        at.astimezone(dt.UTC)
    except OverflowError:
        return None, "at 超出可表示的时间范围"
    return at, ""


def _number(value) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        value = float(value)
    except OverflowError:  # an integer of 400 digits
        return None
    return value if math.isfinite(value) else None


def _judge(m: Message, sensors: dict, now, limits) -> tuple:
    """(reason, detail, sensor, at, value); reason "" for a good reading."""
    sensor = sensors.get(m.sensor)
    if m.reason:
        return m.reason, m.detail, sensor, None, None
    if sensor is None:
        return "unknown_sensor", "设备编号未登记", None, None, None
    if not sensor.active:
        return "inactive_sensor", "设备已停用", sensor, None, None
    at, problem = _when(m.at)
    if problem:
        return "malformed", problem, sensor, None, None
    value = _number(m.value)
    if value is None:
        return "malformed", "value 应为数值", sensor, None, None
    lo, hi = sensor.spec["physical"]
    if not lo <= value <= hi:
        return ("impossible_value", f"读数 {value} 超出物理范围 {lo}–{hi}{sensor.unit}",
                sensor, None, None)
    future, past = limits
    if at > now + dt.timedelta(minutes=future):
        ahead = int((at - now).total_seconds() // 60)
        return "clock_skew", f"测量时间比服务器时间晚 {ahead} 分钟", sensor, None, None
    if at < now - dt.timedelta(days=past):
        behind = (now - at).days
        return "clock_skew", f"测量时间早于服务器时间 {behind} 天", sensor, None, None
    return "", "", sensor, at, value


def _existing(keys) -> set:
    """Which (sensor id, time) pairs are stored already."""
    found, keys = set(), list(keys)
    sensor_ids = {s for s, _ in keys}
    for start in range(0, len(keys), CHUNK):
        times = {at for _, at in keys[start:start + CHUNK]}
        found.update(Reading.objects.filter(sensor_id__in=sensor_ids, at__in=times)
                     .values_list("sensor_id", "at"))
    return found & set(keys)


def _log(source: str, rejected: list) -> None:
    for _, m, reason, detail, _ in rejected[:LOGGED_PER_BATCH]:
        log.warning("iot %s: rejected %s (sensor %r): %s | %s", source, reason, m.sensor[:64],
                    detail, (m.raw or f"at={m.at!r} value={m.value!r}")[:200])
    if len(rejected) > LOGGED_PER_BATCH:
        log.warning("iot %s: %d more rejected in this batch: %s", source,
                    len(rejected) - LOGGED_PER_BATCH,
                    dict(Counter(r[2] for r in rejected[LOGGED_PER_BATCH:])))


def ingest(messages: list[Message], *, source: str, now=None) -> Counts:
    """Store the good readings of a batch, record the bad ones, audit the batch once, then
    judge each sensor with new readings against its thresholds once. Never raises for a
    bad message; answers the counts (and each rejected message's index)."""
    now = now or timezone.now()
    counts = Counts(received=len(messages))
    codes = {m.sensor for m in messages if m.sensor}
    sensors = {}
    for start in range(0, len(codes), CHUNK):
        chunk = list(codes)[start:start + CHUNK]
        sensors.update((s.code, s) for s in Sensor.objects.filter(code__in=chunk)
                       .select_related("producer", "plot"))
    good, rejected, limits = {}, [], kinds.clock_limits()
    for index, m in enumerate(messages):
        reason, detail, sensor, at, value = _judge(m, sensors, now, limits)
        if reason:
            rejected.append((index, m, reason, detail, sensor))
        elif (sensor.pk, at) in good:
            counts.duplicates += 1
        else:
            good[(sensor.pk, at)] = Reading(sensor=sensor, at=at, value=value, received_at=now)
    for index, _, reason, detail, _ in rejected:
        counts.rejected[reason] += 1
        counts.rejections.append((index, reason, detail))
    with transaction.atomic():
        stored = _store(good, counts)
        _record_rejected(rejected, source, now)
        touched = _update_sensors(stored)
        if stored or rejected:
            _audit(source, counts, sensors, stored, rejected)
    _log(source, rejected)
    for sensor, readings in touched.items():
        try:
            for finding in threshold_findings(sensor, readings):
                counts.warnings[issue_or_update(finding, now=now)[1]] += 1
        except Exception:  # a failed judgement leaves the readings stored; next batch retries
            log.exception("iot: judging sensor %s failed", sensor.code)
    return counts


def _store(good: dict, counts: Counts) -> list[Reading]:
    existing = _existing(good) if good else set()
    new = [r for key, r in good.items() if key not in existing]
    counts.duplicates += len(good) - len(new)
    # ignore_conflicts: a reading stored by another consumer between our check and now
    Reading.objects.bulk_create(new, ignore_conflicts=True, batch_size=500)
    counts.stored += len(new)
    return new


def _record_rejected(rejected: list, source: str, now) -> None:
    Rejected.objects.bulk_create([
        Rejected(received_at=now, source=source, reason=reason, sensor_code=m.sensor[:200],
                 sensor=sensor, raw=(m.raw or _excerpt({"at": m.at, "value": m.value}))[:EXCERPT],
                 detail=detail[:300])
        for _, m, reason, detail, sensor in rejected], batch_size=500)


def _update_sensors(stored: list[Reading]) -> dict:
    """Each sensor's latest reading moves its last value and the time its next is due."""
    by_sensor = {}
    for r in stored:
        by_sensor.setdefault(r.sensor, []).append(r)
    for sensor, rows in by_sensor.items():
        latest = max(rows, key=lambda r: r.at)
        if sensor.last_reading_at is None or latest.at > sensor.last_reading_at:
            Sensor.objects.filter(pk=sensor.pk).exclude(last_reading_at__gte=latest.at).update(
                last_reading_at=latest.at, last_value=latest.value,
                expected_by=latest.at + dt.timedelta(minutes=sensor.silence_minutes))
            sensor.last_reading_at, sensor.last_value = latest.at, latest.value
    return {sensor: {r.at: r.value for r in rows} for sensor, rows in by_sensor.items()}


def _audit(source: str, counts: Counts, sensors: dict, stored: list, rejected: list) -> None:
    districts = {r.sensor.district_id for r in stored} | {
        s.district_id for *_, s in rejected if s is not None}
    region = districts.pop() if len(districts) == 1 else CITY
    codes = sorted({r.sensor.code for r in stored})
    audit.record("iot.ingest", actor=None, object_type="iot.batch", object_id=source,
                 region_code=region,
                 after={"source": source, "received": counts.received, "stored": len(stored),
                        "duplicates": counts.duplicates, "rejected": dict(counts.rejected),
                        "sensors": codes[:50], "sensor_count": len(codes)})


# ---------------------------------------------------------------- silence

def check_silence(now=None) -> Counter:
    """Issue a blue warning for every active sensor past its silence limit; answers the
    outcomes. A warning whose figures are unchanged is skipped without a write."""
    now = now or timezone.now()
    outcomes = Counter()
    silent = list(Sensor.objects.filter(active=True, expected_by__lt=now)
                  .select_related("producer", "plot").order_by("pk"))
    findings = [silence_finding(s) for s in silent]
    open_figures = dict(RiskWarning.objects.filter(key__in=[f.key for f in findings])
                        .exclude(status="closed").values_list("key", "figures"))
    for finding in findings:
        if open_figures.get(finding.key) == json.loads(json.dumps(finding.figures)):
            outcomes["unchanged"] += 1
            continue
        try:
            outcomes[issue_or_update(finding, now=now)[1]] += 1
        except Exception:
            log.exception("iot: silence warning %s failed", finding.key)
    return outcomes


@transaction.atomic
def prune_rejected(now=None, *, keep_days: int = 90) -> int:
    """Drop rejected messages older than `keep_days` (a broken device can send thousands a
    day; they are diagnostics, not records of supervision). One audit entry."""
    now = now or timezone.now()
    deleted, _ = Rejected.objects.filter(received_at__lt=now - dt.timedelta(days=keep_days)) \
        .delete()
    if deleted:
        audit.record("iot.rejected.prune", actor=None, object_type="iot.rejected",
                     object_id="", region_code=CITY,
                     after={"deleted": deleted, "keep_days": keep_days})
    return deleted

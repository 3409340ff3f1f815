"""Sensor findings (物联网监测预警), before they become warnings through the risk module's
lifecycle (`nongan.risk.services.issue_or_update`); nothing here writes.

Thresholds (`iot:<code>:high` / `iot:<code>:low`), judged once per batch over the readings
the batch stored and the run they belong to:
- yellow: at least one new reading beyond the sensor's threshold on that side;
- orange: a new reading beyond the threshold by more than the kind's `margin`
  (dissolved oxygen: below 5 − 2 = 3 mg/L, the floor GB 11607-89 sets for any time), or
  `orange_after_readings` (6) consecutive readings beyond it (a lasting excursion, not a
  spike: an hour at a 10-minute interval).
A warning's level only rises; a new batch out of range updates the open warning.

Silence (`iot:<code>:silent`, blue): an active sensor with no reading for longer than its
silence limit. Its figures stay the same while it stays silent, so the check every minute
changes nothing until a reading arrives or the sensor goes silent again."""

from django.utils import timezone

from nongan.risk.findings import Finding

from . import kinds
from .models import Reading, Sensor

SIDES = {"high": "高于上限", "low": "低于下限"}


def _local(at) -> str:
    return timezone.localtime(at).strftime("%Y-%m-%d %H:%M")


def _fmt(value, spec) -> str:
    return f"{value:.{spec['digits']}f}{spec['unit']}"


def _where(sensor: Sensor) -> str:
    plot = f"地块 {sensor.plot.plot_no}" if sensor.plot_id else ""
    place = "，".join(p for p in (sensor.name, plot) if p)
    return f"{sensor.producer.name}" + (f"（{place}）" if place else "")


def _base(sensor: Sensor, key: str, level: str, text: str, figures: dict) -> Finding:
    return Finding(key=key, kind="iot", level=level, region=sensor.village_id,
                   district=sensor.district_id, town=sensor.town_id, explanation=text,
                   figures=figures, producer=sensor.producer_id,
                   districts=(sensor.district_id,), towns=(sensor.town_id,))


def _sequence(sensor: Sensor, new: set) -> list[tuple]:
    """The readings from the earliest new one on, after the `orange_after − 1` before it:
    every run of consecutive readings that contains a new reading."""
    first = min(new)
    before = (Reading.objects.filter(sensor=sensor, at__lt=first).order_by("-at")
              .values_list("at", "value")[:max(0, kinds.orange_after() - 1)])
    after = (Reading.objects.filter(sensor=sensor, at__gte=first).order_by("at")
             .values_list("at", "value"))
    return [*reversed(list(before)), *after]


def _excursion(sensor: Sensor, rows: list[tuple], new: set, side: str) -> dict | None:
    """The new readings beyond the threshold on `side`: how many, the worst, the latest,
    and the longest run of consecutive readings beyond it that holds a new one."""
    out = [(at, v) for at, v in rows if at in new and sensor.out_of_range(v) == side]
    if not out:
        return None
    longest, run, run_has_new = 0, 0, False
    for at, v in rows:
        if sensor.out_of_range(v) == side:
            run, run_has_new = run + 1, run_has_new or at in new
            if run_has_new:
                longest = max(longest, run)
        else:
            run, run_has_new = 0, False
    sign = 1 if side == "high" else -1  # the farthest value; of equal ones the latest
    worst_at, worst = max(out, key=lambda r: (sign * r[1], r[0]))
    return {"count": len(out), "worst": worst, "worst_at": worst_at,
            "latest_at": max(at for at, _ in out), "run": longest}


def threshold_findings(sensor: Sensor, new: dict) -> list[Finding]:
    """Findings for the readings a batch stored for `sensor` (`{time: value}`). When none of
    them is out of range there is nothing to find, and the runs around them (two queries
    a sensor) are not read: most batches of a healthy site end here."""
    if not any(sensor.out_of_range(v) for v in new.values()):
        return []
    rows = _sequence(sensor, set(new))
    spec, found = sensor.spec, []
    for side, words in SIDES.items():
        x = _excursion(sensor, rows, new, side)
        if x is None:
            continue
        threshold = sensor.high if side == "high" else sensor.low
        beyond = (x["worst"] - threshold) if side == "high" else (threshold - x["worst"])
        far, lasting = beyond > spec["margin"], x["run"] >= kinds.orange_after()
        default = threshold == spec[side]
        figures = {"sensor": sensor.code, "kind": sensor.kind, "side": side,
                   "threshold": threshold, "margin": spec["margin"], "unit": spec["unit"],
                   "worst": round(x["worst"], 4), "worst_at": x["worst_at"].isoformat(),
                   "latest_at": x["latest_at"].isoformat(), "count": x["count"],
                   "run": x["run"], "orange_after": kinds.orange_after(),
                   "plot": sensor.plot.plot_no if sensor.plot_id else None}
        limit = "上限" if side == "high" else "下限"
        text = (f"{_where(sensor)}的{spec['label']}传感器 {sensor.code} 读数{words}："
                f"{_local(x['worst_at'])} 读数 {_fmt(x['worst'], spec)}，{limit} "
                f"{_fmt(threshold, spec)}"
                + (f"（{spec['source']}）" if default else "（本设备自定阈值）")
                + f"；本批 {x['count']} 次超限，最近一次 {_local(x['latest_at'])}")
        if x["run"] > 1:
            text += f"，连续 {x['run']} 次超限"
        if far:
            text += f"；超出{limit} {_fmt(spec['margin'], spec)} 以上，定为橙色"
        elif lasting:
            text += f"；连续 {kinds.orange_after()} 次以上超限，定为橙色"
        text += "。"
        found.append(_base(sensor, f"iot:{sensor.code}:{side}",
                           "orange" if far or lasting else "yellow", text, figures))
    return found


def silence_finding(sensor: Sensor) -> Finding:
    spec = sensor.spec
    since = sensor.last_reading_at
    figures = {"sensor": sensor.code, "kind": sensor.kind,
               "last_reading_at": since.isoformat() if since else None,
               "silence_minutes": sensor.silence_minutes,
               "expected_by": sensor.expected_by.isoformat(),
               "plot": sensor.plot.plot_no if sensor.plot_id else None}
    if since:
        text = (f"{_where(sensor)}的{spec['label']}传感器 {sensor.code} 自 {_local(since)} "
                f"起无读数，超过离线判定时长 {sensor.silence_minutes} 分钟（应于 "
                f"{_local(sensor.expected_by)} 前上报）。请核实设备供电、网络或是否已拆除；"
                f"已拆除的设备请停用。")
    else:
        text = (f"{_where(sensor)}的{spec['label']}传感器 {sensor.code} 自 "
                f"{_local(sensor.created_at)} 登记以来从未上报读数，已超过离线判定时长 "
                f"{sensor.silence_minutes} 分钟。请核实设备是否安装并接入。")
    return _base(sensor, f"iot:{sensor.code}:silent", "blue", text, figures)

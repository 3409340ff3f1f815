"""Kulldorff's Bernoulli spatial scan (区域性风险) over the locations of a CSV file with the
columns location,lon,lat,cases,total (cases: non-compliant samples; total: all samples).
Prints the most likely cluster as JSON — members (the centre first, then by distance), llr,
p_value, center, radius_km, cases, total, expected, rate_inside, rate_outside,
replications — or {"members": [], "llr": 0, "p_value": 1} when no window's rate is above
the rest's."""

import csv
import json
import math
from pathlib import Path

from django.core.management.base import CommandError

from nongan.risk.methods.spatial import Location, bernoulli_scan

COLUMNS = ("location", "lon", "lat", "cases", "total")


def add_arguments(parser) -> None:
    parser.add_argument("locations", type=Path, help="CSV: location,lon,lat,cases,total")
    parser.add_argument("--model", choices=["bernoulli"], default="bernoulli",
                        help="probability model (bernoulli: non-compliant vs compliant)")
    parser.add_argument("--replications", type=int, default=999,
                        help="Monte-Carlo replications for the p-value (default 999)")
    parser.add_argument("--random-seed", type=int, default=None, dest="random_seed",
                        help="seed of the replications, for a reproducible p-value")


def run(options, stdout) -> None:
    if options["replications"] < 0:
        raise CommandError("--replications 须为非负整数")
    if options["random_seed"] is not None and options["random_seed"] < 0:
        raise CommandError("--random-seed 须为非负整数")
    cluster = bernoulli_scan(read_locations(options["locations"]),
                             replications=options["replications"],
                             random_seed=options["random_seed"])
    if cluster is None:
        answer = {"members": [], "llr": 0, "p_value": 1}
    else:
        answer = {name: getattr(cluster, name) for name in (
            "members", "llr", "p_value", "center", "radius_km", "cases", "total", "expected",
            "rate_inside", "rate_outside", "replications")}
    stdout.write(json.dumps(answer, ensure_ascii=False))


def read_locations(path: Path) -> list[Location]:
    """The file's rows as Locations; CommandError naming the line and field of a bad one."""
    try:
        with Path(path).open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            missing = [name for name in COLUMNS if name not in (reader.fieldnames or [])]
            if missing:
                raise CommandError(f"{path}：第 1 行缺少列 {'、'.join(missing)}"
                                   f"（表头应为 {','.join(COLUMNS)}）")
            locations, first_seen = [], {}
            for row in reader:
                location = _location(row, reader.line_num, first_seen)
                first_seen[location.id] = reader.line_num
                locations.append(location)
    except FileNotFoundError:
        raise CommandError(f"{path}：文件不存在") from None
    except UnicodeDecodeError:
        raise CommandError(f"{path}：文件须为 UTF-8 编码") from None
    if not locations:
        raise CommandError(f"{path}：没有数据行")
    return locations


def _location(row: dict, line: int, first_seen: dict) -> Location:
    def fail(field, reason):
        raise CommandError(f"第 {line} 行 {field}：{reason}")

    def text(field):
        return (row.get(field) or "").strip()

    def number(field, low, high, name):
        raw = text(field)
        try:
            value = float(raw)
        except ValueError:
            fail(field, f"“{raw}”不是数字")
        if not math.isfinite(value) or not low <= value <= high:
            fail(field, f"{name}须在 {low} 至 {high} 之间（收到 {raw}）")
        return value

    def count(field, name):
        raw = text(field)
        if not (raw.isascii() and raw.isdigit()):
            fail(field, f"{name}须为非负整数（收到“{raw}”）")
        return int(raw)

    identifier = text("location")
    if not identifier:
        fail("location", "地点不能为空")
    if identifier in first_seen:
        fail("location", f"地点“{identifier}”与第 {first_seen[identifier]} 行重复")
    lon = number("lon", -180, 180, "经度")
    lat = number("lat", -90, 90, "纬度")
    cases, total = count("cases", "不合格样品数"), count("total", "样品总数")
    if cases > total:
        fail("cases", f"不合格样品数（{cases}）大于样品总数（{total}）")
    return Location(identifier, lon, lat, cases, total)

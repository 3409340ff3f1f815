"""Run a temporal detector on one monthly series (CSV period,count,total; total optional).

Prints CSV period,observed,upper,alarm for every period with b years (default 3) and the
window of history before it — with --method ears too, so the two can be compared. `upper`
has 6 decimals (empty where the Farrington fit did not converge); `alarm` is 1 or 0.
Without a total column the Farrington fit has no sample-count offset; EARS always works on
the counts. Farrington keeps R's limit54 rule: `upper` is printed even when fewer than 5
cases in the last 4 months hold the alarm back (R prints NA there).
"""

import argparse
import csv
import math
import re
from pathlib import Path

from django.core.management.base import CommandError

from nongan.risk.methods.temporal import ears, farrington_flexible, first_farrington_index

PERIOD = re.compile(r"(\d{4})-(0[1-9]|1[0-2])")
INTEGER = re.compile(r"\d+")
COLUMNS = ("period", "count", "total")
HEADER = "period,count,total"


def _positive_int(text):
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _non_negative_int(text):
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError("must not be negative")
    return value


def _probability(text):
    value = float(text)
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError("must lie between 0 and 1")
    return value


def add_arguments(parser):
    parser.add_argument("series", help="CSV file with the header period,count[,total]")
    parser.add_argument("--method", choices=("farrington", "ears"), default="farrington")
    parser.add_argument("--b", type=_positive_int, default=3, help="years of history (3)")
    parser.add_argument("--w", type=_non_negative_int, default=3, help="half-window (3)")
    parser.add_argument(
        "--alpha", type=_probability, default=None,
        help="Farrington: 0.05; EARS C1/C2: 0.001 (C3 alarms above 2, as CDC defines it)",
    )
    parser.add_argument("--variant", choices=("C1", "C2", "C3"), default="C3", help="EARS")


def _month(text):
    match = PERIOD.fullmatch(text)
    return int(match[1]) * 12 + int(match[2]) - 1 if match else None


def _label(month):
    return f"{month // 12:04d}-{month % 12 + 1:02d}"


def read_series(path):
    """(periods, counts, totals or None) from the CSV, each row checked (CommandError)."""
    try:
        with Path(path).open(encoding="utf-8-sig", newline="") as handle:
            rows = list(csv.reader(handle))
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise CommandError(f"无法读取文件 {path}：{error}") from error
    if not rows or not any(cell.strip() for cell in rows[0]):
        raise CommandError(f"文件为空：第 1 行应为表头 {HEADER}")
    header = [name.strip() for name in rows[0]]
    if header not in (list(COLUMNS[:2]), list(COLUMNS)):
        raise CommandError(f"第 1 行（表头）应为 {HEADER}（total 列可省略），实际为 {','.join(header)}")
    has_total = len(header) == 3
    periods, counts, totals = [], [], []
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            raise CommandError(f"第 {line} 行：应有 {len(header)} 个字段，实际 {len(row)} 个")
        cells = dict(zip(header, (cell.strip() for cell in row), strict=True))
        month = _month(cells["period"])
        if month is None:
            raise CommandError(f"第 {line} 行 period 字段：“{cells['period']}” 不是 YYYY-MM 格式的月份")
        if periods and month != periods[-1] + 1:
            expected = _label(periods[-1] + 1)
            problem = "与上一行重复" if month == periods[-1] else f"不连续，应为 {expected}"
            raise CommandError(f"第 {line} 行 period 字段：{cells['period']} {problem}")
        for name in header[1:]:
            if not INTEGER.fullmatch(cells[name]):
                raise CommandError(f"第 {line} 行 {name} 字段：“{cells[name]}” 不是非负整数")
        count = int(cells["count"])
        if has_total:
            total = int(cells["total"])
            if total < count:
                raise CommandError(
                    f"第 {line} 行 total 字段：样本数 {total} 小于不合格数 {count}"
                )
            totals.append(total)
        periods.append(month)
        counts.append(count)
    if not periods:
        raise CommandError("文件没有数据行：表头之后每行一个月份")
    return [_label(m) for m in periods], counts, totals if has_total else None


def run(options, stdout):
    periods, counts, totals = read_series(options["series"])
    b, w = options["b"], options["w"]
    start = first_farrington_index(b=b, w=w)
    indices = range(start, len(counts))
    if not indices:
        found = []
    elif options["method"] == "farrington":
        alpha = options["alpha"] or 0.05
        found = farrington_flexible(counts, totals, b=b, w=w, alpha=alpha, indices=indices)
    else:
        alpha = options["alpha"] or 0.001
        found = ears(counts, method=options["variant"], alpha=alpha, indices=indices)
    lines = ["period,observed,upper,alarm"]
    for d in found:
        upper = f"{d.upper:.6f}" if math.isfinite(d.upper) else ""
        lines.append(f"{periods[d.index]},{d.observed},{upper},{int(d.alarm)}")
    stdout.write("\n".join(lines) + "\n")

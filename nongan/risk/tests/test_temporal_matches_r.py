"""The Farrington detector matches R's surveillance::farringtonFlexible (the reference).

20 synthetic monthly series (seeded): seasonal negative-binomial non-compliance counts with
their sample counts, some sparse (limit54 and all-zero baselines), some with planted
outbreaks. R runs tests/r/farrington.R on all of them (b = 3, otherwise its defaults, totals
as the population offset); ours runs through `nongan risk detect`. Alarms must agree on at
least 95 % of the periods, and upper thresholds within 5 % where R reports one (it reports
NA where limit54 is not met) and it is at least UPPER_FLOOR: below a hundredth of a case a
relative difference is the CLI's 6-decimal rounding, not the method (an all-zero baseline
gives thresholds near 0.002). In practice they agree to rounding.
"""

import csv
import io
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from django.core.management.base import CommandParser

from nongan.risk import cli_detect

SCRIPT = Path(__file__).parent / "r" / "farrington.R"
SERIES, MONTHS = 20, 60
UPPER_FLOOR = 0.01


def require_r():
    if not shutil.which("Rscript"):
        pytest.skip("Rscript is not installed")
    check = subprocess.run(["Rscript", "-e", "library(surveillance)"], capture_output=True)
    if check.returncode != 0:
        pytest.skip("R's surveillance package is not installed")


def synthetic(i: int, rng) -> tuple[np.ndarray, np.ndarray]:
    months = np.arange(MONTHS)
    season = np.cos(2 * np.pi * (months % 12 - 6) / 12)
    totals = np.maximum(1, rng.poisson(rng.uniform(10, 80) * (1 + 0.3 * season)))
    rate = rng.uniform(0.02, 0.08) * np.exp(0.4 * season)
    if i % 6 == 5:
        rate *= np.exp(rng.choice([-1, 1]) * 0.02 * months)  # a trend
    mean = totals * rate
    counts = rng.negative_binomial(5, 5 / (5 + mean))
    if i % 8 == 3:
        counts[:36] = 0  # a long clean stretch, then cases
    if i % 4 == 0:
        start = rng.integers(40, MONTHS - 2)
        counts[start:start + rng.integers(1, 4)] += rng.integers(3, 12)
    return np.minimum(counts, totals), totals


def periods() -> list[str]:
    return [f"{2019 + m // 12}-{m % 12 + 1:02d}" for m in range(MONTHS)]


def ours(path: Path) -> list[dict]:
    parser = CommandParser(called_from_command_line=False)
    cli_detect.add_arguments(parser)
    out = io.StringIO()
    cli_detect.run(vars(parser.parse_args([str(path), "--method", "farrington"])), out)
    return list(csv.DictReader(io.StringIO(out.getvalue())))


def test_alarms_and_thresholds_match_r(tmp_path):
    require_r()
    rng = np.random.default_rng(20240607)
    combined = tmp_path / "all.csv"
    mine = {}
    with combined.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["series", "period", "count", "total"])
        for i in range(SERIES):
            counts, totals = synthetic(i, rng)
            single = tmp_path / f"s{i:02d}.csv"
            single.write_text("period,count,total\n" + "".join(
                f"{p},{c},{t}\n" for p, c, t in zip(periods(), counts, totals, strict=True)))
            for p, c, t in zip(periods(), counts, totals, strict=True):
                writer.writerow([f"s{i:02d}", p, c, t])
            for row in ours(single):
                mine[(f"s{i:02d}", row["period"])] = row
    out = tmp_path / "r.csv"
    subprocess.run(["Rscript", str(SCRIPT), str(combined), str(out), "3", "3"], check=True,
                   capture_output=True)
    with out.open() as handle:
        reference = {(r["series"], r["period"]): r for r in csv.DictReader(handle)}

    assert set(reference) == set(mine)  # the same periods: from the 40th month on
    assert len(mine) == SERIES * (MONTHS - 39)
    agree = sum(mine[key]["alarm"] == reference[key]["alarm"] for key in reference)
    assert agree / len(reference) >= 0.95
    deviations = [
        abs(float(mine[key]["upper"]) - float(r["upper"])) / float(r["upper"])
        for key, r in reference.items()
        if r["upper"] != "NA" and float(r["upper"]) >= UPPER_FLOOR
    ]
    assert len(deviations) > len(reference) / 2 and max(deviations) <= 0.05
    assert sum(r["alarm"] == "1" for r in reference.values()) >= 10  # alarms were tested
    assert any(r["upper"] == "NA" for r in reference.values())  # and limit54

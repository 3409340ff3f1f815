"""Detection quality of the temporal detectors on synthetic series with planted outbreaks.

Not part of `make test`. Each series is a district × category × pesticide at realistic
rates (METHODS.md "What real programmes see"): 10–80 samples a month (level drawn per
series, more sampling in the growing season), 2–5 % non-compliant with a summer peak and
month-to-month extra-binomial variation. Clean series give the false-alarm rate; outbreak
series multiply the rate by 2, 3 or 5 for 1–3 months, starting inside the evaluated
months. Every method is evaluated on the same months: those with three years and the
window of history before them (months 40–72 of six years).

Reported per method: sensitivity (outbreaks with an alarm in one of their months), mean
delay to the first such alarm (months; 0 = in the first outbreak month), false alarms per
100 series-months on the clean series. Farrington uses the sample counts as offset; EARS
works on the counts. Besides the CDC definitions (σ may be 0), the last row is EARS C3 as
the nightly run configures it (minSigma 0.5 and the limit54 rule).

    .venv/bin/python bench/validate_temporal.py [--series 300] [--seed 7]
"""

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from nongan.risk.methods.temporal import (  # noqa: E402
    ears,
    farrington_flexible,
    first_farrington_index,
)

MONTHS = 72
FIRST = first_farrington_index()  # 39: the first evaluated month (0-based)
MULTIPLIERS = (2, 3, 5)
DURATIONS = (1, 2, 3)
LEVELS = ((10, 30), (30, 55), (55, 80))  # bands of samples a month for the third table
METHODS = ("farrington", "ears-c1", "ears-c2", "ears-c3", "ears-c3 (σ ≥ 0.5, limit54)")


def simulate(rng, outbreak=None, level=None):
    """(counts, totals) of one series; outbreak = (start, months, multiplier) or None;
    level = mean samples a month (drawn from 10–80 when None)."""
    months = np.arange(MONTHS)
    season = np.cos(2 * np.pi * (months % 12 - 6) / 12)  # peak in July
    level = rng.uniform(10, 80) if level is None else level
    totals = rng.poisson(level * (1 + 0.25 * season))
    rate = rng.uniform(0.02, 0.05) * np.exp(0.3 * season) * rng.gamma(10, 0.1, MONTHS)
    if outbreak:
        start, length, multiplier = outbreak
        rate[start:start + length] *= multiplier
    return rng.binomial(totals, np.minimum(rate, 1.0)), totals


def alarms(method, counts, totals):
    """Alarm flags at the evaluated months FIRST..MONTHS-1."""
    indices = range(FIRST, MONTHS)
    if method == "farrington":
        found = farrington_flexible(counts, totals, indices=indices)
    elif method.startswith("ears-c3 ("):
        found = ears(counts, method="C3", min_sigma=0.5, indices=indices)
        recent = np.convolve(counts, np.ones(4, dtype=int))[:MONTHS]  # last 4 months' cases
        return np.array([d.alarm and recent[d.index] >= 5 for d in found])
    else:
        found = ears(counts, method=method[-2:].upper(), indices=indices)
    return np.array([d.alarm for d in found])


def run(n_series, seed):
    rng = np.random.default_rng(seed)
    evaluated = MONTHS - FIRST
    false_alarms = dict.fromkeys(METHODS, 0)
    for _ in range(n_series * len(MULTIPLIERS)):  # as many clean series as outbreak ones
        counts, totals = simulate(rng)
        for method in METHODS:
            false_alarms[method] += int(alarms(method, counts, totals).sum())
    clean_months = n_series * len(MULTIPLIERS) * evaluated

    hits = {(m, x, d): [] for m in METHODS for x in MULTIPLIERS for d in DURATIONS}
    by_level = {(m, band): [] for m in METHODS for band in LEVELS}
    for multiplier in MULTIPLIERS:
        for length in DURATIONS:
            for _ in range(n_series // len(DURATIONS)):
                start = int(rng.integers(FIRST, MONTHS - length + 1))
                level = rng.uniform(10, 80)
                band = next(b for b in LEVELS if b[0] <= level <= b[1])
                counts, totals = simulate(rng, (start, length, multiplier), level)
                for method in METHODS:
                    during = np.flatnonzero(
                        alarms(method, counts, totals)[start - FIRST:start - FIRST + length])
                    delay = int(during[0]) if during.size else None
                    hits[(method, multiplier, length)].append(delay)
                    by_level[(method, band)].append(delay)
    return false_alarms, clean_months, hits, by_level


def summary(found):
    detected = [delay for delay in found if delay is not None]
    sensitivity = len(detected) / len(found)
    delay = f"{np.mean(detected):.2f}" if detected else "–"
    return sensitivity, delay


def latest_month_time(seed):
    """Median time of one series' latest month (Farrington), in milliseconds."""
    rng = np.random.default_rng(seed)
    times = []
    for _ in range(200):
        counts, totals = simulate(rng)
        started = time.perf_counter()
        farrington_flexible(counts, totals, indices=[MONTHS - 1])
        times.append(time.perf_counter() - started)
    return 1000 * float(np.median(times))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", type=int, default=300,
                        help="outbreak series per multiplier (split over the durations)")
    parser.add_argument("--seed", type=int, default=7)
    options = parser.parse_args()
    started = time.perf_counter()
    false_alarms, clean_months, hits, by_level = run(options.series, options.seed)

    print(f"Seed {options.seed}; {options.series * len(MULTIPLIERS)} clean series and "
          f"{options.series // len(DURATIONS) * len(DURATIONS)} outbreak series per "
          f"multiplier; months {FIRST + 1}–{MONTHS} of {MONTHS} evaluated.\n")
    head = " | ".join([f"sensitivity ×{x}" for x in MULTIPLIERS]
                      + [f"delay ×{x}" for x in MULTIPLIERS])
    print(f"| method | false alarms / 100 series-months | {head} |")
    print("|---|---:|" + "---:|" * (2 * len(MULTIPLIERS)))
    for method in METHODS:
        cells = [summary(sum((hits[(method, x, d)] for d in DURATIONS), []))
                 for x in MULTIPLIERS]
        rate = 100 * false_alarms[method] / clean_months
        print(f"| {method} | {rate:.2f} | "
              + " | ".join(f"{s:.0%}" for s, _ in cells) + " | "
              + " | ".join(d for _, d in cells) + " |")

    print("\nSensitivity by outbreak length (months) and multiplier:\n")
    columns = [(x, d) for x in MULTIPLIERS for d in DURATIONS]
    print("| method | " + " | ".join(f"×{x}, {d} mo" for x, d in columns) + " |")
    print("|---|" + "---:|" * len(columns))
    for method in METHODS:
        print(f"| {method} | " + " | ".join(
            f"{summary(hits[(method, x, d)])[0]:.0%}" for x, d in columns) + " |")
    print("\nSensitivity (all outbreaks) by the series' samples a month:\n")
    print("| method | " + " | ".join(f"{lo}–{hi}" for lo, hi in LEVELS) + " |")
    print("|---|" + "---:|" * len(LEVELS))
    for method in METHODS:
        print(f"| {method} | " + " | ".join(
            f"{summary(by_level[(method, band)])[0]:.0%}" for band in LEVELS) + " |")
    print(f"\nFarrington, one series' latest month: {latest_month_time(options.seed):.2f} ms "
          f"(median); whole run {time.perf_counter() - started:.0f} s.")


if __name__ == "__main__":
    main()

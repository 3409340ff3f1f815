"""Detection quality of the spatial scan and the small-count producer flags (issue 7).

Not part of `make test`: plants clusters and bad producers of known size into seeded
synthetic data and reports, per method, sensitivity, false alarms and the delay to
detection, as Markdown tables (pasted into docs/risk-validation.md).

Spatial scan — a fixed map of 200 towns at random in Shanghai's box (lon 120.9–121.9,
lat 30.7–31.9) with 20–200 samples a year each and 3 % non-compliance:
  * a year's samples: 1–5 neighbouring towns (a random town and its nearest neighbours)
    at 2, 3 or 5 times the rate; found = p < 0.05 and the cluster shares a planted town;
  * month by month: the same outbreak from January, the scan run on the year's samples so
    far at the end of each month; delay = months until found;
  * maps without a cluster for the false alarms (per 100 maps, per 100 map-months), and
    many more with fewer replications to check that the p-value is exact.
Producers — 1000 producers with 1–12 samples a year spread over the months, rates 2–3 %,
one in twenty "bad" at 20 % (and, for near misses — a residue above half its limit —
8 % against 45 %); each month the prior is refitted on the year so far and producers with
P(rate > pooled rate) ≥ 0.95 flagged; delay = the producer's samples until first flagged.

    .venv/bin/python bench/validate_spatial.py [--maps 100] [--null-maps 500]
        [--size-maps 1500] [--monthly-maps 50] [--replications 999] [--populations 20]
        [--jobs 2] [--seed 2026] [--skip timing snapshot size monthly producers]
"""

import argparse
import statistics
import time
from concurrent.futures import ProcessPoolExecutor

import numpy as np
from scipy import stats

from nongan.risk.methods.smallcounts import fit_beta, flagged
from nongan.risk.methods.spatial import Location, bernoulli_scan, great_circle_km

TOWNS = 200
RATE = 0.03
RELATIVE_RISKS = (2, 3, 5)
CLUSTER_SIZES = (1, 2, 3, 5)
MONTHLY_SIZE = 3
PRODUCERS = 1000
BAD_SHARE = 0.05
FAILURE = {"normal": (0.02, 0.03), "bad": 0.20}
NEAR = {"normal": 0.08, "bad": 0.45}  # share of samples with a residue above half its limit
# Flagging rules compared: (counted samples, P(rate > pooled rate) needed, label).
RULES = {
    "failures": ("failures", 0.95, "failures, P ≥ 0.95 (bad 20 %, normal 2–3 %)"),
    "failures_90": ("failures", 0.90, "failures, P ≥ 0.90"),
    "near": ("near", 0.95, "above half the limit, P ≥ 0.95 (bad 45 %, normal 8 %)"),
}


def layout(seed):
    """The fixed map: town coordinates and their yearly samples."""
    rng = np.random.default_rng([seed, 0])
    return (rng.uniform(120.9, 121.9, TOWNS), rng.uniform(30.7, 31.9, TOWNS),
            rng.integers(20, 201, TOWNS))


def planted_towns(rng, lon, lat, size):
    if size == 0:
        return np.array([], dtype=int)
    centre = rng.integers(TOWNS)
    return np.argsort(great_circle_km(lon[centre], lat[centre], lon, lat), kind="stable")[:size]


def scan(lon, lat, cases, totals, replications, seed):
    towns = [Location(f"T{i}", float(lon[i]), float(lat[i]), int(cases[i]), int(totals[i]))
             for i in range(TOWNS)]
    return bernoulli_scan(towns, replications=replications, random_seed=seed)


def found(cluster, planted):
    """(significant anywhere, significant and overlapping, recall, precision, p-value)."""
    p_value = 1.0 if cluster is None else cluster.p_value
    if p_value >= 0.05:
        return False, False, 0.0, 0.0, p_value
    members = {int(m[1:]) for m in cluster.members}
    hit = len(members & set(planted.tolist()))
    return True, hit > 0, hit / max(1, len(planted)), hit / len(members), p_value


def snapshot_trial(task):
    seed, relative_risk, size, index, replications = task
    lon, lat, totals = layout(seed)
    rng = np.random.default_rng([seed, 1, relative_risk, size, index])
    planted = planted_towns(rng, lon, lat, size)
    rates = np.full(TOWNS, RATE)
    rates[planted] *= relative_risk
    cases = rng.binomial(totals, rates)
    return found(scan(lon, lat, cases, totals, replications, int(rng.integers(2**32))), planted)


def monthly_trial(task):
    """Months until found (None: not within the year) and the months with an alarm."""
    seed, relative_risk, size, index, replications = task
    lon, lat, totals = layout(seed)
    rng = np.random.default_rng([seed, 2, relative_risk, size, index])
    planted = planted_towns(rng, lon, lat, size)
    rates = np.full(TOWNS, RATE)
    rates[planted] *= relative_risk
    per_month = np.array([rng.multinomial(total, [1 / 12] * 12) for total in totals]).T
    monthly_cases = rng.binomial(per_month, rates)
    alarms, delay = 0, None
    for month in range(1, 13):
        cluster = scan(lon, lat, monthly_cases[:month].sum(axis=0), per_month[:month].sum(axis=0),
                       replications, int(rng.integers(2**32)))
        significant, overlapping, *_ = found(cluster, planted)
        alarms += significant
        if overlapping and delay is None:
            delay = month
            if size:  # an outbreak found: the later months add nothing to measure
                break
    return delay, alarms


def snapshot_tables(options, pool):
    lines = ["### Spatial scan: a year's samples (200 towns, 3 % non-compliance, "
             f"{options.replications} replications, {options.maps} maps per row)", "",
             "| relative risk | towns in the cluster | significant (%) | found: significant and "
             "overlapping (%) | planted towns covered (%) | cluster members planted (%) |",
             "|---|---|---|---|---|---|"]
    for relative_risk in RELATIVE_RISKS:
        for size in CLUSTER_SIZES:
            results = list(pool.map(snapshot_trial, [
                (options.seed, relative_risk, size, i, options.replications)
                for i in range(options.maps)]))
            hits = [r for r in results if r[1]]
            lines.append(
                f"| {relative_risk} | {size} | {100 * np.mean([r[0] for r in results]):.0f} | "
                f"{100 * len(hits) / len(results):.0f} | "
                f"{100 * np.mean([r[2] for r in hits]) if hits else 0:.0f} | "
                f"{100 * np.mean([r[3] for r in hits]) if hits else 0:.0f} |")
    null = np.array([r[4] for r in pool.map(snapshot_trial, [
        (options.seed, 1, 0, i, options.replications) for i in range(options.null_maps)])])
    return lines + [
        "", f"False alarms without a cluster: {100 * np.mean(null < 0.05):.1f} per 100 maps "
        f"({options.null_maps} maps; 5 expected). The p-value is uniform under the null: "
        f"p < 0.10 on {100 * np.mean(null < 0.10):.1f} %, p < 0.50 on "
        f"{100 * np.mean(null < 0.50):.1f} % of them.", ""]


def size_tables(options, pool):
    """Is the test exact? Many maps without a cluster, fewer replications each."""
    replications = 99
    p_values = np.array([r[4] for r in pool.map(snapshot_trial, [
        (options.seed, 1, 0, options.null_maps + i, replications)
        for i in range(options.size_maps)])])
    return ["### Size of the test: maps without a cluster", "",
            f"{options.size_maps} more maps without a cluster, {replications} replications "
            f"each: p ≤ 0.05 on {100 * np.mean(p_values <= 0.05):.1f} %, p ≤ 0.10 on "
            f"{100 * np.mean(p_values <= 0.10):.1f} %, p ≤ 0.50 on "
            f"{100 * np.mean(p_values <= 0.50):.1f} % (5, 10 and 50 expected).", ""]


def monthly_tables(options, pool):
    lines = [f"### Spatial scan month by month: an outbreak from January in {MONTHLY_SIZE} "
             f"neighbouring towns, scanned on the year so far ({options.monthly_maps} maps "
             "per row)", "",
             "| relative risk | found within the year (%) | months to detection: median "
             "(quartiles) |", "|---|---|---|"]
    for relative_risk in RELATIVE_RISKS:
        results = list(pool.map(monthly_trial, [
            (options.seed, relative_risk, MONTHLY_SIZE, i, options.replications)
            for i in range(options.monthly_maps)]))
        delays = [d for d, _ in results if d is not None]
        lines.append(f"| {relative_risk} | {100 * len(delays) / len(results):.0f} | "
                     f"{quartiles(delays)} |")
    null = list(pool.map(monthly_trial, [(options.seed, 1, 0, i, options.replications)
                                         for i in range(options.monthly_maps)]))
    return lines + [
        "", "False alarms without a cluster: "
        f"{100 * sum(a for _, a in null) / (12 * len(null)):.1f} per 100 map-months; "
        f"{100 * np.mean([a > 0 for _, a in null]):.0f} % of maps alarm at least once in the "
        "year (twelve looks at the same, growing data).", ""]


def quartiles(values):
    if not values:
        return "–"
    if len(values) < 4:
        return f"{statistics.median(values):g}"
    q1, q2, q3 = statistics.quantiles(values, n=4, method="inclusive")
    return f"{q2:g} ({q1:g}–{q3:g})"


def population_trial(task):
    """One year of sampling of PRODUCERS producers, flagged month by month on failures and
    on samples above half the limit. Per measure: (bad?, samples, first flagged at sample k
    or None, samples before the first failure) for every producer."""
    seed, index = task
    rng = np.random.default_rng([seed, 3, index])
    bad = rng.random(PRODUCERS) < BAD_SHARE
    samples = rng.integers(1, 13, PRODUCERS)
    failure = np.where(bad, FAILURE["bad"], rng.uniform(*FAILURE["normal"], PRODUCERS))
    near = np.where(bad, NEAR["bad"], NEAR["normal"])
    # Each sample: a month, a failure, and above half the limit (every failure is).
    records = []
    for i in range(PRODUCERS):
        months = np.sort(rng.integers(1, 13, samples[i]))
        fails = rng.random(samples[i]) < failure[i]
        above_half = fails | (rng.random(samples[i]) < (near[i] - failure[i]) / (1 - failure[i]))
        records.append((months, fails, above_half))
    first_flag = {rule: [None] * PRODUCERS for rule in RULES}
    for month in range(1, 13):
        n = np.array([np.sum(m <= month) for m, _, _ in records])
        seen = n > 0
        counted = {"failures": np.array([np.sum(f[m <= month]) for m, f, _ in records]),
                   "near": np.array([np.sum(h[m <= month]) for m, _, h in records])}
        for rule, (measure, probability, _) in RULES.items():
            rows = flagged(counted[measure][seen], n[seen], probability=probability)
            for row, producer in zip(rows, np.flatnonzero(seen), strict=True):
                if row["flagged"] and first_flag[rule][producer] is None:
                    first_flag[rule][producer] = int(n[producer])
    first_failure = [int(np.argmax(f)) + 1 if f.any() else None for _, f, _ in records]
    return bad, samples, first_flag, first_failure


def producer_tables(options, pool):
    results = list(pool.map(population_trial, [(options.seed, i)
                                               for i in range(options.populations)]))
    lines = [f"### Producers: empirical-Bayes flags ({options.populations} years × {PRODUCERS} "
             "producers, 1–12 samples each, 5 % bad)", "",
             "| flagged on | bad producers flagged within the year (%) | normal producers "
             "flagged (per 100) | samples until flagged: median (quartiles) |",
             "|---|---|---|---|"]
    for rule, (_, _, label) in RULES.items():
        bad_flags, normal_flags, delays = [], [], []
        for bad, _, first_flag, _ in results:
            for producer, when in enumerate(first_flag[rule]):
                (bad_flags if bad[producer] else normal_flags).append(when is not None)
                if bad[producer] and when is not None:
                    delays.append(when)
        lines.append(f"| {label} | {100 * np.mean(bad_flags):.0f} | "
                     f"{100 * np.mean(normal_flags):.1f} | {quartiles(delays)} |")
    lines += ["", "Bad producers flagged on failures (P ≥ 0.95) within the year, by their samples "
              "a year:",
              "", "| samples a year | 1–3 | 4–6 | 7–9 | 10–12 |", "|---|---|---|---|---|"]
    cells = []
    for low in (1, 4, 7, 10):
        hits = [when is not None
                for bad, samples, first_flag, _ in results
                for producer, when in enumerate(first_flag["failures"])
                if bad[producer] and low <= samples[producer] < low + 3]
        cells.append(f"{100 * np.mean(hits):.0f} %")
    lines.append("| flagged | " + " | ".join(cells) + " |")
    earlier = []
    for bad, _, first_flag, first_failure in results:
        for p in np.flatnonzero(bad):
            near, failures = first_flag["near"][p], first_flag["failures"][p]
            if near is not None or failures is not None:
                earlier.append((near is not None and (failures is None or near < failures),
                                near is not None and (first_failure[p] is None
                                                      or near < first_failure[p])))
    lines += ["", "Of the bad producers flagged either way, flagged on near misses first: "
              f"{100 * np.mean([e[0] for e in earlier]):.0f} %; before any failure at all: "
              f"{100 * np.mean([e[1] for e in earlier]):.0f} %.", ""]
    return lines + threshold_table(results[0])


def threshold_table(result):
    """The fewest failures that flag a producer with n samples, under the prior fitted to
    one simulated year."""
    bad, samples, _, _ = result
    rng = np.random.default_rng(0)
    rates = np.where(bad, FAILURE["bad"], rng.uniform(*FAILURE["normal"], len(bad)))
    y = rng.binomial(samples, rates)
    a, b = fit_beta(y, samples)
    pooled = y.sum() / samples.sum()
    cells = []
    for n in range(1, 13):
        need = next((k for k in range(1, n + 1)
                     if stats.beta.sf(pooled, a + k, b + n - k) >= 0.95), None)
        cells.append(str(need) if need else "–")
    return ["Failures needed to be flagged (prior of one simulated year: "
            f"Beta({a:.2f}, {b:.1f}), pooled rate {100 * pooled:.1f} %):", "",
            "| samples | " + " | ".join(str(n) for n in range(1, 13)) + " |",
            "|---|" + "---|" * 12, "| failures | " + " | ".join(cells) + " |", ""]


def timing_tables():
    lines = ["### Timing (this machine, one process)", "",
             "| towns | replications | seconds (median of 3) |", "|---|---|---|"]
    for towns in (50, 100, 200, 250, 400):
        rng = np.random.default_rng(towns)
        totals = rng.integers(20, 201, towns)
        locations = [Location(f"T{i}", rng.uniform(120.9, 121.9), rng.uniform(30.7, 31.9),
                              int(rng.binomial(t, RATE)), int(t)) for i, t in enumerate(totals)]
        seconds = []
        for _ in range(3):
            start = time.perf_counter()
            bernoulli_scan(locations, replications=999, random_seed=1)
            seconds.append(time.perf_counter() - start)
        lines.append(f"| {towns} | 999 | {statistics.median(seconds):.2f} |")
    lines += ["", "| producers | fit_beta seconds (median of 3) |", "|---|---|"]
    for count in (1000, 10000):
        rng = np.random.default_rng(count)
        n = rng.integers(1, 13, count)
        y = rng.binomial(n, rng.beta(1, 35, count))
        seconds = []
        for _ in range(3):
            start = time.perf_counter()
            fit_beta(y, n)
            seconds.append(time.perf_counter() - start)
        lines.append(f"| {count} | {statistics.median(seconds):.3f} |")
    return lines + [""]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--maps", type=int, default=100, help="maps per planted-cluster row")
    parser.add_argument("--null-maps", type=int, default=500, help="maps without a cluster")
    parser.add_argument("--size-maps", type=int, default=1500,
                        help="maps without a cluster for the size of the test (99 replications)")
    parser.add_argument("--monthly-maps", type=int, default=50)
    parser.add_argument("--replications", type=int, default=999)
    parser.add_argument("--populations", type=int, default=20)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--seed", type=int, default=2026)
    sections = {"timing": lambda options, pool: timing_tables(),
                "snapshot": snapshot_tables, "size": size_tables, "monthly": monthly_tables,
                "producers": producer_tables}
    parser.add_argument("--skip", nargs="*", default=[], choices=list(sections))
    options = parser.parse_args()
    started = time.perf_counter()
    with ProcessPoolExecutor(options.jobs) as pool:
        for name, section in sections.items():
            if name not in options.skip:
                print("\n".join(section(options, pool)), flush=True)
    print(f"(seed {options.seed}; {time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()

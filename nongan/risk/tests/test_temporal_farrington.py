"""Farrington-flexible on hand-checked series: what raises an alarm, what does not, and why."""

import json
import math

import numpy as np
import pytest

from nongan.risk.methods.temporal import farrington_flexible, first_farrington_index

Z95 = 1.6448536269514722  # z of the one-sided 95 % threshold (α = 0.05)
N = first_farrington_index() + 1  # 40 months: the first month Farrington evaluates is the last


def delta_upper(mu0, phi=1.0, se=0.0):
    """The 2/3-power threshold by hand (METHODS.md step 5)."""
    return (mu0 ** (2 / 3) + Z95 * math.sqrt(4 / 9 * mu0 ** (1 / 3) * (phi + se**2 / mu0))) ** 1.5


def latest(counts, totals=None, **params):
    (d,) = farrington_flexible(counts, totals, indices=[len(counts) - 1], **params)
    return d


def noisy(seed, mean=6.0, n=N):
    return np.random.default_rng(seed).poisson(mean, n)


def test_first_index_is_three_years_and_the_window():
    assert first_farrington_index() == 39
    assert first_farrington_index(freq=12, b=5, w=3) == 63
    assert [d.index for d in farrington_flexible([1] * 42)] == [39, 40, 41]
    with pytest.raises(ValueError):
        farrington_flexible([1] * 42, indices=[38])


def test_a_flat_series_raises_nothing():
    d = latest([5] * N, [50] * N)
    # A perfect fit: μ₀ = 5, dispersion below 1 so φ = 1, no standard error to speak of.
    assert d.expected == pytest.approx(5)
    assert d.upper == pytest.approx(delta_upper(5), rel=1e-6)  # 9.0975
    assert not d.alarm and d.details["phi"] == 1.0
    assert not any(x.alarm for x in farrington_flexible([5] * 60, [50] * 60))


def test_a_planted_outbreak_alarms():
    counts = noisy(1)
    counts[-1] = 25
    d = latest(counts)
    assert d.alarm and d.observed == 25 and d.upper < 20
    assert d.details["p_value"] < 1e-4 and not d.details["limit54_suppressed"]
    counts[-1] = 6  # the ordinary level
    assert not latest(counts).alarm


def test_limit54_holds_back_a_tiny_outbreak():
    counts = np.zeros(N, dtype=int)
    counts[[3, 15, 27]] = 1  # one case a year in the baseline
    counts[-1] = 3  # three cases now, none in the three months before: 3 < 5
    d = latest(counts)
    assert d.observed > d.upper and not d.alarm and d.details["limit54_suppressed"]
    counts[-2] = 2  # five cases in the last four months
    d = latest(counts)
    assert d.alarm and not d.details["limit54_suppressed"]
    assert not latest(counts, limit54=(6, 4)).alarm


def test_an_empty_month_never_alarms():
    counts = np.zeros(N, dtype=int)
    counts[-4:-1] = 4
    d = latest(counts)
    assert d.observed == 0 and not d.alarm


def test_the_sample_count_offset_scales_the_threshold():
    counts = [5] * N
    counts[-1] = 12
    few = latest(counts, [50] * (N - 1) + [50])
    many = latest(counts, [50] * (N - 1) + [100])  # twice the samples: twice the expectation
    assert few.expected == pytest.approx(5) and many.expected == pytest.approx(10)
    assert few.upper == pytest.approx(delta_upper(5), rel=1e-6)
    assert many.upper == pytest.approx(delta_upper(10), rel=1e-6)  # 15.63
    assert few.alarm and not many.alarm
    # Without totals the same counts are judged on counts alone.
    assert latest(counts).expected == pytest.approx(5) and latest(counts).alarm


def test_months_without_samples_leave_the_baseline():
    counts, totals = [5] * N, [50] * N
    counts[0], totals[0] = 0, 0  # nothing sampled that month: no information, not a zero rate
    d = latest(counts, totals)
    assert d.details["baseline_n"] == 20 and d.expected == pytest.approx(5)
    counts[-1], totals[-1] = 0, 0
    d = latest(counts, totals)
    assert d.expected == 0 and d.upper == 0 and not d.alarm


def test_the_baseline_is_the_windows_a_year_apart():
    counts = noisy(2)
    before = latest(counts).upper
    # Months 31–35 (lags 8–4) and 36–38 (the last w months) are outside the baseline.
    for position in (31, 33, 35, 36, 38):
        changed = counts.copy()
        changed[position] += 20
        assert latest(changed).upper == before
    # Months 24–30, 12–18 and 0–6 (lag 9–15, 21–27, 33–39) are in it.
    for position in (0, 6, 12, 18, 30):
        changed = counts.copy()
        changed[position] += 3
        assert latest(changed).upper != before


def test_a_past_outbreak_is_down_weighted():
    counts = noisy(3)
    counts[26] = 40  # an outbreak in last year's window
    d = latest(counts)
    unweighted = latest(counts, weights_threshold=math.inf)
    assert d.upper < unweighted.upper
    assert d.expected < unweighted.expected


def test_trend_kept_only_when_significant_and_not_extrapolating():
    months = np.arange(N)
    assert not latest(noisy(4)).details["trend_kept"]  # no trend in the data
    falling = np.random.default_rng(5).poisson(40 * np.exp(-0.04 * months))
    d = latest(falling)
    assert d.details["trend_kept"] and d.details["trend"] < 0
    assert d.expected < np.mean(falling[:31])
    # Two years of history are too few for a trend (b ≥ 3 rule).
    assert not latest(falling[12:], b=2).details["trend_kept"]
    # A rising trend predicts above every baseline count: R drops it rather than extrapolate.
    rising = np.random.default_rng(6).poisson(5 * np.exp(0.05 * months))
    assert not latest(rising).details["trend_kept"]


def test_details_are_json_able():
    d = latest(noisy(7))
    assert set(d.details) >= {"phi", "trend_kept", "baseline_n", "p_value",
                              "limit54_suppressed"}
    json.dumps(d.details, allow_nan=False)
    assert d.method == "farrington" and isinstance(d.observed, int)

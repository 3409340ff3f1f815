"""Empirical-Bayes flags for producers: one failure in one sample is not enough, four in six
is; a producer's posterior rate rises with its failures; p_ref defaults to the pooled rate."""

import numpy as np
import pytest
from scipy import stats

from nongan.risk.methods.smallcounts import exceedance, fit_beta, flagged, posterior


def producers(seed=1, count=300):
    """A year of sampling: 1–12 samples per producer, rates 2–3 %, one in twenty at 20 %."""
    rng = np.random.default_rng(seed)
    n = rng.integers(1, 13, count)
    rates = np.where(rng.random(count) < 0.05, 0.2, rng.uniform(0.02, 0.03, count))
    return rng.binomial(n, rates), n


def test_one_failure_in_one_sample_is_not_flagged_but_four_in_six_is():
    y, n = producers()
    rows = flagged(np.append(y, [1, 4]), np.append(n, [1, 6]))
    one_of_one, four_of_six = rows[-2], rows[-1]
    assert (one_of_one["y"], one_of_one["n"], four_of_six["y"], four_of_six["n"]) == (1, 1, 4, 6)
    assert not one_of_one["flagged"] and one_of_one["exceedance"] < 0.95
    assert four_of_six["flagged"] and four_of_six["exceedance"] >= 0.95
    assert one_of_one["posterior_mean"] < 0.5  # far below its raw rate of 100 %


def test_rows_carry_the_posterior_and_the_exceedance():
    y, n = producers(seed=2)
    rows = flagged(y, n)
    a, b = fit_beta(y, n)
    pooled = y.sum() / n.sum()
    assert [row["index"] for row in rows] == list(range(len(y)))
    for row in rows[:20]:
        alpha, beta = a + row["y"], b + row["n"] - row["y"]
        assert row["posterior_mean"] == pytest.approx(alpha / (alpha + beta))
        assert row["exceedance"] == pytest.approx(stats.beta.sf(pooled, alpha, beta))
        assert row["flagged"] == (row["exceedance"] >= 0.95 and row["y"] > 0)


def test_a_stricter_reference_rate_or_probability_flags_fewer():
    y, n = producers(seed=4)
    default = sum(row["flagged"] for row in flagged(y, n))
    assert default > 0
    assert sum(row["flagged"] for row in flagged(y, n, p_ref=0.1)) < default
    assert sum(row["flagged"] for row in flagged(y, n, probability=0.999)) < default


def test_the_posterior_rises_with_failures():
    a, b = fit_beta(*producers(seed=3))
    n = np.full(7, 6)
    y = np.arange(7)
    alpha, beta = posterior(a, b, y, n)
    means = alpha / (alpha + beta)
    above = exceedance(a, b, y, n, 0.025)
    assert np.all(np.diff(means) > 0) and np.all(np.diff(above) > 0)
    assert np.array_equal(alpha, a + y) and np.array_equal(beta, b + n - y)


def test_nobody_is_flagged_when_nobody_failed():
    rows = flagged([0, 0, 0, 0], [5, 12, 1, 3])
    assert not any(row["flagged"] for row in rows)

"""The beta-binomial prior of the small-count method: fitted by maximum marginal likelihood
it recovers the Beta(a, b) that simulated data came from, and it stays sensible — a strongly
concentrated prior at the pooled rate — when units differ no more than chance explains."""

import numpy as np
import pytest
from scipy import optimize, special

from nongan.risk.methods.smallcounts import fit_beta


@pytest.mark.parametrize(("a", "b"), [(2.0, 38.0), (0.5, 10.0), (5.0, 5.0), (1.0, 60.0)])
def test_known_a_and_b_are_recovered(a, b):
    rng = np.random.default_rng(int(a * 100 + b))
    n = rng.integers(5, 30, 3000)
    y = rng.binomial(n, rng.beta(a, b, n.size))
    fitted_a, fitted_b = fit_beta(y, n)
    assert fitted_a / (fitted_a + fitted_b) == pytest.approx(a / (a + b), rel=0.08)
    assert fitted_a + fitted_b == pytest.approx(a + b, rel=0.3)


def marginal_log_likelihood(log_ab, y, n):
    a, b = np.exp(log_ab)
    return np.sum(special.betaln(a + y, b + n - y) - special.betaln(a, b))


def test_the_fit_is_the_maximum_of_the_marginal_likelihood():
    # Another optimiser, without gradients, started elsewhere, finds nothing better.
    rng = np.random.default_rng(3)
    n = rng.integers(1, 13, 3000)
    y = rng.binomial(n, rng.beta(0.8, 25, n.size))
    fitted = np.log(fit_beta(y, n))
    other = optimize.minimize(lambda v: -marginal_log_likelihood(v, y, n), [0.0, 0.0],
                              method="Nelder-Mead", options={"xatol": 1e-8, "fatol": 1e-10})
    assert marginal_log_likelihood(fitted, y, n) >= -other.fun - 1e-6
    assert np.exp(fitted) == pytest.approx(np.exp(other.x), rel=0.01)


def test_equal_rates_give_a_prior_as_strong_as_all_samples():
    # No spread beyond chance: the likelihood grows without end with a + b; the fit stops
    # at the total number of samples, centred on the pooled rate.
    a, b = fit_beta([2, 2, 2, 2], [20, 20, 20, 20])
    assert a / (a + b) == pytest.approx(0.1, rel=1e-3) and a + b == pytest.approx(80)


def test_no_failures_at_all_give_a_prior_near_zero_but_not_at_it():
    a, b = fit_beta([0, 0, 0], [3, 4, 5])
    assert a + b == pytest.approx(12) and a / (a + b) == pytest.approx(0.5 / 13)
    a, b = fit_beta([3, 4], [3, 4])  # every sample failed: the mirror image
    assert a / (a + b) == pytest.approx(7.5 / 8)


@pytest.mark.parametrize(("y", "n"), [([1, 2], [2]), ([3], [2]), ([-1], [2]), ([0], [0])])
def test_impossible_counts_are_refused(y, n):
    with pytest.raises(ValueError):
        fit_beta(y, n)

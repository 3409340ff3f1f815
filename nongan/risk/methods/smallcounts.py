"""Empirical-Bayes rates for small counts (小样本经验贝叶斯): producers' failure and
near-limit rates.

A producer sampled once or twice says little about itself: one failure in one sample is a
rate of 100 % by arithmetic and nothing by evidence. The units' true rates are taken to
come from one Beta(a, b) distribution, fitted to all units' (y, n) by maximum marginal
(beta-binomial) likelihood; each unit's rate is then Beta(a + y, b + n − y) — its own
samples pulled towards the population in proportion to how few they are. A unit is flagged
when P(rate > p_ref | data) ≥ 0.95, p_ref defaulting to the pooled rate. The same functions
serve failures (y = non-compliant samples) and near misses (y = samples with a residue
above half its limit), so repeated near misses can warn before a failure.
"""

import numpy as np
from scipy import optimize, special, stats

# Bounds of the fitted mean (logit scale) and concentration a + b: a concentration below
# MIN_CONCENTRATION would say units are all-or-nothing, which sampling data never support.
LOGIT_BOUND = 20.0
MIN_CONCENTRATION = 1e-2


def _counts(y, n) -> tuple[np.ndarray, np.ndarray]:
    y, n = np.asarray(y, dtype=float), np.asarray(n, dtype=float)
    if y.shape != n.shape or y.ndim != 1:
        raise ValueError("y and n must be one-dimensional and of the same length")
    if np.any(n < 0) or np.any(y < 0) or np.any(y > n):
        raise ValueError("need 0 ≤ y ≤ n")
    return y, n


def _negative_log_likelihood(theta, y, n):
    """−Σ ln BetaBinomial(y | n, a, b) (binomial coefficients left out) and its gradient,
    in θ = (logit mean, ln concentration)."""
    mean, concentration = special.expit(theta[0]), np.exp(theta[1])
    a, b = mean * concentration, (1 - mean) * concentration
    value = -np.sum(special.betaln(a + y, b + n - y) - special.betaln(a, b))
    common = special.digamma(a + b) - special.digamma(a + b + n)
    d_a = -np.sum(special.digamma(a + y) - special.digamma(a) + common)
    d_b = -np.sum(special.digamma(b + n - y) - special.digamma(b) + common)
    slope = concentration * mean * (1 - mean)
    return value, np.array([(d_a - d_b) * slope, d_a * a + d_b * b])


def _moment_concentration(y, n, mean, ceiling) -> float:
    """A starting concentration from the spread of the units' rates beyond sampling noise."""
    sampled = n > 0
    rates = y[sampled] / n[sampled]
    excess = rates.var() - np.mean(mean * (1 - mean) / n[sampled])
    if excess <= 0:
        return ceiling
    return float(np.clip(mean * (1 - mean) / excess - 1, MIN_CONCENTRATION, ceiling))


def fit_beta(y, n) -> tuple[float, float]:
    """Beta(a, b) for the units' rates by maximum marginal (beta-binomial) likelihood.

    Fitted as mean a/(a + b) and concentration a + b (same likelihood, better-behaved
    coordinates). The concentration is capped at the total number of samples: when the
    units differ no more than binomial chance explains — all rates equal, or the usual
    rare-event data — the likelihood keeps rising as the concentration grows without end
    (everyone has the pooled rate). The fit then stops at the cap with the pooled rate as
    its mean, a prior worth as much as all the samples together, so a unit's own handful
    of samples barely moves it: no evidence of differences, no flags. When no unit failed at all (or every sample failed) the
    pooled rate 0 (or 1) would be a degenerate prior; the mean is then (Y + ½)/(Σn + 1),
    Jeffreys' estimate of the pooled rate, with the same cap.
    """
    y, n = _counts(y, n)
    total_y, total_n = y.sum(), n.sum()
    if total_n == 0:
        raise ValueError("no samples")
    ceiling = total_n
    if total_y in (0, total_n):
        mean = (total_y + 0.5) / (total_n + 1)
        return float(mean * ceiling), float((1 - mean) * ceiling)
    pooled = total_y / total_n
    start = np.array([special.logit(pooled),
                      np.log(_moment_concentration(y, n, pooled, ceiling))])
    result = optimize.minimize(
        _negative_log_likelihood, start, args=(y, n), jac=True, method="L-BFGS-B",
        bounds=[(-LOGIT_BOUND, LOGIT_BOUND), (np.log(MIN_CONCENTRATION), np.log(ceiling))])
    mean, concentration = special.expit(result.x[0]), np.exp(result.x[1])
    if result.x[1] >= np.log(ceiling) - 1e-6:
        mean = pooled  # the limit of the best mean as the concentration grows without end
    return float(mean * concentration), float((1 - mean) * concentration)


def posterior(a, b, y, n) -> tuple[np.ndarray, np.ndarray]:
    """Each unit's Beta(a + y, b + n − y)."""
    y, n = _counts(np.atleast_1d(y), np.atleast_1d(n))
    return a + y, b + n - y


def exceedance(a, b, y, n, p_ref) -> np.ndarray:
    """P(rate > p_ref | data) for each unit."""
    alpha, beta = posterior(a, b, y, n)
    return stats.beta.sf(p_ref, alpha, beta)


def flagged(y, n, *, p_ref=None, probability=0.95) -> list[dict]:
    """Per unit: index, y, n, posterior mean, P(rate > p_ref) and whether it is flagged
    (that probability ≥ `probability`). A unit without a single failure is never flagged:
    with a pooled rate of 0 every rate would "exceed" it."""
    y, n = _counts(y, n)
    a, b = fit_beta(y, n)
    if p_ref is None:
        p_ref = y.sum() / n.sum()
    alpha, beta = posterior(a, b, y, n)
    above = stats.beta.sf(p_ref, alpha, beta)
    return [
        {"index": i, "y": int(y[i]), "n": int(n[i]),
         "posterior_mean": float(alpha[i] / (alpha[i] + beta[i])),
         "exceedance": float(above[i]),
         "flagged": bool(above[i] >= probability and y[i] > 0)}
        for i in range(len(y))
    ]

"""Temporal aberration detectors (时间异常检测): Farrington-flexible and EARS C1/C2/C3.

A series is monthly non-compliance counts, optionally with their sample counts (`totals`).

Farrington-flexible (Noufaily et al. 2013) follows R's `surveillance::farringtonFlexible`
(version 1.20) step by step, so that the two agree (docs/risk-validation.md):

1. Baseline of period k: the windows k − j·freq ± w for j = 1..b, plus k − w .. k, less the
   last `past_periods_not_included` (default w) periods and k itself; time is the position.
2. Quasi-Poisson GLM log μ = α + β·t (+ log total), fitted by R's IRLS (`glm.fit`: start
   μ = y + 0.1, convergence |Δdev|/(|dev| + 0.1) < 1e-8, at most 25 iterations); φ is the
   Pearson dispersion, at least 1.
3. Anscombe residuals scaled by √(φ(1 − h)), weights γ/s² above 2.58, refit, new φ.
4. The trend stays when its t-test p-value < 0.05, b ≥ 3 and the prediction does not exceed
   the baseline's largest count; otherwise the whole fit is redone without it.
5. Upper threshold on the 2/3-power scale ("delta"): U = (μ₀^⅔ + z·√(4/9·μ₀^⅓·(φ + se²/μ₀)))^1.5.
   As in R, the trend's t-test and se use a dispersion that is neither floored nor
   Pearson's: surveillance replaces the fitted model's working weights by the Anscombe
   weights before summary.glm / predict.glm read them, so they see Σ ω·((y − μ)/μ)² / df.
6. Alarm when y > U, y > 0 and the last 4 periods hold at least 5 cases (limit54). R reports
   no upper bound (NA) when limit54 is not met; here `upper` is still the threshold and
   `details["limit54_suppressed"]` says why there is no alarm.

Periods with a total of 0 carry no information (0 of 0 samples): they leave the baseline,
and such a period itself is expected to hold 0 and never alarms. When the fit converges
neither with nor without trend (R returns NA), `upper` is NaN and there is no alarm;
`detect` then falls back to EARS for that period.

All periods of a series are fitted together: the baseline has the same shape for every k,
so the design matrix is shared and each IRLS step is a handful of array operations.

EARS (Hutwagner et al. 2003, CDC definitions): C1 compares y with the mean and standard
deviation of the 7 periods before it, C2 of the 7 periods ending 3 before it; alarm when
(y − mean)/sd > z₁₋α. C3 sums max(0, C2 − 1) over the period and the two before it and
alarms above 2 (the CDC constant; α does not apply). R's `earsC` C3 differs (it leaves the
current period out of the sum); this follows CDC. With a constant baseline (sd 0) any count
above the mean alarms unless `min_sigma` (R's minSigma, Burkom suggests 0.5–1 for sparse
data) sets a floor.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from scipy import special

MAXIT = 25  # glm.control() defaults
EPSILON = 1e-8
C3_THRESHOLD = 2.0
EARS_GUARD = {"C1": 0, "C2": 2, "C3": 2}  # periods between the baseline and the period


@dataclass(frozen=True)
class Detection:
    """One evaluated period of a series."""

    index: int  # position in the input series
    observed: int
    expected: float  # the predicted count (Farrington μ₀; EARS baseline mean)
    upper: float  # the threshold
    alarm: bool
    method: str  # "farrington" | "ears-c1" | "ears-c2" | "ears-c3"
    details: dict = field(default_factory=dict)  # JSON-able


def first_farrington_index(freq=12, b=3, w=3) -> int:
    """The first position with b years and the window before it (R's default range)."""
    return freq * b + w


def _counts(counts) -> np.ndarray:
    y = np.asarray(counts, dtype=float)
    if y.ndim != 1 or not np.all(np.isfinite(y)) or np.any(y < 0):
        raise ValueError("counts must be a one-dimensional series of non-negative numbers")
    return y


def _indices(indices, first: int, n: int) -> np.ndarray:
    ks = np.arange(first, n) if indices is None else np.asarray(list(indices), dtype=int)
    if ks.size and (ks.min() < first or ks.max() >= n):
        raise ValueError(f"indices must lie in [{first}, {n}): earlier ones lack history")
    return ks


def _baseline_lags(freq: int, b: int, w: int, past: int) -> np.ndarray:
    """Lags (k − position) of the baseline, as R's `blocks` with noPeriods = 1 builds it."""
    lags = set(range(w + 1))
    for j in range(1, b + 1):
        lags.update(range(j * freq - w, j * freq + w + 1))
    lags.difference_update(range(past + 1))
    return np.array(sorted(lags, reverse=True))


@dataclass
class _Fit:
    """IRLS results for a batch of K fits of log μ = β₀ (+ β₁·t) + offset on n periods."""

    beta: np.ndarray  # (K, p)
    mu: np.ndarray  # (K, n) fitted values
    weights: np.ndarray  # (K, n) working weights of the last least-squares step
    cov: np.ndarray  # (K, p, p) unscaled covariance (X'WX)⁻¹ of that step
    dispersion: np.ndarray  # (K,) Pearson χ² / df, as summary.glm (not floored)
    # Σ prior·((y − μ)/μ)² / df: summary.glm's dispersion once surveillance has replaced the
    # model's working weights by its prior (Anscombe) weights, as R's trend test and
    # prediction standard error then use it.
    prior_dispersion: np.ndarray  # (K,)
    converged: np.ndarray  # (K,) bool

    def hat(self, time) -> np.ndarray:
        """Diagonal of the hat matrix of the last least-squares step (lm.influence)."""
        if self.beta.shape[1] == 1:
            leverage = self.cov[:, 0, :1]
        else:
            c = self.cov
            leverage = c[:, 0, :1] + 2 * c[:, 0, 1:] * time + c[:, 1, 1:] * time**2
        return self.weights * leverage


def _covariance(sums, trend: bool) -> np.ndarray:
    """(X'WX)⁻¹ from the weighted sums Σw, Σw·t, Σw·t²; a singular one gives NaN."""
    with np.errstate(divide="ignore", invalid="ignore"):
        if not trend:
            return (1.0 / sums[:, 0])[:, None, None]
        s0, s1, s2 = sums.T
        det = s0 * s2 - s1**2
        det = np.where(det > 1e-12 * s0 * s2, det, np.nan)  # t constant: singular
        return np.stack([s2, -s1, -s1, s0], axis=1).reshape(-1, 2, 2) / det[:, None, None]


def _irls(y, offset, prior, time, trend: bool) -> _Fit:
    """Poisson log-link IRLS exactly as R's glm.fit iterates (same start and stopping rule).

    Quasi-Poisson differs from Poisson only in the dispersion, computed at the end. Each
    step is weighted least squares on (1, t) or (1), solved in closed form. Rows that have
    converged keep their state while the others iterate on.
    """
    powers = np.column_stack([np.ones_like(time), time, time**2])
    mu = y + 0.1
    eta = np.log(mu)
    y_log_y = special.xlogy(y, y)
    # Poisson deviance 2·Σ prior·(y·ln(y/μ) − (y − μ)), with ln μ = η
    dev_old = 2 * np.sum(prior * (y_log_y - y * eta - y + mu), axis=1)
    k = y.shape[0]
    beta = np.zeros((k, 2))
    sums = np.zeros((k, 3))
    weights = np.zeros_like(y)
    running = np.ones(k, dtype=bool)
    converged = np.zeros(k, dtype=bool)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        for _ in range(MAXIT):
            wt = prior * mu  # μ.η² / V(μ) = μ for the log link
            wz = wt * (eta - offset + (y - mu) / mu)
            s = wt @ powers
            r0, r1 = (wz @ powers[:, :2]).T
            if trend:
                det = s[:, 0] * s[:, 2] - s[:, 1] ** 2
                step = np.column_stack([s[:, 2] * r0 - s[:, 1] * r1, s[:, 0] * r1 - s[:, 1] * r0])
                step /= det[:, None]
            else:
                step = np.column_stack([r0 / s[:, 0], np.zeros_like(r0)])
            eta_new = step[:, :1] + step[:, 1:] * time + offset
            mu_new = np.exp(eta_new)
            dev = 2 * np.sum(prior * (y_log_y - y * eta_new - y + mu_new), axis=1)
            if running.all():
                beta, eta, mu, weights, sums = step, eta_new, mu_new, wt, s
            else:
                keep = running[:, None]
                beta, sums = np.where(keep, step, beta), np.where(keep, s, sums)
                eta, mu = np.where(keep, eta_new, eta), np.where(keep, mu_new, mu)
                weights = np.where(keep, wt, weights)
            done = running & (np.abs(dev - dev_old) / (np.abs(dev) + 0.1) < EPSILON)
            converged |= done
            running &= ~done & np.isfinite(dev)
            if not running.any():
                break
            dev_old = dev
        p = 2 if trend else 1
        df = np.sum(prior > 0, axis=1) - p
        residual2 = ((y - mu) / mu) ** 2
        safe_df = np.where(df > 0, df, np.nan)
        dispersion = np.sum(weights * residual2, axis=1) / safe_df
        prior_dispersion = np.sum(np.where(prior > 0, prior * residual2, 0.0), axis=1) / safe_df
    cov = _covariance(sums, trend)
    converged &= np.all(np.isfinite(beta), axis=1) & np.isfinite(cov[:, 0, 0])
    return _Fit(beta[:, :p], mu, weights, cov, dispersion, prior_dispersion, converged)


def _anscombe_weights(fit: _Fit, y, prior, time, threshold: float) -> np.ndarray:
    """Farrington's down-weighting of past outbreaks (R's anscombe.residuals + weights)."""
    ok = prior > 0
    phi = np.maximum(fit.dispersion, 1.0)[:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        hat = fit.hat(time)
        hat = np.where(hat > 1 - 10 * np.finfo(float).eps, 1.0, hat)
        s = 1.5 * (y ** (2 / 3) * fit.mu ** (-1 / 6) - np.sqrt(fit.mu)) / np.sqrt(phi * (1 - hat))
        big = ok & (s > threshold)
        factor = np.where(big, s**-2.0, 1.0)
        gamma = ok.sum(axis=1) / np.sum(np.where(ok, factor, 0.0), axis=1)
    return np.where(ok, gamma[:, None] * factor, 0.0)


def _fit_flexible(y, offset, prior, time, trend: bool, reweight_threshold: float):
    """R's algo.farrington.fitGLM.flexible for one formula: fit, reweight, refit."""
    first = _irls(y, offset, prior, time, trend)
    omega = _anscombe_weights(first, y, prior, time, reweight_threshold)
    return first.converged, _irls(y, offset, omega, time, trend)


def _predict(fit: _Fit, offset_now):
    """μ₀ at lag 0 (time 0, so the design row is (1, 0)) and its standard error."""
    with np.errstate(over="ignore", invalid="ignore"):
        mu0 = np.exp(fit.beta[:, 0] + offset_now)
        se = mu0 * np.sqrt(fit.cov[:, 0, 0] * fit.prior_dispersion)
    return mu0, se


def _trend_p_value(fit: _Fit, df) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        t = fit.beta[:, 1] / np.sqrt(fit.cov[:, 1, 1] * fit.prior_dispersion)
        return 2 * special.stdtr(df, -np.abs(t))


def farrington_flexible(
    counts,
    totals=None,
    *,
    freq=12,
    b=3,
    w=3,
    alpha=0.05,
    weights_threshold=2.58,
    p_threshold_trend=0.05,
    limit54=(5, 4),
    past_periods_not_included=None,
    indices=None,
) -> list[Detection]:
    """Farrington-flexible at each index (default: every index with b·freq + w periods
    before it); `totals` None means no offset."""
    y_all = _counts(counts)
    n_all = y_all.size
    if totals is None:
        tot = np.ones(n_all)
    else:
        tot = _counts(totals)
        if tot.size != n_all:
            raise ValueError("totals must have one value per count")
    ks = _indices(indices, first_farrington_index(freq, b, w), n_all)
    if not ks.size:
        return []
    past = w if past_periods_not_included is None else past_periods_not_included
    lags = _baseline_lags(freq, b, w, past)
    positions = ks[:, None] - lags[None, :]
    y = y_all[positions]
    prior = (tot[positions] > 0).astype(float)
    with np.errstate(divide="ignore"):
        log_tot = np.where(tot > 0, np.log(np.where(tot > 0, tot, 1.0)), 0.0)
    offset = log_tot[positions]
    offset_now = log_tot[ks]
    time = -lags.astype(float)
    n_ok = prior.sum(axis=1)

    trend_converged, trend = _fit_flexible(y, offset, prior, time, True, weights_threshold)
    mu0, se = _predict(trend, offset_now)
    phi = np.maximum(trend.dispersion, 1.0)
    baseline_max = np.max(np.where(prior > 0, y, 0.0), axis=1)
    keep = (
        trend_converged
        & (b >= 3)
        & (_trend_p_value(trend, n_ok - 2) < p_threshold_trend)
        & (mu0 <= baseline_max)
    )
    ok = keep.copy()
    redo = np.flatnonzero(~keep)  # R refits these without the trend
    if redo.size:
        flat_converged, flat = _fit_flexible(
            y[redo], offset[redo], prior[redo], time, False, weights_threshold
        )
        mu0[redo], se[redo] = _predict(flat, offset_now[redo])
        phi[redo] = np.maximum(flat.dispersion, 1.0)
        ok[redo] = flat_converged
    empty_now = tot[ks] == 0  # nothing sampled: nothing expected, nothing to alarm on

    z = special.ndtri(1 - alpha)
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.sqrt(4 / 9 * mu0 ** (1 / 3) * (phi + se**2 / mu0))
        upper = (mu0 ** (2 / 3) + z * scale) ** 1.5
        p_value = special.ndtr((mu0 ** (2 / 3) - y_all[ks] ** (2 / 3)) / scale)
    upper = np.where(empty_now, 0.0, np.where(ok, upper, np.nan))
    mu0 = np.where(empty_now, 0.0, np.where(ok, mu0, np.nan))
    p_value = np.where(empty_now, 1.0, p_value)
    cases, span = limit54
    window = np.concatenate([[0.0], np.cumsum(y_all)])
    enough = window[ks + 1] - window[np.maximum(ks + 1 - span, 0)] >= cases
    exceeds = ok & ~empty_now & (y_all[ks] > upper) & (y_all[ks] > 0)

    out = []
    for i, k in enumerate(ks.tolist()):
        kept = bool(keep[i])
        details = {
            "converged": bool(ok[i]),
            "phi": _num(phi[i]),
            "trend_kept": kept,
            "trend": _num(trend.beta[i, 1]) if kept else None,
            "baseline_n": int(n_ok[i]),
            "p_value": _num(p_value[i]),
            "limit54_suppressed": bool(exceeds[i] and not enough[i]),
        }
        out.append(
            Detection(
                index=k,
                observed=int(y_all[k]),
                expected=float(mu0[i]),
                upper=float(upper[i]),
                alarm=bool(exceeds[i] and enough[i]),
                method="farrington",
                details=details,
            )
        )
    return out


def _num(value) -> float | None:
    """A JSON-able float (None for NaN or infinity)."""
    value = float(value)
    return value if math.isfinite(value) else None


def _ears_statistic(y, ks, baseline: int, guard: int, min_sigma: float):
    """(y − mean)/sd at positions ks over the `baseline` periods ending `guard` + 1 before."""
    positions = ks[:, None] - guard - np.arange(baseline, 0, -1)[None, :]
    ref = y[positions]
    mean = ref.mean(axis=1)
    sd = np.maximum(ref.std(axis=1, ddof=1), min_sigma)
    excess = y[ks] - mean
    with np.errstate(divide="ignore", invalid="ignore"):
        c = np.where(sd > 0, excess / sd, np.sign(excess) * np.inf)
    return np.nan_to_num(c, nan=0.0, posinf=np.inf, neginf=-np.inf), mean, sd


def ears(
    counts, *, method="C3", alpha=0.001, baseline=7, indices=None, min_sigma=0.0
) -> list[Detection]:
    """EARS C1, C2 or C3 (CDC definitions) at each index (default: every index with
    history: from baseline, baseline + 2 or baseline + 4 on)."""
    variant = method.upper()
    if variant not in EARS_GUARD:
        raise ValueError("method must be C1, C2 or C3")
    if baseline < 2:
        raise ValueError("baseline needs at least 2 periods for a standard deviation")
    y = _counts(counts)
    guard = EARS_GUARD[variant]
    ks = _indices(indices, baseline + guard + (2 if variant == "C3" else 0), y.size)
    c, mean, sd = _ears_statistic(y, ks, baseline, guard, min_sigma)
    if variant == "C3":
        previous = sum(
            np.maximum(0.0, _ears_statistic(y, ks - lag, baseline, guard, min_sigma)[0] - 1)
            for lag in (1, 2)
        )
        statistic = previous + np.maximum(0.0, c - 1)
        alarm = statistic > C3_THRESHOLD
        # The count above which this period alarms; once the two before sum past 2 it
        # alarms whatever the count (details["carried_over"]).
        upper = mean + sd * (1 + np.maximum(0.0, C3_THRESHOLD - previous))
        carried = previous > C3_THRESHOLD
    else:
        z = special.ndtri(1 - alpha)
        statistic = c
        alarm = c > z
        upper = mean + z * sd
        carried = np.zeros(ks.size, dtype=bool)
    p_value = special.ndtr(-c)
    out = []
    for i, k in enumerate(ks.tolist()):
        details = {
            "statistic": _num(statistic[i]),
            "baseline_sd": float(sd[i]),
            "baseline_n": baseline,
            "p_value": float(p_value[i]),
        }
        if variant == "C3":
            details["carried_over"] = bool(carried[i])
        out.append(
            Detection(
                index=k,
                observed=int(y[k]),
                expected=float(mean[i]),
                upper=float(upper[i]),
                alarm=bool(alarm[i]),
                method=f"ears-{variant.lower()}",
                details=details,
            )
        )
    return out


FARRINGTON_PARAMS = (
    "freq", "b", "w", "alpha", "weights_threshold", "p_threshold_trend", "limit54",
    "past_periods_not_included",
)


def detect(counts, totals=None, *, indices=None, **params) -> list[Detection]:
    """Farrington where the history suffices, EARS otherwise.

    `params` are farrington_flexible's keywords plus `ears_method` (default "C3"),
    `ears_alpha`, `ears_baseline` and `ears_min_sigma` for EARS. Periods too short for
    Farrington use EARS C3, or C2 for the two positions where C3 still lacks history;
    earlier periods, where no detector applies, are left out. A Farrington period whose fit
    did not converge also falls back to EARS.
    """
    ears_params = {
        name.removeprefix("ears_"): params.pop(name)
        for name in list(params)
        if name.startswith("ears_")
    }
    unknown = set(params) - set(FARRINGTON_PARAMS)
    if unknown:
        raise TypeError(f"unknown parameters: {', '.join(sorted(unknown))}")
    y = _counts(counts)
    first = first_farrington_index(params.get("freq", 12), params.get("b", 3), params.get("w", 3))
    ears_base = ears_params.get("baseline", 7)
    earliest = ears_base + EARS_GUARD["C2"]
    ks = np.arange(earliest, y.size) if indices is None else np.asarray(list(indices), int)
    ks = np.unique(ks)
    if ks.size and (ks.min() < earliest or ks.max() >= y.size):
        raise ValueError(f"indices must lie in [{earliest}, {y.size})")

    found = {}
    late = ks[ks >= first]
    for d in farrington_flexible(y, totals, indices=late, **params):
        if d.details["converged"]:
            found[d.index] = d
    variant = ears_params.pop("method", "C3").upper()
    short = np.array([k for k in ks.tolist() if k not in found], dtype=int)
    c3_from = ears_base + 4 if variant == "C3" else ears_base + EARS_GUARD[variant]
    fallback = "C2" if variant == "C3" else variant
    for chosen, chosen_ks in (
        (variant, short[short >= c3_from]),
        (fallback, short[short < c3_from]),
    ):
        if chosen_ks.size:
            for d in ears(y, method=chosen, indices=chosen_ks, **ears_params):
                found[d.index] = d
    return [found[k] for k in sorted(found)]

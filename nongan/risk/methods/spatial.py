"""Kulldorff's Bernoulli spatial scan statistic over towns (区域性风险, regional clusters).

Cases are the non-compliant samples of a location, controls its compliant ones. A window is
a circle around one location (its centre) holding the nearest locations by great-circle
distance — all locations at an equal distance join together — as long as the window holds
at most `max_share` of all samples. Among the windows whose non-compliance rate is above
the rest's, the most likely cluster maximises Kulldorff's log-likelihood ratio (METHODS.md):

    LLR = c·ln(c/n) + (n − c)·ln((n − c)/n) + (C − c)·ln((C − c)/(N − n))
          + (N − n − C + c)·ln((N − n − C + c)/(N − n)) − C·ln(C/N) − (N − C)·ln((N − C)/N)

with 0·ln 0 = 0 — SaTScan's Bernoulli likelihood. Ordering by great-circle distance is
ordering by SaTScan's chord distance, so the windows are SaTScan's. Its p-value is the rank
of the observed maximum among `replications` maps on which the case labels are permuted
among the N samples ("standard Monte Carlo" in SaTScan, not its Gumbel-mixed default).

The work is vectorised: every window is a prefix of its centre's neighbour order ending at
a distance-group boundary, so a map's window counts are cumulative sums along those orders
(centres × positions), and the LLR of c cases among n samples is two look-ups in tables of
x·ln x sums over the integers up to N — a replication is a few array operations, with no
logarithm and no Python loop over windows.
"""

from dataclasses import dataclass

import numpy as np

EARTH_RADIUS_KM = 6371.0088  # IUGG mean radius
# Two distances closer than this are "equal": one micrometre absorbs the haversine's
# rounding for locations placed symmetrically around a centre.
TIE_KM = 1e-9
# A replication ties the observed maximum when within this relative difference: ties count
# against the cluster (the p-value is conservative), rounding must not decide them.
TIE_LLR = 1e-9
# Replications per vectorised batch: a batch's centres × positions arrays hold about
# BATCH_ELEMENTS numbers each (32 MB of LLRs).
BATCH_ELEMENTS = 4_000_000


@dataclass(frozen=True)
class Location:
    """One location (a town centroid) with its non-compliant (`cases`) and all samples."""

    id: str
    lon: float
    lat: float
    cases: int
    total: int


@dataclass(frozen=True)
class Cluster:
    """The most likely cluster (最可能聚集区) and its Monte-Carlo p-value."""

    members: list[str]  # location ids, the centre first then by distance
    center: str
    radius_km: float
    cases: int
    total: int
    expected: float  # total * C / N
    rate_inside: float
    rate_outside: float
    llr: float
    p_value: float
    replications: int


def great_circle_km(lon1, lat1, lon2, lat2):
    """Haversine distance in km between points in degrees; numpy broadcasting applies."""
    lon1, lat1, lon2, lat2 = (np.radians(np.asarray(v, dtype=float))
                              for v in (lon1, lat1, lon2, lat2))
    h = (np.sin((lat2 - lat1) / 2) ** 2
         + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2)
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))


@dataclass(frozen=True)
class _Windows:
    """Every window of a map: for each centre, its neighbours by distance; a window is a
    prefix of that order, ending where `is_window` holds. Columns stop at `reach`, the last
    position where any centre's window ends."""

    order: np.ndarray  # centres × reach: location indices by distance, centre first
    distance: np.ndarray  # centres × reach: km from the centre, in that order
    n: np.ndarray  # centres × reach: samples in the prefix
    is_window: np.ndarray  # centres × reach: the prefix ends a distance group, within the cap


def _windows(lon, lat, totals, max_share) -> _Windows:
    count = len(totals)
    distances = great_circle_km(lon[:, None], lat[:, None], lon[None, :], lat[None, :])
    not_centre = ~np.eye(count, dtype=bool)
    # Nearest first; the centre before other locations at distance 0, then input order.
    order = np.lexsort((not_centre, distances), axis=1)
    ordered = np.take_along_axis(distances, order, axis=1)
    n = np.cumsum(totals[order], axis=1)
    group_end = np.ones_like(ordered, dtype=bool)
    group_end[:, :-1] = np.diff(ordered, axis=1) > TIE_KM
    everyone = int(totals.sum())
    is_window = group_end & (n <= max_share * everyone) & (n > 0) & (n < everyone)
    reach = int(np.flatnonzero(is_window.any(axis=0)).max(initial=-1)) + 1
    return _Windows(order[:, :reach], ordered[:, :reach], n[:, :reach], is_window[:, :reach])


def _xlogx(values: np.ndarray) -> np.ndarray:
    """m·ln m elementwise, with 0·ln 0 = 0."""
    values = np.asarray(values, dtype=float)
    return values * np.log(np.where(values > 0, values, 1.0))


class _Scorer:
    """The LLR of every window, for maps with the given totals and C cases in all.

    With c cases among a window's n samples and m = n − c controls, the LLR is
    A[c] + B[m] + base[window], where A[c] = c·ln c + (C − c)·ln(C − c) and
    B[m] = m·ln m + (N − C − m)·ln(N − C − m) are tables over the integers and base holds
    the terms of n alone — two look-ups per window and map.
    """

    def __init__(self, windows: _Windows, cases_total: int, everyone: int):
        C, N, n = cases_total, everyone, windows.n
        self.windows = windows
        cases = np.arange(C + 1)
        controls = np.arange(N - C + 1)
        self.A = _xlogx(cases) + _xlogx(C - cases)
        self.B = _xlogx(controls) + _xlogx(N - C - controls)
        null = _xlogx(C) + _xlogx(N - C) - _xlogx(N)
        self.base = -_xlogx(n) - _xlogx(N - n) - null
        # c/n > (C − c)/(N − n) ⇔ c·N > C·n ⇔ c > ⌊C·n/N⌋ for whole c: one comparison.
        # Counts fit int32 (N < 2³¹), which halves the memory traffic of the look-ups.
        self.threshold = np.where(windows.is_window, (C * n) // N, N).astype(np.int32)
        self.n = n.astype(np.int32)

    def _scores(self, cases: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Maps (batch × locations) of case counts → the LLR at every centre × position and
        where that is a window with a rate above the rest's."""
        c = np.cumsum(cases.astype(np.int32)[:, self.windows.order], axis=2, dtype=np.int32)
        value = self.A[c]
        value += self.B[self.n - c]
        value += self.base
        return value, c > self.threshold

    def llr(self, cases: np.ndarray) -> np.ndarray:
        value, higher = self._scores(cases)
        return np.where(higher, value, 0.0)

    def maxima(self, cases: np.ndarray) -> np.ndarray:
        batch = max(1, BATCH_ELEMENTS // max(1, self.windows.order.size))
        maxima = []
        for start in range(0, len(cases), batch):
            value, higher = self._scores(cases[start:start + batch])
            maxima.append(value.max(axis=(1, 2), where=higher, initial=0.0))
        return np.concatenate(maxima)


def bernoulli_scan(locations, *, replications=999, random_seed=None, max_share=0.5):
    """The most likely cluster of non-compliant samples, or None when there are no cases,
    no controls, or no window with a rate above the rest's.

    `replications` maps under the null (case labels permuted among the samples) give the
    p-value rank/(R + 1); with `random_seed` the result is reproducible.
    """
    locations = list(locations)
    if not 0 < max_share <= 1:
        raise ValueError("max_share must be in (0, 1]")
    if replications < 0:
        raise ValueError("replications must be ≥ 0")
    for location in locations:
        if not 0 <= location.cases <= location.total:
            raise ValueError(f"{location.id}: need 0 ≤ cases ≤ total")
    if not locations:
        return None
    cases = np.array([loc.cases for loc in locations], dtype=np.int64)
    totals = np.array([loc.total for loc in locations], dtype=np.int64)
    C, N = int(cases.sum()), int(totals.sum())
    if C == 0 or C == N:
        return None
    lon = np.array([loc.lon for loc in locations], dtype=float)
    lat = np.array([loc.lat for loc in locations], dtype=float)
    windows = _windows(lon, lat, totals, max_share)
    if windows.order.size == 0:
        return None
    scorer = _Scorer(windows, C, N)
    observed = scorer.llr(cases[None])[0]
    centre, window = np.unravel_index(np.argmax(observed), observed.shape)
    best = float(observed[centre, window])
    if best <= 0:
        return None
    beaten = 0
    if replications:
        rng = np.random.default_rng(random_seed)
        simulated = rng.multivariate_hypergeometric(totals, C, size=replications,
                                                    method="marginals")
        beaten = int((scorer.maxima(simulated) >= best * (1 - TIE_LLR)).sum())
    members = windows.order[centre, :window + 1]
    c, n = int(cases[members].sum()), int(totals[members].sum())
    return Cluster(
        members=[locations[i].id for i in members],
        center=locations[int(centre)].id,
        radius_km=float(windows.distance[centre, window]),
        cases=c,
        total=n,
        expected=n * C / N,
        rate_inside=c / n,
        rate_outside=(C - c) / (N - n),
        llr=best,
        p_value=(beaten + 1) / (replications + 1),
        replications=replications,
    )
